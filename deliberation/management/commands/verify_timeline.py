"""Recompute the hash chains of the public timelines and the daily seals; report every break.

    python manage.py verify_timeline        # exit 0: intact; exit 1: something was tampered with

Each entry's hash is recomputed from the stored hash of the entry before it, so an entry changed
behind the portal's back is reported alone, by its chain and place; a removed or inserted entry
shows as a gap or as the next entry no longer linking. If an intruder rewrote every hash after a
change to hide it, the seals of the days concerned no longer match, and neither does any head
hash noted down before (see docs/adr/0009-timeline-hash-chains.md).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand

from deliberation import timeline
from deliberation.models import CommitmentUpdate, IssueEvent, TimelineSeal
from deliberation.services.timeline import hashes_of_day

CHUNK = 5000


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 chains of every issue's and commitment's timeline and the daily "
        "seals; report each break (which entry, expected and found) and exit 1 if there is one."
    )

    def handle(self, *args, **options):
        breaks = 0
        entries = chains = 0
        for model, name in ((IssueEvent, "issue"), (CommitmentUpdate, "commitment")):
            found, checked, owners = self._chains(model, name)
            breaks, entries, chains = breaks + found, entries + checked, chains + owners
        seal_breaks, seals = self._seals()
        breaks += seal_breaks
        self.stdout.write(
            f"{entries} entries in {chains} timelines and {seals} daily seals checked: "
            f"{breaks} breaks."
        )
        if breaks:
            raise SystemExit(1)

    def _chains(self, model, name: str) -> tuple[int, int, int]:
        owner = model.CHAIN_OWNER
        fields = model.CHAINED_FIELDS
        label = model._meta.label_lower
        rows = (
            model.objects.order_by(owner, "seq")
            .values_list("pk", "hash", *fields)
            .iterator(chunk_size=CHUNK)
        )
        breaks = entries = chains = 0
        current, previous, last_seq = None, timeline.GENESIS, 0
        for pk, stored, *row in rows:
            values = dict(zip(fields, row, strict=True))
            if values[owner] != current:
                current, previous, last_seq = values[owner], timeline.GENESIS, 0
                chains += 1
            entries += 1
            where = f"{name} {current}, entry {values['seq']} (id {pk})"
            if values["seq"] != last_seq + 1:
                breaks += 1
                self.stdout.write(
                    f"break: {where}: expected entry {last_seq + 1} here, found entry "
                    f"{values['seq']}; an entry is missing."
                )
            expected = timeline.link(previous, label, values)
            if expected != stored:
                breaks += 1
                self.stdout.write(f"break: {where}: expected hash {expected}, found {stored}.")
            previous, last_seq = stored, values["seq"]
        return breaks, entries, chains

    def _seals(self) -> tuple[int, int]:
        breaks = count = 0
        previous, day_before = timeline.GENESIS, None
        for seal in TimelineSeal.objects.order_by("day").iterator():
            count += 1
            if day_before is not None and seal.day != day_before + datetime.timedelta(days=1):
                breaks += 1
                self.stdout.write(
                    f"break: no seal for {day_before + datetime.timedelta(days=1):%Y-%m-%d}; "
                    f"the next seal is of {seal.day:%Y-%m-%d}."
                )
            expected = timeline.seal_hash(previous, seal.day, hashes_of_day(seal.day))
            if expected != seal.hash:
                breaks += 1
                self.stdout.write(
                    f"break: seal of {seal.day:%Y-%m-%d}: expected hash {expected}, found "
                    f"{seal.hash}."
                )
            previous, day_before = seal.hash, seal.day
        return breaks, count
