"""The rows of the public issue lists, rendered once and shared by everyone who reads them.

A public list shows the same rows to everyone (`Issue.objects.public()`, no personal data), so
its rendered rows can be kept in the shared cache. Their key carries a generation number that
every committed change to an issue (a report, a step of its life, a "me too") bumps: the next
reader misses and renders the new rows, and the old ones expire. The bump happens after commit,
so a reader who sees the new number also sees the new rows; a reader who rendered old rows
stores them under the old number, which nobody asks for any more.

What does not go through an issue's service (an area or a category renamed in the admin) shows
after PUBLIC_LIST_CACHE_SECONDS at the latest. Without a shared cache (the embedded default,
where each process has its own memory) the setting is 0 and nothing is cached.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "deliberation:public-issues:generation"


def cache_seconds() -> int:
    return getattr(settings, "PUBLIC_LIST_CACHE_SECONDS", 0)


def generation() -> int | None:
    """The current generation, started when the cache has none (a restarted Redis) at a number
    no earlier generation had."""
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        current = cache.get(GENERATION_KEY)
    return current


def public_issues_changed() -> None:
    """Call inside the transaction that changes what a public list shows."""
    if cache_seconds():
        transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or the cache was emptied): start a new one
        cache.set(GENERATION_KEY, time.time_ns(), None)
