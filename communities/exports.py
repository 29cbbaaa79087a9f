"""Downloads for the spreadsheets staff already use."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse


def csv_for_excel(filename: str, header: list, rows: Iterable[list]) -> HttpResponse:
    """A CSV attachment in UTF-8 with a BOM, so Excel on Chinese Windows opens it without
    garbling the Chinese."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
