"""How many hostile inputs the tests in this folder tried, by kind.

Each test calls `tried(kind)` for every input it throws; at the end of the run the totals are
printed and written to var/hostile-summary.json, and docs/security.md quotes them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

SUMMARY_FILE = Path(__file__).resolve().parents[2] / "var" / "hostile-summary.json"

_counts: Counter[str] = Counter()


def tried(kind: str, count: int = 1) -> None:
    _counts[kind] += count


def counts() -> dict[str, int]:
    return dict(sorted(_counts.items()))


def write_summary() -> Path | None:
    if not _counts:
        return None
    SUMMARY_FILE.parent.mkdir(exist_ok=True)
    data = {"total": sum(_counts.values()), "by_kind": counts()}
    SUMMARY_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return SUMMARY_FILE
