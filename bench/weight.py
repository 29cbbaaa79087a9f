"""Page weight: what a phone downloads for a page, the HTML plus the static files it names.

Measured from the files themselves (no network): the HTML as Django renders it, and each
stylesheet, script and image under /static/ read from disk, raw and gzip-compressed (whitenoise
serves the compressed copy to browsers that accept it).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

ASSET = re.compile(rb'(?:href|src)="(/static/[^"?#]+)"')


def weigh(html: bytes, static_dirs: list[Path]) -> dict:
    assets = {}
    for url in sorted(set(ASSET.findall(html))):
        relative = url.decode()[len("/static/") :]
        for folder in static_dirs:
            candidate = folder / relative
            if candidate.is_file():
                assets[relative] = candidate.read_bytes()
                break
    raw = len(html) + sum(len(body) for body in assets.values())
    compressed = len(gzip.compress(html)) + sum(
        len(gzip.compress(body)) for body in assets.values()
    )
    return {"html": len(html), "assets": len(assets), "raw": raw, "gzip": compressed}


def report(rows: list[tuple[str, dict]]) -> list[str]:
    lines = [
        "## Page weight",
        "",
        "What a phone downloads for each page on a first visit: the HTML plus every stylesheet, "
        "script and image it names under /static/ (nothing from another origin). Later pages reuse "
        "the cached assets.",
        "",
        "| Page | HTML KB | Static files | Total KB | Total KB gzip |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {title} | {weight['html'] / 1024:.1f} | {weight['assets']} | {weight['raw'] / 1024:.1f} | "
        f"{weight['gzip'] / 1024:.1f} |"
        for title, weight in rows
    ]
    return lines
