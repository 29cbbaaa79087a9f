"""One run through a workbook: the dry run (check) or the confirmed import (commit).

Rows go through in chunks of CHUNK_SIZE, sheet after sheet in the order of the registry (places
before the people in them). Each chunk costs a handful of queries whatever its size, and its
report rows are written in bulk, so neither time per row nor memory grows with the file. What
the runner keeps between chunks is counters; everything else it needs from earlier rows (a
parent code defined above, a duplicate household) it asks the report rows already written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from itertools import islice

from django.utils.translation import gettext as _

from communities.imports.base import CellError, Context, Row, Sheet
from communities.imports.reader import Workbook
from communities.models import ImportJob, ImportRow

CHUNK_SIZE = 1000

Outcome = ImportRow.Outcome


class Cancelled(Exception):
    """Staff cancelled the job: the runner stops at the next chunk."""


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _parse(sheet: Sheet, rows: list[Row], ctx: Context) -> None:
    for row in rows:
        if row.outcome:  # the template's example row
            continue
        try:
            sheet.parse(row, ctx)
        except CellError as error:
            row.reject(str(error))


def _reject_duplicates(sheet: Sheet, rows: list[Row], ctx: Context) -> None:
    """A key may appear once in a file: the second household 1栋 101 is a mistake, not an update."""
    live = [row for row in rows if row.key and not row.outcome]
    earlier = ctx.earlier(sheet.kind, {row.key for row in live})
    first_in_chunk: dict[str, int] = {}
    for row in live:
        number = earlier[row.key].number if row.key in earlier else first_in_chunk.get(row.key)
        if number is None:
            first_in_chunk[row.key] = row.number
            continue
        row.reject(
            _("Duplicate: row %(number)s already has %(label)s.")
            % {"number": number, "label": row.label or row.key}
        )


def process(
    job: ImportJob,
    book: Workbook,
    *,
    commit: bool,
    on_chunk: Callable[[int, Counter], None],
    chunk_size: int = CHUNK_SIZE,
) -> Counter:
    """Check (and on commit, apply) every row of every recognised sheet. Returns the outcomes
    counted; `on_chunk(rows_done, counts)` reports progress and may raise Cancelled."""
    ctx = Context(job, commit=commit)
    counts: Counter = Counter()
    done = 0
    for found in book.found:
        sheet = found.sheet
        for chunk in _chunks(book.rows(found), chunk_size):
            _parse(sheet, chunk, ctx)
            _reject_duplicates(sheet, chunk, ctx)
            pending = [row for row in chunk if not row.outcome]
            if pending:
                sheet.check(pending, ctx)
            if commit:
                sheet.apply(
                    [row for row in chunk if row.outcome in (Outcome.CREATE, Outcome.CHANGE)],
                    ctx,
                )
            ImportRow.objects.bulk_create(
                ImportRow(
                    job=job,
                    sheet=sheet.kind,
                    number=row.number,
                    outcome=row.outcome,
                    key=row.key[:120],
                    label=row.label[:200],
                    message=row.message,
                    facts=row.facts,
                )
                for row in chunk
            )
            counts.update(row.outcome for row in chunk)
            done += len(chunk)
            on_chunk(done, counts)
    return counts
