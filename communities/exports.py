"""Downloads for the spreadsheets staff already use."""

import csv
import io
import re
from collections.abc import Iterable

from django.http import HttpResponse

# Excel runs a cell that starts with one of these as a formula (=HYPERLINK(...), =cmd|...), and
# cells hold what residents typed: an issue's title, a name.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain number or phone number (+86 138-1234-5678, -12.5), which it only shows.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9\s().-]*")


def inert(value):
    """The value as Excel will show it and never run: a text that would start a formula gets
    a leading apostrophe, which Excel hides (the reader of imports drops it again)."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_for_excel(filename: str, header: list, rows: Iterable[list]) -> HttpResponse:
    """A CSV attachment in UTF-8 with a BOM, so Excel on Chinese Windows opens it without
    garbling the Chinese, and with no cell Excel would run as a formula."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([inert(value) for value in header])
    writer.writerows([inert(value) for value in row] for row in rows)
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
