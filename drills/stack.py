"""A private production stack for fault drills: its own PostgreSQL cluster and Redis server on
free ports, gunicorn and Celery workers, all on 127.0.0.1, all stopped at the end.

The drills stop and kill these on purpose, so they must never be the machine's shared
services (other runs, and CI, use those).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(f"/usr/lib/postgresql/{os.environ.get('PG_MAJOR', '15')}/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the Debian package's user owns the cluster.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Stack:
    """PostgreSQL + Redis + the portal's processes, private to one drill run."""

    def __init__(self, name: str):
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix=f"portal-drill-{name}-"))
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.pg_data = self.tmp / "pgdata"
        self.processes: dict[str, subprocess.Popen] = {}
        self.database_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/portal"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            **os.environ,
            "ENV_FILE": "/dev/null",
            "DJANGO_SETTINGS_MODULE": "governance.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DEBUG": "false",
            "SECRET_KEY": "drill-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "STATIC_ROOT": str(self.tmp / "static"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "0",
        }

    # --- PostgreSQL ------------------------------------------------------------------------

    def start_postgres(self) -> None:
        if not self.pg_data.exists():
            self.pg_data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.tmp, "postgres")
                shutil.chown(self.pg_data, "postgres")
            subprocess.run(
                _as_postgres(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.pg_data),
                        "-A",
                        "trust",
                        "-U",
                        "postgres",
                        "--no-sync",
                        "-E",
                        "UTF8",
                        "--locale",
                        "C.UTF-8",
                    ]
                ),
                check=True,
                capture_output=True,
            )
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-w",
                    "-l",
                    str(self.tmp / "postgres.log"),
                    "-o",
                    f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        wait_for(self.postgres_ready, seconds=30, what="PostgreSQL")

    def postgres_ready(self) -> bool:
        probe = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.pg_port)],
            check=False,
        )
        return probe.returncode == 0

    def crash_postgres(self) -> None:
        """Stop hard, as a power cut would: no checkpoint, no clean shutdown."""
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "stop"]
            ),
            check=False,
            capture_output=True,
        )

    def psql(self, sql: str, database: str = "portal") -> str:
        result = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-d",
                database,
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self) -> None:
        self.psql("CREATE DATABASE portal", database="postgres")
        self.manage("migrate", "--noinput")

    # --- Redis -------------------------------------------------------------------------------

    def start_redis(self) -> None:
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.redis_ready, seconds=15, what="Redis")

    def redis_ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        self.stop("redis")

    # --- The portal ----------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def shell(self, code: str) -> str:
        """Run Python with Django set up against this stack; returns what it printed."""
        return self.manage("shell", "--no-imports", "-c", code)

    def start_gunicorn(self, workers: int = 2) -> str:
        port = free_port()
        self.processes["gunicorn"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "governance.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / "gunicorn.log", "w"),  # noqa: SIM115 — closed with the process
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url + "/healthz"), seconds=30, what="gunicorn")
        return url

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "governance",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                str(concurrency),
                "-n",
                f"{name}-{secrets.token_hex(3)}@drill",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / f"{name}.log", "a"),  # noqa: SIM115 — closed with the process
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the process group: a worker dies mid-task, its children with it."""
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        for name in list(self.processes):
            if name.startswith("worker"):
                self.kill(name)
            else:
                self.stop(name)
        if self.pg_data.exists():
            self.crash_postgres()
        self._keep_logs()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _keep_logs(self) -> None:
        """The servers' logs outlive the drill in var/drill-logs/<name>/, for reading what went
        wrong after a failed run; the next run of the same drill replaces them."""
        kept = ROOT / "var" / "drill-logs" / self.name
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True, exist_ok=True)
        for log in self.tmp.glob("*.log"):
            shutil.copy(log, kept / log.name)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, OSError):
        return False
