"""Tamper evidence for the public timelines: every entry is chained to the one before it.

Each issue and each commitment keeps a chain of its own. Entry n of a chain carries `seq` = n and
`hash` = SHA-256(hash of entry n - 1, then the canonical form of entry n), the first entry
starting from GENESIS. Changing an entry changes its hash; removing or inserting one breaks the
link of the entry after it. Once a day is over, the hashes of every entry written that day are
sealed together, chained to the seal of the day before (`TimelineSeal`): that seal is the day's
head hash, which anyone may note down and compare later. `manage.py verify_timeline` recomputes
everything. Why per-issue chains and daily seals: docs/adr/0009-timeline-hash-chains.md.

The canonical form is JSON with sorted keys and no spaces, of the model's label and the fields it
names in CHAINED_FIELDS: foreign keys as ids, times in UTC with microseconds, dates as ISO dates.
It must never change for entries already written; a new form would get a new VERSION.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable

from django.db import models

GENESIS = "0" * 64
VERSION = 1


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def canonical(label: str, values: dict) -> bytes:
    """The bytes an entry's hash is computed from."""
    document = {"model": label, "version": VERSION}
    document.update({name: _plain(value) for name, value in values.items()})
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link(previous: str, label: str, values: dict) -> str:
    """The hash of an entry whose predecessor's hash is `previous`."""
    return hashlib.sha256(previous.encode("ascii") + canonical(label, values)).hexdigest()


def values_of(entry: models.Model) -> dict:
    """The chained fields of an entry as the database will give them back (a lazy translation
    as the text it is saved as, an id as an int)."""
    fields = {field.attname: field for field in entry._meta.concrete_fields}
    return {
        name: fields[name].to_python(getattr(entry, name)) for name in type(entry).CHAINED_FIELDS
    }


def append(entry: models.Model) -> models.Model:
    """Give an unsaved timeline entry the next place in its chain, and save it.

    The caller holds the row lock of the chain's owner (the issue or the commitment), so no other
    transaction appends to the same chain before this one commits: two entries written at once
    never link to the same predecessor. Should a caller ever forget the lock, the unique
    (owner, seq) constraint refuses the second entry instead of letting the chain fork."""
    model = type(entry)
    owner = model.CHAIN_OWNER
    last = (
        model.objects.filter(**{owner: getattr(entry, owner)})
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, previous = last or (0, GENESIS)
    entry.seq = seq + 1
    entry.hash = link(previous, model._meta.label_lower, values_of(entry))
    entry.save(force_insert=True)
    return entry


def seal_hash(previous: str, day: datetime.date, hashes: Iterable[str]) -> str:
    """A day's seal: the seal of the day before, the day, and the hashes of the entries written
    that day in sorted order (so the seal does not depend on the order rows are read in)."""
    digest = hashlib.sha256(previous.encode("ascii"))
    digest.update(day.isoformat().encode("ascii"))
    for value in sorted(hashes):
        digest.update(value.encode("ascii"))
    return digest.hexdigest()
