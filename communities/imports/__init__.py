"""Spreadsheet imports and exports: the framework and the sheets of places and people.

`register` adds a kind of sheet; `sheets()` lists them in import order. The sheets of this app
are registered when it is ready (`CommunitiesConfig.ready`); apps above add their own the same
way. See docs/adr/0012-spreadsheet-imports.md.
"""

from communities.imports.base import Column, Context, Row, Sheet
from communities.imports.registry import get_sheet, register, sheets

__all__ = ["Column", "Context", "Row", "Sheet", "get_sheet", "register", "sheets"]
