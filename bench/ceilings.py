"""The machine's own limits, measured in the same run as the pages they bound.

- **Bare SQL per page** (database ceiling): the statements a page sent, captured with
  `CaptureQueriesContext` while the test client rendered it, replayed with psycopg directly (no
  Django, no HTTP): first on one connection, one page's worth after another (the page's SQL
  latency alone), then from as many connections as gunicorn has workers, as fast as PostgreSQL
  answers (the page's SQL throughput ceiling). Only reads are replayed: a page's session or
  `last_login` writes are left out, and said so.
- **Single-row commit rate** (write ceiling): `INSERT` of one row and `COMMIT`, in a loop, from
  N connections at once, into a scratch table dropped afterwards.
"""

from __future__ import annotations

import statistics
import threading
import time

READ_PREFIXES = ("SELECT", "WITH")


def replayable(statements: list[str]) -> tuple[list[str], int]:
    """The read statements of a page, and how many others (writes, savepoints) were left out."""
    reads = [sql for sql in statements if sql.lstrip().upper().startswith(READ_PREFIXES)]
    return reads, len(statements) - len(reads)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def replay(url: str, pages: list[list[str]], *, seconds: float, connections: int) -> dict:
    """Replay page-worths of SQL (one list of statements per sampled request, taken in turn)
    from `connections` psycopg connections for `seconds`. Returns the page-worths per second and
    the latency of one page-worth (p50/p95, ms)."""
    import psycopg

    pages = [page for page in pages if page]
    if not pages:
        return {"rate": 0.0, "p50": 0.0, "p95": 0.0, "count": 0}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors: list[str] = []
    start = threading.Barrier(connections + 1)

    def loop(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            # Warm this connection's catalogue cache, as a long-lived gunicorn connection has.
            for statement in pages[index % len(pages)]:
                conn.execute(statement).fetchall()
            start.wait()
            stop = time.monotonic() + seconds
            n = index
            while time.monotonic() < stop:
                began = time.perf_counter()
                try:
                    for statement in pages[n % len(pages)]:
                        conn.execute(statement).fetchall()
                except psycopg.Error as error:
                    errors.append(str(error)[:200])
                    return
                latencies[index].append((time.perf_counter() - began) * 1000)
                n += 1

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    flat = [value for values in latencies for value in values]
    return {
        "rate": len(flat) / elapsed if elapsed else 0.0,
        "p50": statistics.median(flat) if flat else 0.0,
        "p95": _percentile(flat, 0.95),
        "count": len(flat),
        "errors": errors[:3],
    }


def commit_rate(url: str, *, seconds: float, connections: int) -> dict:
    """Single-row INSERT + COMMIT in a loop from `connections` connections at once."""
    import psycopg

    table = "bench_commit_ceiling"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, v integer, at timestamptz)")
    counts = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]
    start = threading.Barrier(connections + 1)

    def loop(index: int) -> None:
        with psycopg.connect(url) as conn:
            start.wait()
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                began = time.perf_counter()
                conn.execute(f"INSERT INTO {table} (v, at) VALUES (%s, now())", [index])
                conn.commit()
                latencies[index].append((time.perf_counter() - began) * 1000)
                counts[index] += 1

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    flat = [value for values in latencies for value in values]
    return {
        "connections": connections,
        "rate": sum(counts) / elapsed if elapsed else 0.0,
        "p50": statistics.median(flat) if flat else 0.0,
        "p95": _percentile(flat, 0.95),
    }
