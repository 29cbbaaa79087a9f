"""Reading an uploaded workbook a row at a time, whatever its size.

An .xlsx is opened with openpyxl in read-only mode: each sheet is parsed from its XML as it is
iterated, so memory stays flat however many rows there are. A .csv (one sheet) is decoded as
UTF-8 (with or without the BOM Excel writes) or, failing that, GB18030, as Excel on Chinese
Windows saves it.

A sheet is recognised by its header row (the Chinese headers of the template, or the English
ones), so staff may rename the tabs, reorder the columns or drop an optional one. A second
header row in the other language is skipped, and so is the template's example row.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext as _

from communities.documents import is_active_part
from communities.imports.base import Row, Sheet
from communities.imports.registry import sheets


class UnreadableFile(Exception):
    """The upload is not a workbook we can read; the message says so in words."""


# A real workbook has a few dozen parts, each packed five to twenty times; a zip bomb is packed
# a thousand times or holds thousands of parts.
MAX_PARTS = 2000
MAX_PACKING_RATIO = 100
PACKED_PART_CHECKED = 1024 * 1024  # smaller parts may pack as they like
_XML_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def check_package(fileobj, *, max_unpacked_bytes: int) -> None:
    """Refuse, before it is stored, an .xlsx that is not a plain workbook: not a ZIP package,
    parts outside the package, macros or ActiveX, a DTD (entity bombs, XXE), or more unpacked
    bytes than we would read. The declared sizes are what zipfile reads at most."""
    not_a_workbook = _("This file cannot be read as an Excel workbook (.xlsx).")
    fileobj.seek(0)
    if fileobj.read(4) != b"PK\x03\x04":
        raise UnreadableFile(not_a_workbook)
    try:
        with zipfile.ZipFile(fileobj) as package:
            parts = package.infolist()
            if len(parts) > MAX_PARTS:
                raise UnreadableFile(not_a_workbook)
            for part in parts:
                name = part.filename.replace("\\", "/")
                lowered = name.lower()
                if name.startswith("/") or ".." in name.split("/"):
                    raise UnreadableFile(not_a_workbook)
                if is_active_part(lowered) or "macroenabled" in lowered:
                    raise UnreadableFile(_macros_message())
                if part.file_size > PACKED_PART_CHECKED and part.file_size > (
                    MAX_PACKING_RATIO * max(part.compress_size, 1)
                ):
                    raise UnreadableFile(_unpacked_message(max_unpacked_bytes))
            if sum(part.file_size for part in parts) > max_unpacked_bytes:
                raise UnreadableFile(_unpacked_message(max_unpacked_bytes))
            types = package.read("[Content_Types].xml")
            if b"macroEnabled" in types or b"vbaProject" in types:
                raise UnreadableFile(_macros_message())
            for part in parts:
                if part.filename.lower().endswith((".xml", ".rels")):
                    with package.open(part) as opened:
                        if _XML_DTD.search(opened.read(4096)):
                            raise UnreadableFile(not_a_workbook)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError) as error:
        raise UnreadableFile(not_a_workbook) from error
    finally:
        fileobj.seek(0)


def _macros_message() -> str:
    return _(
        "This workbook contains macros or controls, which we do not import. Save it as an Excel "
        "workbook (.xlsx) without macros and upload that."
    )


def _unpacked_message(limit: int) -> str:
    return _("This workbook unpacks to more than %(limit)s MB. Split it into several.") % {
        "limit": limit // (1024 * 1024)
    }


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    # An export makes a formula-like text inert with a leading apostrophe (communities.exports).
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _header_name(value) -> str:
    # "代码*" or "代码（必填）" in a staff member's own copy is still 代码.
    name = cell_text(value).rstrip("*").strip()
    for suffix in ("(必填)", "(required)"):
        name = name.removesuffix(suffix).strip()
    return name.lower()


@dataclass
class FoundSheet:
    """A sheet of the upload recognised as one kind: how to map its columns."""

    sheet: Sheet
    title: str
    positions: dict[str, int]  # column key → index in the row
    index: int  # which sheet of the workbook (0 for a CSV)


def _recognise(header: tuple) -> tuple[Sheet, dict[str, int]] | None:
    names = [_header_name(value) for value in header]
    best = None
    for sheet in sheets():
        spellings = {}
        for column in sheet.columns:
            for spelling in (column.zh, column.en, *column.aliases):
                spellings[_header_name(spelling)] = column.key
        named = [name for name in names if name]
        if not named or any(name not in spellings for name in named):
            continue
        positions: dict[str, int] = {}
        for index, name in enumerate(names):
            if name:
                positions.setdefault(spellings[name], index)
        required = {column.key for column in sheet.columns if column.required}
        if required <= positions.keys() and (best is None or len(positions) > len(best[1])):
            best = (sheet, positions)
    return best


class Workbook:
    """An opened upload: its recognised sheets, and their rows one at a time."""

    def __init__(self, fileobj, name: str):
        self.name = name
        self.is_csv = name.lower().endswith(".csv")
        self._file = fileobj
        self.found: list[FoundSheet] = []
        self.ignored: list[str] = []
        if self.is_csv:
            self._book = None
            header = next(self._csv_rows(), None)
            self._add(0, name, header)
        else:
            try:
                self._book = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
            except Exception as error:  # a zip that is not a workbook, a renamed .xls, …
                raise UnreadableFile(
                    _("This file cannot be read as an Excel workbook (.xlsx).")
                ) from error
            for index, worksheet in enumerate(self._book.worksheets):
                header = next(worksheet.iter_rows(max_row=1, values_only=True), None)
                self._add(index, worksheet.title, header)
        self.found.sort(key=lambda found: found.sheet.order)
        kinds = [found.sheet.kind for found in self.found]
        if len(kinds) != len(set(kinds)):
            raise UnreadableFile(
                _("The workbook has two sheets of the same kind; put their rows in one sheet.")
            )

    def _add(self, index: int, title: str, header) -> None:
        recognised = _recognise(header) if header else None
        if recognised is None:
            if title not in ("说明", "Notes"):
                self.ignored.append(title)
            return
        sheet, positions = recognised
        self.found.append(FoundSheet(sheet, title, positions, index))

    def _csv_rows(self) -> Iterator[list[str]]:
        self._file.seek(0)
        sample = self._file.read(64 * 1024)
        self._file.seek(0)
        encoding = "utf-8-sig"
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        except UnicodeDecodeError:
            encoding = "gb18030"
        text = io.TextIOWrapper(self._file, encoding=encoding, newline="", errors="replace")
        try:
            yield from csv.reader(text)
        finally:
            text.detach()

    def _raw_rows(self, found: FoundSheet) -> Iterator[tuple]:
        if self.is_csv:
            return iter(self._csv_rows())
        return self._book.worksheets[found.index].iter_rows(values_only=True)

    def rows(self, found: FoundSheet) -> Iterator[Row]:
        """The data rows of a sheet, numbered as Excel numbers them, empty rows left out."""
        sheet = found.sheet
        english = [_header_name(column.en) for column in sheet.columns]
        chinese = [_header_name(column.zh) for column in sheet.columns]
        example = [cell_text(value) for value in sheet.example()]
        for number, values in enumerate(self._raw_rows(found), start=1):
            if number == 1:
                continue
            cells = {
                key: (values[index] if index < len(values) else None)
                for key, index in found.positions.items()
            }
            texts = [cell_text(value) for value in values]
            if not any(texts):
                continue
            if number == 2 and {_header_name(v) for v in values if cell_text(v)} <= {
                *english,
                *chinese,
            }:
                continue
            row = Row(number=number, cells=cells)
            in_order = [cell_text(cells.get(column.key)) for column in sheet.columns]
            if in_order == example:
                row.skip(_("The template's example row: delete it from your copy."))
            yield row

    def count_rows(self) -> int:
        return sum(1 for found in self.found for _row in self.rows(found))

    def close(self) -> None:
        if self._book is not None:
            self._book.close()


@contextmanager
def open_workbook(job) -> Iterator[Workbook]:
    with job.file.open("rb") as stored:
        book = Workbook(stored, job.original_name)
        try:
            yield book
        finally:
            book.close()
