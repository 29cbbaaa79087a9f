"""The pieces every kind of sheet is made of: its columns, a row on its way through the checks,
and what a sheet may ask about the job while it checks a chunk of rows.

A sheet kind is a subclass of `Sheet` registered with `communities.imports.register`. The runner
hands it rows in chunks; for each chunk it

1. `parse`s every row on its own (no database): clean the cells, set the row's key, or reject it;
2. lets the runner reject a key already seen earlier in the file (`Context.earlier`);
3. `check`s the chunk against the database in a few queries: each row will be created, changed
   or left as it is (skip), or is rejected, with the reason;
4. on the confirmed run only, `apply`s the rows to create and change, in bulk.

The same code runs the dry run and the import, so what staff confirmed is what happens.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communities import reach
from communities.models import Area, ImportJob, ImportRow, User
from communities.phones import mask_mobile, normalize_mobile


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its headers in Chinese (row 1) and English (row 2), and the value
    the template's example row shows."""

    key: str
    zh: str
    en: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers staff write for the same column


@dataclass
class Row:
    """A row of a sheet on its way through the checks. `number` is the row as Excel numbers it."""

    number: int
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    label: str = ""
    outcome: str = ""
    message: str = ""
    facts: dict = field(default_factory=dict)
    plan: Any = None

    @property
    def rejected(self) -> bool:
        return self.outcome == ImportRow.Outcome.REJECT

    def reject(self, message: str) -> None:
        self.outcome, self.message, self.plan = ImportRow.Outcome.REJECT, message, None

    def create(self, plan: Any = None, message: str = "") -> None:
        self.outcome, self.plan, self.message = ImportRow.Outcome.CREATE, plan, message

    def change(self, plan: Any, message: str = "") -> None:
        self.outcome, self.plan, self.message = ImportRow.Outcome.CHANGE, plan, message

    def skip(self, message: str = "") -> None:
        self.outcome, self.plan, self.message = ImportRow.Outcome.SKIP, None, message


@dataclass(frozen=True)
class Place:
    """An area a row names: in the database (pk and path), or created by an earlier row."""

    code: str
    level: int
    pk: int | None
    path: str | None


class Context:
    """What a sheet may ask while it checks rows: the job, who acts, where they may act, and what
    earlier rows of the same file planned (areas and households not yet in the database during
    the dry run)."""

    def __init__(self, job: ImportJob, *, commit: bool):
        self.job = job
        self.user: User = job.created_by
        self.scope: Area = job.area
        self.commit = commit
        self._managed = None if self.user.is_superuser else reach.managed_paths(self.user)

    def in_scope(self, path: str) -> bool:
        """The place lies under the job's area and the person manages it."""
        if not path.startswith(self.scope.path):
            return False
        return self._managed is None or reach.is_within(path, self._managed)

    def out_of_scope_message(self, code: str) -> str:
        return _("%(code)s is outside %(area)s, where you may import.") % {
            "code": code,
            "area": self.scope.name,
        }

    def earlier(self, sheet: str, keys: Iterable[str]) -> dict[str, ImportRow]:
        """Rows of this run, in an earlier chunk, with one of these keys and not rejected; the
        first one of each key."""
        keys = {key for key in keys if key}
        if not keys:
            return {}
        found: dict[str, ImportRow] = {}
        rows = (
            ImportRow.objects.filter(job=self.job, sheet=sheet, key__in=keys)
            .exclude(outcome=ImportRow.Outcome.REJECT)
            .only("key", "number", "outcome", "facts")
            .order_by("pk")
        )
        for row in rows:
            found.setdefault(row.key, row)
        return found

    def areas(self, codes: Iterable[str]) -> dict[str, Area]:
        codes = {code for code in codes if code}
        return {area.code: area for area in Area.objects.filter(code__in=codes)} if codes else {}

    def planned_areas(self, codes: Iterable[str]) -> dict[str, int]:
        """Areas an earlier row of the file creates, by code: their level."""
        return {
            code: row.facts.get("level", 0)
            for code, row in self.earlier("areas", codes).items()
            if row.outcome == ImportRow.Outcome.CREATE
        }

    def places(self, codes: Iterable[str]) -> dict[str, Place]:
        """Areas by code: those in the database, and those an earlier row of the file creates
        (during the dry run they have no id or path yet; their rows were checked for scope)."""
        codes = {code for code in codes if code}
        found = {
            code: Place(code, area.level, area.pk, area.path)
            for code, area in self.areas(codes).items()
        }
        for code, level in self.planned_areas(codes - found.keys()).items():
            found[code] = Place(code, level, None, None)
        return found

    def place_in_scope(self, place: Place) -> bool:
        return place.path is None or self.in_scope(place.path)

    def people_by_mobile(self, phones: Iterable[str]) -> dict[str, User]:
        phones = {phone for phone in phones if phone}
        return {user.phone: user for user in User.objects.filter(phone__in=phones)}


class Sheet:
    """A kind of sheet. Subclasses name their columns and write parse, check and apply."""

    kind: ClassVar[str]
    order: ClassVar[int]
    title: ClassVar[str]  # the sheet's name in the template, in Chinese
    title_en: ClassVar[str]
    columns: ClassVar[list[Column]]
    description: ClassVar[Any]  # lazy text for the page and the notes sheet

    def parse(self, row: Row, ctx: Context) -> None:
        raise NotImplementedError

    def check(self, rows: list[Row], ctx: Context) -> None:
        raise NotImplementedError

    def apply(self, rows: list[Row], ctx: Context) -> None:
        raise NotImplementedError

    def export_rows(self, area: Area, user: User, *, reveal: bool) -> Iterator[list]:
        """The sheet's rows under `area` as `user` may see them, in the column order, personal
        data masked unless `reveal`."""
        raise NotImplementedError

    # Helpers ---------------------------------------------------------------------------------

    @classmethod
    def headers(cls) -> tuple[list[str], list[str]]:
        return [c.zh for c in cls.columns], [c.en for c in cls.columns]

    @classmethod
    def example(cls) -> list[str]:
        return [c.example for c in cls.columns]


# --- Cleaning cells ----------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read: the message says which column and why."""


def text(row: Row, column: str, *, label: str, required: bool = False, max_length: int) -> str:
    value = row.cells.get(column)
    if value is None:
        value = ""
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))  # Excel stores a room typed as 101 as the number 101.0
    elif isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    value = str(value).strip()
    if required and not value:
        raise CellError(_("%(column)s is empty.") % {"column": label})
    if len(value) > max_length:
        raise CellError(
            _("%(column)s is longer than %(n)s characters.") % {"column": label, "n": max_length}
        )
    return value


def code_text(row: Row, column: str, *, label: str, required: bool = False) -> str:
    """Codes, units and rooms: full-width characters typed by a Chinese input method become the
    ordinary ones, so １０１ and 101 are one room."""
    value = text(row, column, label=label, required=required, max_length=64)
    return unicodedata.normalize("NFKC", value).strip()


_AREA_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def area_code(row: Row, column: str, *, label: str, required: bool = True) -> str:
    value = code_text(row, column, label=label, required=required)
    if value and (len(value) > 32 or not _AREA_CODE.match(value)):
        raise CellError(
            _("%(column)s “%(value)s” is not a code: use letters, digits and hyphens only.")
            % {"column": label, "value": value}
        )
    return value


def decimal_number(row: Row, column: str, *, label: str) -> Decimal:
    raw = row.cells.get(column)
    if raw is None or str(raw).strip() == "":
        raise CellError(_("%(column)s is empty.") % {"column": label})
    cleaned = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
    cleaned = cleaned.removesuffix("m²").removesuffix("㎡").removesuffix("平方米").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(
            _("%(column)s “%(value)s” is not a number.") % {"column": label, "value": raw}
        ) from None
    if not value.is_finite() or value <= 0 or value >= 1_000_000:
        raise CellError(
            _("%(column)s must be a positive number of m² below 1,000,000.") % {"column": label}
        )
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def mobile(row: Row, column: str, *, label: str, required: bool = True) -> str:
    value = text(row, column, label=label, required=required, max_length=32)
    if not value:
        return ""
    try:
        return normalize_mobile(value)
    except ValidationError:
        raise CellError(
            _("%(column)s “%(value)s” is not a mainland mobile number of 11 digits.")
            % {"column": label, "value": value}
        ) from None


def choice(row: Row, column: str, *, label: str, choices: dict[str, str], default: str = "") -> str:
    """A value written as staff write it (业主, owner, Owner) mapped onto a choice."""
    value = unicodedata.normalize("NFKC", text(row, column, label=label, max_length=40))
    if not value:
        if default:
            return default
        raise CellError(_("%(column)s is empty.") % {"column": label})
    found = choices.get(value) or choices.get(value.lower())
    if found is None:
        raise CellError(
            _("%(column)s “%(value)s” is not one of: %(choices)s.")
            % {"column": label, "value": value, "choices": "、".join(sorted_unique(choices))}
        )
    return found


def sorted_unique(choices: dict[str, str]) -> list[str]:
    """The Chinese spellings of a choice map, for a message: the first spelling of each value."""
    seen: dict[str, str] = {}
    for spelling, value in choices.items():
        seen.setdefault(value, spelling)
    return list(seen.values())


def date_value(
    row: Row, column: str, *, label: str, required: bool = False
) -> datetime.date | None:
    raw = row.cells.get(column)
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not value:
        if required:
            raise CellError(_("%(column)s is empty.") % {"column": label})
        return None
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", value)
    try:
        if not match:
            raise ValueError
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(
            _("%(column)s “%(value)s” is not a date such as 2024-01-31.")
            % {"column": label, "value": value}
        ) from None


def code_list(row: Row, column: str, *, label: str) -> list[str]:
    """Several codes in one cell, separated by commas, 、 or spaces."""
    value = code_text(row, column, label=label)
    codes = [part for part in re.split(r"[,，、;；\s]+", value) if part]
    for code in codes:
        if len(code) > 32 or not _AREA_CODE.match(code):
            raise CellError(
                _("%(column)s “%(value)s” is not a code: use letters, digits and hyphens only.")
                % {"column": label, "value": code}
            )
    return list(dict.fromkeys(codes))


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def shown_phone(phone: str | None, *, reveal: bool) -> str:
    local = (phone or "").removeprefix("+86")
    return local if reveal else mask_mobile(phone or "")


def shown_name(name: str, *, reveal: bool) -> str:
    return name if reveal else masked_name(name)


def column_label(sheet: type[Sheet] | Sheet, key: str) -> str:
    """A column as the person reading the report calls it: its Chinese or English header."""
    from django.utils.translation import get_language

    column = next(c for c in sheet.columns if c.key == key)
    return column.zh if (get_language() or "zh-hans").startswith("zh") else column.en
