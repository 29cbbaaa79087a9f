"""Sheets of places: the area tree, and the buildings' households."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import services
from communities.imports.base import (
    CellError,
    Column,
    Context,
    Row,
    Sheet,
    area_code,
    choice,
    code_text,
    column_label,
    decimal_number,
    text,
)
from communities.imports.registry import register
from communities.models import Area, Household

Level = Area.Level

LEVELS = {
    "区": Level.DISTRICT, "district": Level.DISTRICT, "1": Level.DISTRICT,
    "街道": Level.STREET, "镇": Level.STREET, "街道(镇)": Level.STREET, "street": Level.STREET,
    "2": Level.STREET,
    "社区": Level.COMMUNITY, "村": Level.COMMUNITY, "社区(村)": Level.COMMUNITY,
    "community": Level.COMMUNITY, "3": Level.COMMUNITY,
    "小区": Level.COMPOUND, "院落": Level.COMPOUND, "小区(院落)": Level.COMPOUND,
    "compound": Level.COMPOUND, "4": Level.COMPOUND,
    "楼栋": Level.BUILDING, "楼": Level.BUILDING, "building": Level.BUILDING, "5": Level.BUILDING,
}  # fmt: skip
LEVEL_WORDS = {
    Level.DISTRICT: "区",
    Level.STREET: "街道",
    Level.COMMUNITY: "社区",
    Level.COMPOUND: "小区",
    Level.BUILDING: "楼栋",
}


def _level_fits(level: int, parent_level: int) -> str:
    """The tree's own message (a building sits under a compound…), or '' when it fits."""
    try:
        services.check_level_fits(level=level, parent=Area(level=parent_level))
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


@register
class AreaSheet(Sheet):
    kind = "areas"
    order = 10
    title = "区域"
    title_en = "Areas"
    description = gettext_lazy(
        "The tree of places: streets, communities, compounds and buildings, each with a stable "
        "code and the code of the place it belongs to. A parent comes before its children, or "
        "already exists."
    )
    columns = [
        Column("code", "代码", "Code", "420102-001-001-01-03", required=True),
        Column("parent", "上级代码", "Parent code", "420102-001-001-01", required=True),
        Column("level", "层级", "Level", "楼栋", required=True),
        Column("name", "名称", "Name", "3栋", required=True),
        Column("address", "地址", "Address", "解放大道1号3栋"),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        label = lambda key: column_label(self, key)  # noqa: E731
        code = area_code(row, "code", label=label("code"))
        row.key, row.label = code, code
        row.values = {
            "code": code,
            "parent": area_code(row, "parent", label=label("parent")),
            "level": choice(row, "level", label=label("level"), choices=LEVELS),
            "name": text(row, "name", label=label("name"), required=True, max_length=100),
            "address": text(row, "address", label=label("address"), max_length=200),
        }
        row.label = f"{row.values['name']} ({code})"
        row.facts = {"level": row.values["level"]}

    def check(self, rows: list[Row], ctx: Context) -> None:
        codes = {row.values["code"] for row in rows} | {row.values["parent"] for row in rows}
        existing = ctx.areas(codes)
        parent_paths = {area.path[: -area.steplen] for area in existing.values() if area.depth > 1}
        parent_codes = dict(Area.objects.filter(path__in=parent_paths).values_list("path", "code"))
        planned = ctx.planned_areas(codes)
        for row in rows:
            v = row.values
            area = existing.get(v["code"])
            if area is not None:
                self._check_existing(row, area, parent_codes.get(area.path[: -area.steplen]), ctx)
                continue
            parent = existing.get(v["parent"])
            if parent is not None:
                if not ctx.in_scope(parent.path):
                    row.reject(ctx.out_of_scope_message(parent.code))
                    continue
                parent_level = parent.level
            elif v["parent"] in planned:
                parent_level = planned[v["parent"]]
            else:
                row.reject(
                    _("Unknown parent code %(code)s: no place has it, and no row above creates it.")
                    % {"code": v["parent"]}
                )
                continue
            problem = _level_fits(v["level"], parent_level)
            if problem:
                row.reject(problem)
                continue
            row.create(plan=v)
            planned[v["code"]] = v["level"]

    def _check_existing(self, row: Row, area: Area, parent_code: str | None, ctx: Context) -> None:
        v = row.values
        if not ctx.in_scope(area.path):
            row.reject(ctx.out_of_scope_message(area.code))
        elif area.level != v["level"]:
            row.reject(
                _("%(code)s is already a %(level)s; its level cannot change.")
                % {"code": area.code, "level": area.get_level_display()}
            )
        elif (parent_code or "") != v["parent"] and area.pk != ctx.scope.pk:
            row.reject(
                _(
                    "%(code)s already stands under %(parent)s. To move a place, use the move on "
                    "its page, then import again."
                )
                % {"code": area.code, "parent": parent_code}
            )
        elif area.name == v["name"] and area.address == v["address"]:
            row.skip()
        else:
            row.change(plan=area, message=_("Name or address updated."))

    def apply(self, rows: list[Row], ctx: Context) -> None:
        parents = ctx.areas({row.values["parent"] for row in rows})
        for row in rows:
            v = row.values
            if row.outcome == "change":
                services.rename_area(
                    area=row.plan, name=v["name"], address=v["address"], by=ctx.user
                )
                continue
            parent = parents.get(v["parent"]) or Area.objects.get(code=v["parent"])
            area = services.create_area(
                parent=parent,
                code=v["code"],
                name=v["name"],
                level=v["level"],
                address=v["address"],
                by=ctx.user,
            )
            parents[area.code] = area

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        codes: dict[str, str] = {}
        parent = Area.objects.above(area, include_self=False).last()
        if parent is not None:
            codes[parent.path] = parent.code
        for place in Area.objects.under(area).only("path", "code", "level", "name", "address"):
            codes[place.path] = place.code
            yield [
                place.code,
                codes.get(place.path[: -place.steplen], ""),
                LEVEL_WORDS[place.level],
                place.name,
                place.address,
            ]


def _household_key(building: str, unit: str, room: str) -> str:
    return f"{building}|{unit}|{room}"


def household_label(building: str, unit: str, room: str) -> str:
    return f"{building} {unit + '-' if unit else ''}{room}"


@register
class HouseholdSheet(Sheet):
    kind = "households"
    order = 20
    title = "住户"
    title_en = "Households"
    description = gettext_lazy(
        "The homes in each building: building code, unit, room and floor area. Building, unit "
        "and room together name a household; importing it again with another floor area "
        "corrects it."
    )
    columns = [
        Column("building", "楼栋代码", "Building code", "420102-001-001-01-03", required=True),
        Column("unit", "单元", "Unit", "1"),
        Column("room", "室号", "Room", "101", required=True),
        Column(
            "floor_area",
            "建筑面积(㎡)",
            "Floor area (m²)",
            "88.50",
            required=True,
            aliases=("建筑面积", "面积", "建筑面积(平方米)", "Floor area"),
        ),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        label = lambda key: column_label(self, key)  # noqa: E731
        building = area_code(row, "building", label=label("building"))
        unit = code_text(row, "unit", label=label("unit"))
        room = code_text(row, "room", label=label("room"), required=True)
        row.key = _household_key(building, unit, room)
        row.label = household_label(building, unit, room)
        if len(unit) > 16 or len(room) > 16:
            raise CellError(_("Unit and room are at most 16 characters each."))
        row.values = {
            "building": building,
            "unit": unit,
            "room": room,
            "floor_area": decimal_number(row, "floor_area", label=label("floor_area")),
        }

    def check(self, rows: list[Row], ctx: Context) -> None:
        buildings = ctx.areas(row.values["building"] for row in rows)
        planned = ctx.planned_areas(row.values["building"] for row in rows)
        in_db = [b for b in buildings.values() if b.level == Level.BUILDING]
        existing = {
            (household.building_id, household.unit, household.room): household
            for household in Household.objects.filter(
                building__in=in_db, room__in={row.values["room"] for row in rows}
            )
        }
        for row in rows:
            v = row.values
            building = buildings.get(v["building"])
            if building is None:
                if planned.get(v["building"]) == Level.BUILDING:
                    row.create(plan=v)
                elif v["building"] in planned:
                    row.reject(_not_a_building(v["building"], planned[v["building"]]))
                else:
                    row.reject(_("Unknown building code %(code)s.") % {"code": v["building"]})
                continue
            if building.level != Level.BUILDING:
                row.reject(_not_a_building(building.code, building.level))
            elif not ctx.in_scope(building.path):
                row.reject(ctx.out_of_scope_message(building.code))
            elif (household := existing.get((building.pk, v["unit"], v["room"]))) is None:
                row.create(plan={**v, "building_id": building.pk})
            elif household.floor_area == v["floor_area"]:
                row.skip()
            else:
                household.floor_area = v["floor_area"]
                row.change(
                    plan=household,
                    message=_("Floor area corrected to %(area)s m².") % {"area": v["floor_area"]},
                )

    def apply(self, rows: list[Row], ctx: Context) -> None:
        buildings = ctx.areas(row.values["building"] for row in rows if row.outcome == "create")
        Household.objects.bulk_create(
            [
                Household(
                    building_id=buildings[row.values["building"]].pk,
                    unit=row.values["unit"],
                    room=row.values["room"],
                    floor_area=row.values["floor_area"],
                )
                for row in rows
                if row.outcome == "create"
            ],
            batch_size=1000,
        )
        changed = [row.plan for row in rows if row.outcome == "change"]
        Household.objects.bulk_update(changed, ["floor_area"], batch_size=1000)

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        households = (
            Household.objects.visible_to(user)
            .filter(building__path__startswith=area.path)
            .order_by("building__path", "unit", "room")
            .values_list("building__code", "unit", "room", "floor_area")
        )
        for building, unit, room, floor_area in households.iterator(chunk_size=2000):
            yield [building, unit, room, floor_area]


def _not_a_building(code: str, level: int) -> str:
    return _("%(code)s is a %(level)s, not a building: households belong to buildings.") % {
        "code": code,
        "level": Level(level).label,
    }


def households_by_key(
    keys: set[tuple[str, str, str]],
) -> dict[tuple[str, str, str], Household]:
    """Households named by (building code, unit, room), in one query."""
    if not keys:
        return {}
    buildings = {key[0] for key in keys}
    rooms = {key[2] for key in keys}
    found = Household.objects.filter(building__code__in=buildings, room__in=rooms).select_related(
        "building"
    )
    return {
        (household.building.code, household.unit, household.room): household
        for household in found
        if (household.building.code, household.unit, household.room) in keys
    }
