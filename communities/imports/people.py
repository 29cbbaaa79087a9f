"""Sheets of people: residents (invited, never given a password), organisations and their
members, grids and their workers."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.imports.base import (
    CellError,
    Column,
    Context,
    Place,
    Row,
    Sheet,
    area_code,
    choice,
    code_list,
    code_text,
    column_label,
    date_value,
    mobile,
    shown_name,
    shown_phone,
    text,
)
from communities.imports.places import household_label, households_by_key
from communities.imports.registry import register
from communities.models import (
    Area,
    Grid,
    Household,
    Invitation,
    Membership,
    Organization,
    Residency,
    new_invitation_code,
)

RELATIONS = {
    "业主": Residency.Relation.OWNER, "户主": Residency.Relation.OWNER, "owner": "owner",
    "租户": Residency.Relation.TENANT, "租客": Residency.Relation.TENANT, "tenant": "tenant",
    "家庭成员": Residency.Relation.FAMILY, "家属": Residency.Relation.FAMILY, "family": "family",
    "family member": "family",
}  # fmt: skip
RELATION_WORDS = {"owner": "业主", "tenant": "租户", "family": "家庭成员"}

K = Organization.Kind
ORGANIZATION_KINDS = {
    "党委": K.PARTY_COMMITTEE, "党总支": K.PARTY_GENERAL_BRANCH, "党支部": K.PARTY_BRANCH,
    "党小组": K.PARTY_GROUP, "街道办事处": K.GOVERNMENT_OFFICE, "政府办事处": K.GOVERNMENT_OFFICE,
    "办事处": K.GOVERNMENT_OFFICE, "居委会": K.RESIDENTS_COMMITTEE, "居民委员会": K.RESIDENTS_COMMITTEE,
    "业委会": K.OWNERS_COMMITTEE, "业主委员会": K.OWNERS_COMMITTEE, "物业": K.PROPERTY_FIRM,
    "物业服务企业": K.PROPERTY_FIRM, "物业公司": K.PROPERTY_FIRM, "自管小组": K.SELF_MANAGEMENT_GROUP,
    "社会组织": K.SOCIAL_ORGANIZATION, "驻区单位": K.RESIDENT_UNIT, "职能部门": K.DEPARTMENT,
    **{kind.value: kind.value for kind in K},
    **{str(kind.label).lower(): kind.value for kind in K},
}  # fmt: skip
ORGANIZATION_WORDS = {
    K.PARTY_COMMITTEE: "党委", K.PARTY_GENERAL_BRANCH: "党总支", K.PARTY_BRANCH: "党支部",
    K.PARTY_GROUP: "党小组", K.GOVERNMENT_OFFICE: "街道办事处", K.RESIDENTS_COMMITTEE: "居委会",
    K.OWNERS_COMMITTEE: "业委会", K.PROPERTY_FIRM: "物业服务企业", K.SELF_MANAGEMENT_GROUP: "自管小组",
    K.SOCIAL_ORGANIZATION: "社会组织", K.RESIDENT_UNIT: "驻区单位", K.DEPARTMENT: "职能部门",
}  # fmt: skip

P = Membership.Position
POSITIONS = {
    "负责人": P.HEAD, "副职": P.DEPUTY, "成员": P.MEMBER, "工作人员": P.STAFF,
    **{position.value: position.value for position in P},
    **{str(position.label).lower(): position.value for position in P},
}  # fmt: skip
POSITION_WORDS = {P.HEAD: "负责人", P.DEPUTY: "副职", P.MEMBER: "成员", P.STAFF: "工作人员"}

G = Grid.Kind
GRID_KINDS = {
    "总网格": G.MASTER, "一般网格": G.GENERAL, "网格": G.GENERAL, "微网格": G.MICRO,
    "专属网格": G.DEDICATED,
    **{kind.value: kind.value for kind in G},
    **{str(kind.label).lower(): kind.value for kind in G},
}  # fmt: skip
GRID_WORDS = {G.MASTER: "总网格", G.GENERAL: "一般网格", G.MICRO: "微网格", G.DEDICATED: "专属网格"}


def _no_account(phone: str) -> str:
    return _(
        "No account has the mobile number %(phone)s. Ask the person to sign up (or add the "
        "number to their profile) first, then import again."
    ) % {"phone": phone.removeprefix("+86")}


def _unknown_area(code: str) -> str:
    return _("Unknown area code %(code)s.") % {"code": code}


def _label(key: str, sheet: Sheet) -> str:
    return column_label(sheet, key)


# --- Residents ---------------------------------------------------------------------------------


@register
class ResidentSheet(Sheet):
    """Each resident gets a one-time invitation code for their household: claiming it links
    their account, verified at once. Their mobile number is the key: importing the same person
    again finds the same invitation."""

    kind = "residents"
    order = 30
    title = "居民"
    title_en = "Residents"
    description = gettext_lazy(
        "The people living in each household: name, mobile number, household and relation. "
        "Each gets a one-time invitation code to print or send; nobody is given a password."
    )
    columns = [
        Column("name", "姓名", "Name", "李秀英", required=True),
        Column("mobile", "手机号码", "Mobile number", "13900000006", required=True),
        Column("building", "楼栋代码", "Building code", "420102-001-001-01-03", required=True),
        Column("unit", "单元", "Unit", "1"),
        Column("room", "室号", "Room", "101", required=True),
        Column("relation", "与户关系", "Relation", "业主"),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        phone = mobile(row, "mobile", label=_label("mobile", self))
        row.key = phone
        building = area_code(row, "building", label=_label("building", self))
        unit = code_text(row, "unit", label=_label("unit", self))
        room = code_text(row, "room", label=_label("room", self), required=True)
        name = text(row, "name", label=_label("name", self), required=True, max_length=60)
        row.values = {
            "name": name,
            "phone": phone,
            "household": (building, unit, room),
            "relation": choice(
                row,
                "relation",
                label=_label("relation", self),
                choices=RELATIONS,
                default=Residency.Relation.OWNER,
            ),
        }
        row.label = f"{name[:1]}** · {household_label(building, unit, room)}"

    def check(self, rows: list[Row], ctx: Context) -> None:
        keys = {row.values["household"] for row in rows}
        households = households_by_key(keys)
        planned = ctx.earlier("households", {"|".join(key) for key in keys})
        phones = {row.values["phone"] for row in rows}
        invitations = {
            invitation.phone: invitation
            for invitation in Invitation.objects.filter(phone__in=phones).select_related(
                "household__building"
            )
        }
        living = set(
            Residency.objects.verified()
            .filter(user__phone__in=phones)
            .values_list("user__phone", "household_id")
        )
        for row in rows:
            v = row.values
            household = households.get(v["household"])
            if household is None:
                if "|".join(v["household"]) in planned:
                    row.create(plan=v)
                else:
                    row.reject(
                        _("No household %(household)s is registered, and no row creates it.")
                        % {"household": household_label(*v["household"])}
                    )
                continue
            if not ctx.in_scope(household.building.path):
                row.reject(ctx.out_of_scope_message(household.building.code))
                continue
            invitation = invitations.get(v["phone"])
            if (v["phone"], household.pk) in living:
                row.skip(_("Already a verified resident of this household."))
            elif invitation is None:
                row.create(plan={**v, "household_id": household.pk})
            elif not ctx.in_scope(invitation.household.building.path):
                row.reject(_("This mobile number is invited to a household outside your area."))
            elif invitation.claimed_at and invitation.household_id != household.pk:
                row.reject(
                    _(
                        "This person already claimed their invitation to %(household)s; a move "
                        "is recorded on their residency, not by import."
                    )
                    % {"household": invitation.household}
                )
            elif invitation.claimed_at is None and not invitation.is_open():
                self._update(invitation, household, v)
                invitation.renew = True
                row.change(
                    plan=invitation, message=_("The invitation had expired: it gets a new code.")
                )
            elif (
                invitation.household_id == household.pk
                and invitation.full_name == v["name"]
                and invitation.relation == v["relation"]
            ):
                row.skip()
            elif invitation.claimed_at:
                row.skip(_("Already claimed: the name on the account is theirs to change."))
            else:
                self._update(invitation, household, v)
                row.change(plan=invitation, message=_("The invitation is updated."))

    @staticmethod
    def _update(invitation: Invitation, household: Household, v: dict) -> None:
        invitation.household_id = household.pk
        invitation.full_name = v["name"]
        invitation.relation = v["relation"]

    def apply(self, rows: list[Row], ctx: Context) -> None:
        created = [row for row in rows if row.outcome == "create"]
        households = households_by_key({row.values["household"] for row in created})
        codes = _fresh_codes(len(created))
        expires_at = timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
        Invitation.objects.bulk_create(
            [
                Invitation(
                    code=code,
                    household_id=households[row.values["household"]].pk,
                    full_name=row.values["name"],
                    phone=row.values["phone"],
                    relation=row.values["relation"],
                    created_by=ctx.user,
                    expires_at=expires_at,
                    job=ctx.job,
                )
                for code, row in zip(codes, created, strict=True)
            ],
            batch_size=1000,
        )
        changed = [row.plan for row in rows if row.outcome == "change"]
        renewed = [invitation for invitation in changed if getattr(invitation, "renew", False)]
        for invitation, code in zip(renewed, _fresh_codes(len(renewed)), strict=True):
            invitation.code, invitation.expires_at = code, expires_at
        Invitation.objects.bulk_update(
            changed, ["household", "full_name", "relation", "code", "expires_at"], batch_size=1000
        )

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        invitations = (
            Invitation.objects.visible_to(user)
            .filter(household__building__path__startswith=area.path, claimed_at__isnull=True)
            .order_by("household__building__path", "household__unit", "household__room", "pk")
            .values_list(
                "full_name",
                "phone",
                "household__building__code",
                "household__unit",
                "household__room",
                "relation",
            )
        )
        for name, phone, building, unit, room, relation in invitations.iterator(chunk_size=2000):
            yield [
                shown_name(name, reveal=reveal),
                shown_phone(phone, reveal=reveal),
                building,
                unit,
                room,
                RELATION_WORDS[relation],
            ]
        residents = (
            Residency.objects.visible_to(user)
            .verified()
            .filter(household__building__path__startswith=area.path)
            .order_by("household__building__path", "household__unit", "household__room", "pk")
            .values_list(
                "user__full_name",
                "user__phone",
                "household__building__code",
                "household__unit",
                "household__room",
                "relation",
            )
        )
        for name, phone, building, unit, room, relation in residents.iterator(chunk_size=2000):
            yield [
                shown_name(name, reveal=reveal),
                shown_phone(phone, reveal=reveal),
                building,
                unit,
                room,
                RELATION_WORDS[relation],
            ]


def _fresh_codes(count: int) -> list[str]:
    """Codes no invitation has yet (a clash among 8 × 10^14 is unlikely, but one would abort
    the whole import)."""
    codes: list[str] = []
    while len(codes) < count:
        batch = {new_invitation_code() for _ in range(count - len(codes))}
        batch -= set(codes)
        batch -= set(Invitation.objects.filter(code__in=batch).values_list("code", flat=True))
        codes.extend(batch)
    return codes


# --- Organisations and memberships --------------------------------------------------------------


def _organization_key(area: str, name: str) -> str:
    return f"{area}|{name}"


@register
class OrganizationSheet(Sheet):
    kind = "organizations"
    order = 40
    title = "组织"
    title_en = "Organisations"
    description = gettext_lazy(
        "Party organisations, committees, property firms and groups, each seated in an area; "
        "a property firm lists the compounds it serves."
    )
    columns = [
        Column("area", "所在区域代码", "Area code", "420102-001-001", required=True),
        Column("kind", "类型", "Kind", "居委会", required=True),
        Column("name", "名称", "Name", "和谐社区居委会", required=True),
        Column("phone", "电话", "Telephone", "027-82800000"),
        Column("served", "服务小区代码", "Compounds served", ""),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        area = area_code(row, "area", label=_label("area", self))
        name = text(row, "name", label=_label("name", self), required=True, max_length=120)
        row.key, row.label = _organization_key(area, name), name
        row.values = {
            "area": area,
            "kind": choice(row, "kind", label=_label("kind", self), choices=ORGANIZATION_KINDS),
            "name": name,
            "phone": text(row, "phone", label=_label("phone", self), max_length=32),
            "served": code_list(row, "served", label=_label("served", self)),
        }

    def check(self, rows: list[Row], ctx: Context) -> None:
        codes = {row.values["area"] for row in rows}
        codes |= {code for row in rows for code in row.values["served"]}
        places = ctx.places(codes)
        existing = {
            (organization.area_id, organization.name): organization
            for organization in Organization.objects.filter(
                area_id__in={place.pk for place in places.values() if place.pk},
                name__in={row.values["name"] for row in rows},
            ).prefetch_related("served_areas")
        }
        for row in rows:
            v = row.values
            place = places.get(v["area"])
            if place is None:
                row.reject(_unknown_area(v["area"]))
                continue
            if not ctx.place_in_scope(place):
                row.reject(ctx.out_of_scope_message(place.code))
                continue
            served, problem = self._served(v, places, ctx)
            if problem:
                row.reject(problem)
                continue
            organization = existing.get((place.pk, v["name"]))
            plan = {**v, "area_id": place.pk, "served_ids": {p.pk for p in served}}
            if organization is None:
                row.create(plan=plan)
            elif organization.kind != v["kind"]:
                row.reject(
                    _("%(name)s is already registered here as a %(kind)s.")
                    % {"name": v["name"], "kind": organization.get_kind_display()}
                )
            elif organization.phone == v["phone"] and plan["served_ids"] == {
                a.pk for a in organization.served_areas.all()
            }:
                row.skip()
            else:
                row.change(plan={**plan, "organization": organization})

    def _served(self, v: dict, places: dict[str, Place], ctx: Context):
        if v["served"] and v["kind"] != K.PROPERTY_FIRM:
            return [], _("Only a property-service firm lists compounds it serves.")
        served = []
        for code in v["served"]:
            place = places.get(code)
            if place is None:
                return [], _unknown_area(code)
            if place.level != Area.Level.COMPOUND:
                return [], _("%(code)s is not a compound.") % {"code": code}
            if not ctx.place_in_scope(place):
                return [], ctx.out_of_scope_message(code)
            served.append(place)
        return served, ""

    def apply(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            plan = row.plan
            organization = plan.get("organization")
            if organization is None:
                organization = Organization.objects.create(
                    area_id=plan["area_id"], kind=plan["kind"], name=plan["name"]
                )
            organization.phone = plan["phone"]
            organization.save(update_fields=["phone"])
            organization.served_areas.set(plan["served_ids"])

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        organizations = (
            Organization.objects.filter(area__path__startswith=area.path)
            .select_related("area")
            .prefetch_related("served_areas")
            .order_by("area__path", "kind", "name")
        )
        for organization in organizations:
            yield [
                organization.area.code,
                ORGANIZATION_WORDS[organization.kind],
                organization.name,
                organization.phone,
                "、".join(sorted(a.code for a in organization.served_areas.all())),
            ]


@register
class MembershipSheet(Sheet):
    """Posts held by people who already have an account (found by mobile number): an import
    never creates a login for someone else."""

    kind = "memberships"
    order = 50
    title = "任职"
    title_en = "Memberships"
    description = gettext_lazy(
        "Who holds which post in which organisation, for which term. People are found by the "
        "mobile number of their account."
    )
    columns = [
        Column(
            "area", "组织所在区域代码", "Organisation's area code", "420102-001-001", required=True
        ),
        Column("organization", "组织名称", "Organisation", "和谐社区居委会", required=True),
        Column("name", "姓名", "Name", "林晓燕"),
        Column("mobile", "手机号码", "Mobile number", "13900000002", required=True),
        Column("position", "职位", "Position", "负责人", required=True),
        Column("title", "职务", "Title", "主任"),
        Column("starts_on", "任期开始", "Term starts", "2021-07-01", required=True),
        Column("ends_on", "任期结束", "Term ends", ""),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        area = area_code(row, "area", label=_label("area", self))
        organization = text(
            row, "organization", label=_label("organization", self), required=True, max_length=120
        )
        phone = mobile(row, "mobile", label=_label("mobile", self))
        position = choice(row, "position", label=_label("position", self), choices=POSITIONS)
        starts_on = date_value(row, "starts_on", label=_label("starts_on", self), required=True)
        ends_on = date_value(row, "ends_on", label=_label("ends_on", self))
        if ends_on and ends_on < starts_on:
            raise CellError(_("A term cannot end before it starts."))
        row.key = f"{phone}|{area}|{organization}|{position}|{starts_on.isoformat()}"
        row.label = f"{organization} · {POSITION_WORDS[position]}"
        row.values = {
            "area": area,
            "organization": organization,
            "phone": phone,
            "position": position,
            "title": text(row, "title", label=_label("title", self), max_length=60),
            "starts_on": starts_on,
            "ends_on": ends_on,
        }

    def check(self, rows: list[Row], ctx: Context) -> None:
        places = ctx.places(row.values["area"] for row in rows)
        organizations: dict[tuple[int, str], list[Organization]] = {}
        for organization in Organization.objects.filter(
            area_id__in={place.pk for place in places.values() if place.pk},
            name__in={row.values["organization"] for row in rows},
        ):
            organizations.setdefault((organization.area_id, organization.name), []).append(
                organization
            )
        planned = ctx.earlier(
            "organizations",
            {_organization_key(row.values["area"], row.values["organization"]) for row in rows},
        )
        people = ctx.people_by_mobile(row.values["phone"] for row in rows)
        existing = {
            (m.user_id, m.organization_id, m.position, m.starts_on): m
            for m in Membership.objects.filter(
                user__in=list(people.values()),
                organization__in=[o for group in organizations.values() for o in group],
            )
        }
        for row in rows:
            v = row.values
            place = places.get(v["area"])
            person = people.get(v["phone"])
            if place is None:
                row.reject(_unknown_area(v["area"]))
                continue
            if not ctx.place_in_scope(place):
                row.reject(ctx.out_of_scope_message(place.code))
                continue
            if person is None:
                row.reject(_no_account(v["phone"]))
                continue
            found = organizations.get((place.pk, v["organization"]), [])
            if not found:
                if _organization_key(v["area"], v["organization"]) in planned:
                    row.create(plan={**v, "user_id": person.pk, "area_id": place.pk})
                else:
                    row.reject(
                        _("No organisation %(name)s is seated at %(code)s.")
                        % {"name": v["organization"], "code": v["area"]}
                    )
                continue
            if len(found) > 1:
                row.reject(
                    _("Several organisations at %(code)s are called %(name)s.")
                    % {"name": v["organization"], "code": v["area"]}
                )
                continue
            organization = found[0]
            membership = existing.get((person.pk, organization.pk, v["position"], v["starts_on"]))
            if membership is None:
                row.create(plan={**v, "user_id": person.pk, "area_id": place.pk})
            elif membership.title == v["title"] and membership.ends_on == v["ends_on"]:
                row.skip()
            else:
                membership.title, membership.ends_on = v["title"], v["ends_on"]
                row.change(plan=membership)

    def apply(self, rows: list[Row], ctx: Context) -> None:
        created = [row.plan for row in rows if row.outcome == "create"]
        organizations = {
            (organization.area_id, organization.name): organization.pk
            for organization in Organization.objects.filter(
                area_id__in={plan["area_id"] for plan in created},
                name__in={plan["organization"] for plan in created},
            )
        }
        Membership.objects.bulk_create(
            [
                Membership(
                    user_id=plan["user_id"],
                    organization_id=organizations[(plan["area_id"], plan["organization"])],
                    position=plan["position"],
                    title=plan["title"],
                    starts_on=plan["starts_on"],
                    ends_on=plan["ends_on"],
                )
                for plan in created
            ]
        )
        Membership.objects.bulk_update(
            [row.plan for row in rows if row.outcome == "change"], ["title", "ends_on"]
        )

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        memberships = (
            Membership.objects.filter(organization__area__path__startswith=area.path)
            .select_related("user", "organization__area")
            .order_by("organization__area__path", "organization__name", "position", "starts_on")
        )
        for m in memberships.iterator(chunk_size=2000):
            yield [
                m.organization.area.code,
                m.organization.name,
                m.user.full_name,  # office holders are named on the public area page
                shown_phone(m.user.phone, reveal=reveal),
                POSITION_WORDS[m.position],
                m.title,
                m.starts_on.isoformat(),
                m.ends_on.isoformat() if m.ends_on else "",
            ]


# --- Grids -------------------------------------------------------------------------------------


@register
class GridSheet(Sheet):
    kind = "grids"
    order = 60
    title = "网格"
    title_en = "Grids"
    description = gettext_lazy(
        "Grids of the grid-management system: the area each belongs to, the areas it covers and "
        "its grid worker (found by the mobile number of their account)."
    )
    columns = [
        Column("code", "网格代码", "Grid code", "420102-001-001-G1", required=True),
        Column("name", "网格名称", "Grid name", "和谐社区第一网格", required=True),
        Column("kind", "网格类型", "Grid kind", "一般网格"),
        Column("area", "所属区域代码", "Belongs to (area code)", "420102-001-001", required=True),
        Column(
            "covered", "覆盖区域代码", "Covers (area codes)", "420102-001-001-01", required=True
        ),
        Column("worker", "网格员手机号码", "Grid worker's mobile", "13900000005"),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        code = area_code(row, "code", label=_label("code", self))
        name = text(row, "name", label=_label("name", self), required=True, max_length=100)
        row.key, row.label = code, f"{name} ({code})"
        row.values = {
            "code": code,
            "name": name,
            "kind": choice(
                row, "kind", label=_label("kind", self), choices=GRID_KINDS, default=G.GENERAL
            ),
            "area": area_code(row, "area", label=_label("area", self)),
            "covered": code_list(row, "covered", label=_label("covered", self)),
            "worker": mobile(row, "worker", label=_label("worker", self), required=False),
        }
        if not row.values["covered"]:
            raise CellError(_("Name at least one area the grid covers."))

    def check(self, rows: list[Row], ctx: Context) -> None:
        codes = {row.values["area"] for row in rows}
        codes |= {code for row in rows for code in row.values["covered"]}
        places = ctx.places(codes)
        people = ctx.people_by_mobile(row.values["worker"] for row in rows)
        existing = {
            grid.code: grid
            for grid in Grid.objects.filter(code__in={row.values["code"] for row in rows})
            .select_related("area", "worker")
            .prefetch_related("covered_areas")
        }
        for row in rows:
            v = row.values
            missing = [code for code in [v["area"], *v["covered"]] if code not in places]
            if missing:
                row.reject(_unknown_area(missing[0]))
                continue
            outside = [c for c in [v["area"], *v["covered"]] if not ctx.place_in_scope(places[c])]
            if outside:
                row.reject(ctx.out_of_scope_message(outside[0]))
                continue
            worker = people.get(v["worker"]) if v["worker"] else None
            if v["worker"] and worker is None:
                row.reject(_no_account(v["worker"]))
                continue
            grid = existing.get(v["code"])
            plan = {
                **v,
                "area_id": places[v["area"]].pk,
                "covered_ids": {places[c].pk for c in v["covered"]},
                "worker_id": worker.pk if worker else None,
            }
            if grid is None:
                row.create(plan=plan)
            elif not ctx.in_scope(grid.area.path):
                row.reject(ctx.out_of_scope_message(grid.code))
            elif (
                grid.name == v["name"]
                and grid.kind == v["kind"]
                and grid.area_id == plan["area_id"]
                and grid.worker_id == plan["worker_id"]
                and {a.pk for a in grid.covered_areas.all()} == plan["covered_ids"]
            ):
                row.skip()
            else:
                row.change(plan={**plan, "grid": grid})

    def apply(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            plan = row.plan
            grid = plan.get("grid") or Grid(code=plan["code"])
            grid.name, grid.kind = plan["name"], plan["kind"]
            grid.area_id, grid.worker_id = plan["area_id"], plan["worker_id"]
            grid.save()
            grid.covered_areas.set(plan["covered_ids"])

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        grids = (
            Grid.objects.filter(area__path__startswith=area.path)
            .select_related("area", "worker")
            .prefetch_related("covered_areas")
            .order_by("area__path", "code")
        )
        for grid in grids:
            yield [
                grid.code,
                grid.name,
                GRID_WORDS[grid.kind],
                grid.area.code,
                "、".join(sorted(a.code for a in grid.covered_areas.all())),
                shown_phone(grid.worker.phone, reveal=reveal) if grid.worker else "",
            ]
