"""The volunteers' sheet of communities' import framework: who volunteers in which community,
and the skills staff recorded for the talent pool (人才库)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.imports import Column, Context, Row, Sheet, register
from communities.imports.base import (
    CellError,
    area_code,
    column_label,
    mobile,
    shown_name,
    shown_phone,
    text,
)
from communities.models import Area, Residency
from volunteers.models import PointsAccount, Skill


@register
class VolunteerSheet(Sheet):
    """A volunteer is a person with an account (found by mobile number): importing them opens
    their points account and lists the skills staff know of, seen by staff only. Sharing a
    skill with neighbours stays the person's own choice."""

    kind = "volunteers"
    order = 70
    title = "志愿者"
    title_en = "Volunteers"
    description = gettext_lazy(
        "Volunteers of a community, found by the mobile number of their account, with the "
        "skills they offer (separated by 、). Skills imported are seen by staff only."
    )
    columns = [
        Column("name", "姓名", "Name", "李秀英"),
        Column("mobile", "手机号码", "Mobile number", "13900000006", required=True),
        Column("community", "所在社区代码", "Community code", "420102-001-001", required=True),
        Column("skills", "技能特长", "Skills", "理发、家电维修"),
    ]

    def parse(self, row: Row, ctx: Context) -> None:
        phone = mobile(row, "mobile", label=column_label(self, "mobile"))
        skills_cell = text(row, "skills", label=column_label(self, "skills"), max_length=600)
        skills = [s.strip() for s in re.split(r"[,，、;；\n]+", skills_cell) if s.strip()]
        if any(len(skill) > 60 for skill in skills):
            raise CellError(_("Keep the skill's name to 60 characters."))
        name = text(row, "name", label=column_label(self, "name"), max_length=60)
        row.key = phone
        row.label = f"{name[:1]}** {phone[-4:]}" if name else phone[-4:]
        row.values = {
            "phone": phone,
            "community": area_code(row, "community", label=column_label(self, "community")),
            "skills": list(dict.fromkeys(skills)),
        }

    def check(self, rows: list[Row], ctx: Context) -> None:
        places = ctx.places(row.values["community"] for row in rows)
        people = ctx.people_by_mobile(row.values["phone"] for row in rows)
        accounts = set(
            PointsAccount.objects.filter(user__in=list(people.values())).values_list(
                "user_id", flat=True
            )
        )
        skills: dict[int, set[str]] = {}
        for user_id, name in Skill.objects.filter(user__in=list(people.values())).values_list(
            "user_id", "name"
        ):
            skills.setdefault(user_id, set()).add(name.lower())
        for row in rows:
            v = row.values
            place = places.get(v["community"])
            person = people.get(v["phone"])
            if place is None or place.level != Area.Level.COMMUNITY:
                row.reject(_("%(code)s is not a community.") % {"code": v["community"]})
            elif not ctx.place_in_scope(place):
                row.reject(ctx.out_of_scope_message(place.code))
            elif person is None:
                row.reject(
                    _(
                        "No account has the mobile number %(phone)s. Ask the person to sign up "
                        "(or add the number to their profile) first, then import again."
                    )
                    % {"phone": v["phone"].removeprefix("+86")}
                )
            else:
                missing = [s for s in v["skills"] if s.lower() not in skills.get(person.pk, set())]
                plan = {"user_id": person.pk, "skills": missing}
                if person.pk not in accounts:
                    row.create(plan=plan)
                elif missing:
                    row.change(
                        plan=plan,
                        message=_("Skills added: %(skills)s") % {"skills": "、".join(missing)},
                    )
                else:
                    row.skip()

    def apply(self, rows: list[Row], ctx: Context) -> None:
        PointsAccount.objects.bulk_create(
            [PointsAccount(user_id=row.plan["user_id"]) for row in rows if row.outcome == "create"],
            ignore_conflicts=True,
        )
        Skill.objects.bulk_create(
            [
                Skill(user_id=row.plan["user_id"], name=name, visibility=Skill.Visibility.STAFF)
                for row in rows
                for name in row.plan["skills"]
            ],
            ignore_conflicts=True,
        )

    def export_rows(self, area: Area, user, *, reveal: bool) -> Iterator[list]:
        if not user.has_perm("communities.manage_area", area):
            return
        homes = (
            Residency.objects.verified()
            .filter(household__building__path__startswith=area.path)
            .values_list("user_id", "household__building__path")
        )
        community_of: dict[int, str] = {}
        for user_id, path in homes.iterator(chunk_size=2000):
            community_of.setdefault(user_id, path[: 4 * Area.Level.COMMUNITY])
        codes = dict(
            Area.objects.filter(path__in=set(community_of.values())).values_list("path", "code")
        )
        accounts = (
            PointsAccount.objects.filter(user_id__in=community_of.keys())
            .select_related("user")
            .prefetch_related("user__skills")
            .order_by("user__full_name", "pk")
        )
        for account in accounts:
            person = account.user
            yield [
                shown_name(person.full_name, reveal=reveal),
                shown_phone(person.phone, reveal=reveal),
                codes.get(community_of[person.pk], ""),
                "、".join(skill.name for skill in person.skills.all()),
            ]
