"""Writing workbooks: the templates staff fill in, and exports in the same layout, so that an
export can be corrected and imported again.

Every data sheet has the Chinese headers in row 1 and the English ones in row 2 (the reader
skips that row); a template has one example row after them. openpyxl's write-only mode streams
rows to a temporary file, so an export of 100,000 households does not sit in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from communities.imports.base import Sheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_ENGLISH_FONT = Font(italic=True, color="555555")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def _cells(worksheet, values: Iterable, font=None, fill=None) -> list:
    cells = []
    for value in values:
        cell = WriteOnlyCell(worksheet, value="" if value is None else value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        cells.append(cell)
    return cells


def write_workbook(parts: Iterable[tuple[Sheet, Iterable[list], bool]], *, notes: bool) -> bytes:
    """One sheet per (kind, rows, rows_are_the_example); a notes sheet first when asked."""
    book = Workbook(write_only=True)
    if notes:
        parts = list(parts)
        _notes_sheet(book, [sheet for sheet, _rows, _example in parts])
    for sheet, rows, example in parts:
        worksheet = book.create_sheet(sheet.title)
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = max(
                14, len(column.en) + 4, len(column.example) + 4
            )
        chinese, english = sheet.headers()
        worksheet.append(_cells(worksheet, chinese, _HEADER_FONT, _HEADER_FILL))
        worksheet.append(_cells(worksheet, english, _ENGLISH_FONT))
        for row in rows:
            worksheet.append(
                _cells(worksheet, row, _EXAMPLE_FONT)
                if example
                else [_plain(worksheet, v) for v in row]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(worksheet, value):
    # Codes and rooms stay text (Excel would turn 0101 into 101); areas stay numbers. A text
    # starting with "=" stays text too: openpyxl would write it as a formula, which Excel runs.
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return "" if value is None else value


def _notes_sheet(book, sheets: list[Sheet]) -> None:
    worksheet = book.create_sheet("说明")
    worksheet.column_dimensions["A"].width = 18
    worksheet.column_dimensions["B"].width = 100
    worksheet.append(_cells(worksheet, ["说明 / Notes"], _HEADER_FONT))
    lines = [
        _("Fill in one sheet per kind; keep the header rows (Chinese, then English)."),
        _("Delete the grey example row, or it is skipped and reported."),
        _(
            "Codes are stable: importing a corrected workbook updates places and households in "
            "place, matched by code (households by building code, unit and room; residents by "
            "mobile number)."
        ),
        _(
            "Upload the workbook on the area's Import and export page: you see what it will "
            "create, change and skip, row by row, before anything changes."
        ),
    ]
    for line in lines:
        worksheet.append(["", line])
    worksheet.append([])
    for sheet in sheets:
        worksheet.append(_cells(worksheet, [sheet.title, str(sheet.description)], _HEADER_FONT))
        for column in sheet.columns:
            required = _("required") if column.required else _("optional")
            worksheet.append([f"  {column.zh}", f"{column.en} ({required})"])


def template_workbook(sheets: list[Sheet]) -> bytes:
    return write_workbook([(sheet, [sheet.example()], True) for sheet in sheets], notes=True)
