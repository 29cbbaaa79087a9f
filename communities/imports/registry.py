"""The kinds of sheet the portal can import. communities registers its own in its AppConfig;
an app above it (volunteers) registers its sheet from its own AppConfig.ready, so this floor
never names the apps that extend it."""

from __future__ import annotations

from communities.imports.base import Sheet

_SHEETS: dict[str, Sheet] = {}


def register(sheet: type[Sheet]) -> type[Sheet]:
    """Add a kind of sheet (usable as a class decorator). Registering a kind again replaces it."""
    _SHEETS[sheet.kind] = sheet()
    return sheet


def sheets() -> list[Sheet]:
    """Every kind, in the order a workbook is imported: places before the people in them."""
    return sorted(_SHEETS.values(), key=lambda sheet: sheet.order)


def get_sheet(kind: str) -> Sheet | None:
    return _SHEETS.get(kind)
