"""Sealing each day of the public timelines into one head hash (see deliberation.timeline)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from deliberation import timeline
from deliberation.models import CommitmentUpdate, IssueEvent, TimelineSeal

# Entries carry the time they were written in; a day is sealed only this long after it ended,
# when no transaction that began in it can still be open (and app servers' clocks agree).
SEAL_GRACE = datetime.timedelta(hours=1)
CHAINED_MODELS = (IssueEvent, CommitmentUpdate)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day as aware datetimes [start, end) in the portal's time zone (walks the `at` index)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )


def hashes_of_day(day: datetime.date) -> list[str]:
    """The hashes of every timeline entry, of issues and of commitments, written on the day."""
    start, end = day_bounds(day)
    hashes: list[str] = []
    for model in CHAINED_MODELS:
        hashes += model.objects.filter(at__gte=start, at__lt=end).values_list("hash", flat=True)
    return hashes


def _first_day() -> datetime.date | None:
    firsts = [model.objects.aggregate(first=Min("at"))["first"] for model in CHAINED_MODELS]
    firsts = [first for first in firsts if first is not None]
    return timezone.localdate(min(firsts)) if firsts else None


@transaction.atomic
def seal_timeline(*, now: datetime.datetime | None = None) -> list[TimelineSeal]:
    """The periodic task: seal each day that is over (SEAL_GRACE after midnight) and not yet
    sealed, from the first day with an entry on. A day's seal is the SHA-256 of the day before's
    seal, the day and the hashes of that day's entries; a day without entries is sealed too, so
    the seals form an unbroken chain. Seals are written once; should two runners race, the
    unique day lets one win and the other stop."""
    now = now or timezone.now()
    last_day = timezone.localdate(now - SEAL_GRACE) - datetime.timedelta(days=1)
    latest = TimelineSeal.objects.order_by("-day").first()
    if latest is not None:
        day, previous = latest.day + datetime.timedelta(days=1), latest.hash
    else:
        day, previous = _first_day(), timeline.GENESIS
    sealed: list[TimelineSeal] = []
    while day is not None and day <= last_day:
        hashes = hashes_of_day(day)
        try:
            with transaction.atomic():
                seal = TimelineSeal.objects.create(
                    day=day,
                    hash=timeline.seal_hash(previous, day, hashes),
                    previous=previous,
                    entries=len(hashes),
                    sealed_at=now,
                )
        except IntegrityError:
            break  # another runner is sealing the same days
        sealed.append(seal)
        day, previous = day + datetime.timedelta(days=1), seal.hash
    return sealed
