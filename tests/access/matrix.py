"""The access matrix: every URL of the portal, how to build the object it shows, and who gets
the allowed answer. tests/access/test_matrix.py asks every role, in every relation to the
object, and expects exactly this table; a URL name missing here fails that test.

To add a URL (see docs/access-control.md):

    "app:url_name": Entry(
        kind="poll",                         # an object of World.objects, or None for a page
        kwargs=lambda poll: {"pk": poll.pk},  # the URL's arguments, from the object
        get=only(superuser=ANY, community_staff="same child"),   # who may read it
        post=...,                            # who may write, for a page that takes a POST
        data=lambda world, poll: {...},       # a valid-looking POST body
    ),

A role names the relations (same, child, parent, sibling, unrelated; own, others; none; see
world.RELATIONS) in which it gets the allowed answer; everyone else must get a refusal that
shows nothing of the object.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from tests.access.world import (
    ANONYMOUS,
    CHILD,
    NONE,
    OTHERS,
    OWN,
    PARENT,
    ROLES,
    SAME,
    SIBLING,
    UNRELATED,
)

ALL_RELATIONS = frozenset({SAME, CHILD, PARENT, SIBLING, UNRELATED, ANONYMOUS, OWN, OTHERS, NONE})
ANY = "any"
UNDER = f"{SAME} {CHILD}"  # the seat's subtree


@dataclass(frozen=True)
class Access:
    """Who gets the allowed answer: role → the relations in which it does."""

    grants: Mapping[str, frozenset[str]]

    def allows(self, role: str, relation: str) -> bool:
        return relation in self.grants.get(role, frozenset())


def _relations(spec: str) -> frozenset[str]:
    return ALL_RELATIONS if spec == ANY else frozenset(spec.split())


def only(**roles: str) -> Access:
    """Just these roles, each in the relations named ("same child", or ANY)."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}; the roles are {ROLES}"
    return Access({role: _relations(spec) for role, spec in roles.items()})


def everyone_but(*roles: str, **narrower: str) -> Access:
    """Every role in every relation, except the roles listed; `narrower` limits some roles."""
    grants = {role: ALL_RELATIONS for role in ROLES if role not in roles}
    grants.update({role: _relations(spec) for role, spec in narrower.items()})
    return Access(grants)


# Placeholder while a row is being written: test_no_row_is_left_undecided fails on it.
TBD = Access({"TBD": frozenset()})
# Refused to every role (a GET of a page that only redirects, a POST nobody here may make).
NOBODY = Access({})
EVERYONE = everyone_but()
SIGNED_IN = everyone_but("anonymous")
NOBODY_BUT_SUPERUSER = only(superuser=ANY)
OWNER_ONLY = everyone_but("anonymous", **{role: OWN for role in ROLES if role != "anonymous"})

# Staff of the administrative organisations (government office, residents' committee, party
# committee) manage their seat's subtree.
MANAGERS = only(superuser=ANY, district_staff=UNDER, street_staff=UNDER, community_staff=UNDER)
# Members of any organisation act in their seat's subtree (a property firm: its contracts only).
ACTORS = only(
    superuser=ANY,
    district_staff=UNDER,
    street_staff=UNDER,
    community_staff=UNDER,
    party_branch=UNDER,
    owners_committee=UNDER,
    property_firm=UNDER,
)
# Those who take issues on (deliberation.rules.TRIAGE_KINDS): not the property firm.
TRIAGERS = only(
    superuser=ANY,
    district_staff=UNDER,
    street_staff=UNDER,
    community_staff=UNDER,
    party_branch=UNDER,
    owners_committee=UNDER,
)
# Verified residents of the place or of a place under it.
RESIDENTS_UNDER = only(resident="same parent", owner="same parent", building_head="same parent")
# Anyone holding a post in an organisation, on pages without an object.
POST_HOLDERS = only(
    district_staff=NONE,
    street_staff=NONE,
    community_staff=NONE,
    party_branch=NONE,
    owners_committee=NONE,
    property_firm=NONE,
)


def plus(*accesses: Access) -> Access:
    """Everyone any of these lets in."""
    grants: dict[str, frozenset[str]] = {}
    for access in accesses:
        for role, relations in access.grants.items():
            grants[role] = grants.get(role, frozenset()) | relations
    return Access(grants)


@dataclass(frozen=True)
class Entry:
    kind: str | None
    kwargs: Callable[[object], dict] = lambda obj: {}
    # Who may GET it; None for a page that only takes a POST (a GET is refused for everyone).
    get: Access | None = None
    # Who may POST; None when the page takes no POST.
    post: Access | None = None
    # A valid-looking POST body: (world, object, role) → fields.
    data: Callable[[object, object, str], dict] = lambda world, obj, role: {}
    # What an allowed GET answers (a download redirects, a page that only redirects...).
    ok: tuple[int, ...] = (200,)
    # Who may see the object: a refusal to anyone else must not contain its marker. Defaults to
    # `get`.
    sees: Access | None = None
    query: dict = field(default_factory=dict)
    # An allowed POST may come back 400 here: the service refuses the object's state after the
    # permission check (say why in a comment on the row).
    invalid_ok: bool = False
    # The API takes JSON.
    json: bool = False
    # Third-party pages (allauth) whose answer depends on the session, not on a role: any
    # answer but a server error will do, as long as it shows nobody's personal data.
    any_answer: bool = False

    @property
    def readers(self) -> Access | None:
        if self.sees or self.kind in PUBLIC_KINDS:
            return self.sees or PUBLIC_KINDS[self.kind]
        if self.kind in SECRETS and MATRIX[SECRETS[self.kind]] is not self:
            return MATRIX[SECRETS[self.kind]].readers
        return self.get


# Kinds of object everyone may see (their detail pages are EVERYONE): a refusal to write to one
# may show it.
PUBLIC_KINDS: dict[str | None, Access] = dict.fromkeys(
    (
        "area",
        "community",
        "compound",
        "building",
        "organization",
        "issue",
        "notice",
        "attachment",
        "space",
        "booking",
        "poll",
        "topic",
        "closed_topic",
        "comment",
        "commitment",
        "remark",
        "activity",
        "reward",
        "meeting",
        "meeting_item",
        "motion",
        "held_meeting",
        "minutes",
        "matter",
    ),
    EVERYONE,
)


def pk(obj) -> dict:
    return {"pk": obj.pk}


def code(area) -> dict:
    return {"code": area.code}


def _key() -> str:
    return str(uuid.uuid4())


def _later(days: int, fmt: str = "%Y-%m-%dT%H:%M") -> str:
    return (timezone.localtime() + datetime.timedelta(days=days)).strftime(fmt)


def _organization(world, role: str, area=None):
    """The organisation a role would name on a form: its own, else the one running the area."""
    own = world.organizations.get(role)
    if own is not None:
        return own.pk
    return world.organizations[area.code].pk if area is not None else None


def poll_form(world, area, role) -> dict:
    return {
        "organization": _organization(world, role, area),
        "title": "小区停车方案投票",
        "description": "",
        "options": "方案一\n方案二",
        "max_choices": 1,
        "voting_unit": "resident",
        "closes_at": _later(7),
        "submission_key": _key(),
    }


def topic_form(world, area, role) -> dict:
    return {
        "organization": _organization(world, role, area),
        "title": "小区停车怎么管",
        "question": "大家觉得停车位怎么分配？",
        "background": "",
        "opens_on": _later(0, "%Y-%m-%d"),
        "closes_on": _later(10, "%Y-%m-%d"),
        "submission_key": _key(),
    }


def notice_form(world, area, role) -> dict:
    return {
        "organization": _organization(world, role) or "",
        "kind": "announcement",
        "title": "停电通知",
        "body": "明天上午停电。",
        "submission_key": _key(),
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
    }


def commitment_form(world, organization, role) -> dict:
    return {
        "title": "月底前修好路灯",
        "due_on": _later(20, "%Y-%m-%d"),
        "description": "",
        "area": organization.area.code,
        "submission_key": _key(),
    }


def _activity_area(world, role: str) -> str:
    own = world.organizations.get(role)
    if own is None:
        return ""
    contract = own.served_areas.first()  # a firm organises where it has a contract
    return (contract or own.area).code


def activity_form(world, obj, role) -> dict:
    return {
        "organization": _organization(world, role) or "",
        "area": _activity_area(world, role),
        "title": "为独居老人送餐",
        "kind": "mutual_help",
        "description": "",
        "place": "睦邻驿站",
        "starts_at": _later(3),
        "ends_at": _later(4),
        "capacity": 5,
        "points_per_hour": 10,
        "points_per_activity": 0,
    }


def booking_form(world, space, role) -> dict:
    return {
        "day": _later(2, "%Y-%m-%d"),
        "starts_at": "14:00",
        "ends_at": "15:00",
        "purpose": "议事会",
        "attendees": 5,
        "organization": world.organizations[role].pk if role in world.organizations else "",
        "submission_key": _key(),
    }


def meeting_form(world, meeting, role) -> dict:
    return {
        "organization": world.organizations[meeting.area.code].pk,
        "kind": "joint",
        "matter": "",
        "title": "小区停车协商会",
        "description": "",
        "starts_at": _later(5),
        "ends_at": _later(6),
        "location_note": "睦邻驿站",
        "reminder_offsets": [1440],
        "submission_key": _key(),
    }


# deliberation.rules: organise_meeting and run_meeting are `organises_meeting` (members of the
# organising organisation, which no role is here, and staff who manage the meeting's area);
# keep_catalogue is staff who manage a street or a community.
ORGANISERS = MANAGERS
# A draft is seen by its organisers and its invitees: the resident of B1-102 is invited to the
# drafts of B1 and every area above it (world._meetings).
DRAFT_READERS = plus(ORGANISERS, only(resident="same parent"))
INVITEE = only(resident="same parent")

MATRIX: dict[str, Entry] = {
    # --- governance --------------------------------------------------------------------------
    "home": Entry(None, get=EVERYONE),
    "health": Entry(None, get=EVERYONE),
    "my_data": Entry(None, get=SIGNED_IN),
    "my_data_download": Entry(None, get=SIGNED_IN),
    "area_dashboard": Entry("area", code, get=EVERYONE),
    "area_dashboard_csv": Entry("area", code, get=EVERYONE),
    "set_language": Entry(
        None, get=EVERYONE, post=EVERYONE, data=lambda w, o, r: {"language": "en"}, ok=(302,)
    ),
    # --- communities -------------------------------------------------------------------------
    "communities:area_detail": Entry("area", code, get=EVERYONE),
    "communities:area_everything": Entry("area", code, get=EVERYONE),
    "communities:area_add_child": Entry(
        "area",
        code,
        get=MANAGERS,
        post=MANAGERS,
        data=lambda w, a, r: {
            "name": "新楼",
            "code": f"N{a.code}",
            "level": min(a.level + 1, 5),
            "address": "",
        },
        invalid_ok=True,  # a building has no children: the form says so
    ),
    "communities:household_list": Entry("area", code, get=SIGNED_IN),
    "communities:household_add": Entry(
        "building",
        code,
        post=MANAGERS,
        data=lambda w, a, r: {"unit": "3", "room": "301", "floor_area": "90.00"},
    ),
    "communities:area_notices": Entry("area", code, get=EVERYONE),
    "communities:area_imports": Entry("area", code, get=MANAGERS, post=MANAGERS),
    "communities:area_export": Entry(
        "area", lambda a: {"code": a.code, "kind": "residents", "fmt": "csv"}, get=ACTORS
    ),
    "communities:import_template": Entry(None, lambda o: {"kind": "all"}, get=SIGNED_IN),
    "communities:import_job": Entry("import_job", pk, get=MANAGERS),
    "communities:import_job_progress": Entry("import_job", pk, get=MANAGERS),
    "communities:import_job_confirm": Entry("import_job", pk, post=MANAGERS),
    "communities:import_job_cancel": Entry("import_job", pk, post=MANAGERS),
    "communities:import_job_invitations": Entry("import_job", pk, get=MANAGERS),
    "communities:area_spaces": Entry("area", code, get=EVERYONE),
    "communities:space_detail": Entry(
        "space",
        pk,
        get=EVERYONE,
        post=plus(
            RESIDENTS_UNDER,
            only(
                superuser=ANY,
                district_staff=UNDER,
                street_staff="same child parent",
                community_staff="same child parent",
                party_branch="same child parent",
                owners_committee="same child parent",
                property_firm="same child parent",
            ),
        ),
        data=booking_form,
    ),
    "communities:booking_cancel": Entry(
        "booking", pk, post=MANAGERS, data=lambda w, b, r: {"reason": "改期"}
    ),
    "communities:notice_create": Entry(
        "area", code, get=ACTORS, post=ACTORS, data=lambda w, a, r: notice_form(w, a, r)
    ),
    "communities:notice_detail": Entry("notice", pk, get=EVERYONE),
    "communities:notice_print": Entry("notice", pk, get=EVERYONE),
    "communities:notice_edit": Entry(
        "notice", pk, get=NOBODY, post=NOBODY, data=lambda w, n, r: notice_form(w, n.area, r)
    ),
    "communities:notice_unpublish": Entry("notice", pk, post=ACTORS),
    "communities:notice_attachment": Entry("attachment", pk, get=EVERYONE),
    "communities:profile": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {"full_name": "新名字", "email": f"{r}@example.org", "phone": ""},
    ),
    "communities:inbox": Entry(None, get=SIGNED_IN),
    "communities:notifications_read_all": Entry(None, post=SIGNED_IN),
    "communities:notification_read": Entry("own:notification", pk, post=OWNER_ONLY),
    "communities:notification_settings": Entry(
        None, get=SIGNED_IN, post=SIGNED_IN, data=lambda w, o, r: {"email_kinds": ["notice"]}
    ),
    "communities:household_claim": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {
            "community": "C3",
            "building": "B5",
            "unit": "1",
            "room": "999",
            "relation": "tenant",
        },
        invalid_ok=True,  # no such room: the form says so, to everyone signed in
    ),
    "communities:invitation_claim": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {"code": "ABCD-EFGH"},
        invalid_ok=True,  # no such code: the form says so, to everyone signed in
    ),
    "communities:party_register": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {
            "community": "C1",
            "home_organization": "某单位党支部",
            "show_publicly": "",
        },
    ),
    "communities:my_bookings": Entry(None, get=SIGNED_IN),
    "communities:api_tokens": Entry(
        None,
        get=plus(POST_HOLDERS, only(superuser=NONE)),
        post=plus(POST_HOLDERS, only(superuser=NONE)),
        data=lambda w, o, r: {"name": "热线"},
    ),
    "communities:api_token_revoke": Entry(
        "own:api_token", pk, post=plus(OWNER_ONLY, NOBODY_BUT_SUPERUSER)
    ),
    "communities:residency_queue": Entry(None, get=SIGNED_IN),
    "communities:residency_reveal": Entry("residency", pk, post=MANAGERS),
    "communities:residency_decide": Entry(
        "residency", lambda r: {"pk": r.pk, "decision": "verify"}, post=MANAGERS
    ),
    "communities:residency_decide[reject]": Entry(
        "residency",
        lambda r: {"pk": r.pk, "decision": "reject"},
        post=MANAGERS,
        data=lambda w, o, r: {"reason": "查无此人"},
    ),
    "communities:booking_queue": Entry(None, get=SIGNED_IN),
    "communities:booking_decide": Entry(
        "booking", lambda b: {"pk": b.pk, "decision": "approve"}, post=MANAGERS
    ),
    "communities:party_queue": Entry(None, get=SIGNED_IN),
    "communities:party_confirm": Entry("party_registration", pk, post=MANAGERS),
    "communities:display_preferences": Entry(None, post=EVERYONE),
    # --- deliberation ------------------------------------------------------------------------
    "deliberation:report_issue": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {
            "title": "楼道灯坏了",
            "description": "二楼楼道灯一直不亮。",
            "category": "lamp",
            "area": "B1",
            "channel": "phone",  # asked of staff recording for someone, ignored for residents
            "submission_key": _key(),
        },
        invalid_ok=True,  # only where one lives or acts: elsewhere the form refuses the place
    ),
    "deliberation:similar_issues": Entry(None, get=EVERYONE),
    "deliberation:issue_detail": Entry("issue", pk, get=EVERYONE),
    "deliberation:issue_reveal_reporter": Entry("issue", pk, post=TRIAGERS),
    "deliberation:issue_act": Entry(
        "issue",
        lambda i: {"pk": i.pk, "action": "accept"},
        post=TRIAGERS,
        data=lambda w, i, r: {"note": "受理"},
    ),
    # One organisation: straight on to its form.
    "deliberation:commitment_new": Entry(None, get=POST_HOLDERS, ok=(302,)),
    "deliberation:commitment_detail": Entry("commitment", pk, get=EVERYONE),
    "deliberation:remark_answer": Entry(
        "remark",
        lambda r: {"pk": r.commitment_id, "remark": r.pk},
        post=NOBODY_BUT_SUPERUSER,
        data=lambda w, o, r: {"answer-text": "已安排维修"},
    ),
    "deliberation:commitment_act": Entry(
        "commitment",
        lambda c: {"pk": c.pk, "action": "progress"},
        post=NOBODY_BUT_SUPERUSER,
        data=lambda w, o, r: {
            "progress-progress": 50,
            "progress-text": "已完成一半",
            "progress-submission_key": _key(),
        },
    ),
    "deliberation:commitment_act[remark]": Entry(
        "commitment",
        lambda c: {"pk": c.pk, "action": "remark"},
        post=only(superuser=ANY, public_supervisor=UNDER),
        data=lambda w, o, r: {"remark-text": "进度太慢", "remark-submission_key": _key()},
    ),
    "deliberation:organization_commitments": Entry("organization", pk, get=EVERYONE),
    "deliberation:organization_commitment_new": Entry(
        "organization",
        pk,
        get=NOBODY_BUT_SUPERUSER,
        post=NOBODY_BUT_SUPERUSER,
        data=commitment_form,
    ),
    "deliberation:area_issues": Entry("area", code, get=EVERYONE),
    "deliberation:area_poster": Entry("compound", code, get=EVERYONE),
    "deliberation:area_funnel": Entry("area", code, get=EVERYONE),
    "deliberation:area_commitments": Entry("area", code, get=EVERYONE),
    "deliberation:area_register": Entry("community", code, get=EVERYONE),
    "deliberation:poll_detail": Entry("poll", pk, get=EVERYONE),
    "deliberation:poll_vote": Entry(
        "poll", pk, post=RESIDENTS_UNDER, data=lambda w, p, r: {"options": p.options.first().pk}
    ),
    "deliberation:poll_close": Entry("poll", pk, post=MANAGERS),
    "deliberation:topic_detail": Entry("topic", pk, get=EVERYONE),
    "deliberation:topic_comment": Entry(
        "topic",
        pk,
        post=plus(RESIDENTS_UNDER, MANAGERS),
        data=lambda w, t, r: {"body": "我同意划线停车", "submission_key": _key()},
    ),
    "deliberation:comment_hide": Entry(
        "comment",
        lambda c: {"pk": c.topic_id, "comment_pk": c.pk},
        post=MANAGERS,
        data=lambda w, c, r: {"reason": "人身攻击"},
    ),
    "deliberation:topic_close": Entry(
        "topic", pk, post=MANAGERS, data=lambda w, t, r: {"summary": "大家同意划线停车，下月实施。"}
    ),
    "deliberation:topic_issue": Entry(
        "closed_topic", pk, post=MANAGERS, data=lambda w, t, r: {"category": "lamp"}
    ),
    "deliberation:area_polls": Entry("area", code, get=EVERYONE),
    "deliberation:poll_create": Entry("area", code, get=ACTORS, post=ACTORS, data=poll_form),
    "deliberation:area_topics": Entry("area", code, get=EVERYONE),
    "deliberation:topic_create": Entry("area", code, get=ACTORS, post=ACTORS, data=topic_form),
    "deliberation:staff_queue": Entry(None, get=plus(POST_HOLDERS, only(superuser=NONE))),
    "deliberation:household_visits": Entry(
        None,
        get=plus(POST_HOLDERS, only(superuser=NONE, grid_worker=NONE)),
        post=plus(POST_HOLDERS, only(superuser=NONE, grid_worker=NONE)),
        data=lambda w, o, r: {"household": w.households["B1"].pk, "needs_heard": "楼道灯不亮"},
        invalid_ok=True,  # the superuser is offered no household of a grid
    ),
    "deliberation:staff_bulk_assign": Entry(
        None,
        post=only(
            superuser=NONE,
            district_staff=NONE,
            street_staff=NONE,
            community_staff=NONE,
            party_branch=NONE,
            owners_committee=NONE,
        ),
        data=lambda w, o, r: {
            "issues": [w.objects["accepted_issue"]["K1"].pk],
            "organization": w.organizations["property_firm"].pk,
        },
    ),
    "deliberation:staff_commitments": Entry(None, get=SIGNED_IN),
    # --- deliberation: consultation meetings ---------------------------------------------
    "deliberation:area_catalogue": Entry("area", code, get=EVERYONE),
    "deliberation:catalogue_add": Entry(
        "community",
        code,
        get=ORGANISERS,
        post=ORGANISERS,
        data=lambda w, a, r: {
            "title": "公共收益使用",
            "kind": "common_parts",
            "level": 4,
            "required_parties": ["residents"],
            "default_rule": "simple_majority",
            "description": "",
        },
    ),
    "deliberation:catalogue_edit": Entry(
        "matter",
        pk,
        get=ORGANISERS,
        post=ORGANISERS,
        data=lambda w, m, r: {
            "title": "停车位规划与收费",
            "kind": "parking",
            "level": 4,
            "required_parties": ["residents"],
            "default_rule": "simple_majority",
            "description": "",
        },
    ),
    "deliberation:catalogue_move": Entry(
        "matter", pk, post=ORGANISERS, data=lambda w, m, r: {"direction": "up"}
    ),
    "deliberation:catalogue_remove": Entry("matter", pk, post=ORGANISERS),
    "deliberation:meeting_list": Entry("area", code, get=EVERYONE),
    # Members of an organisation that reaches the area plan for it; managers for any there.
    "deliberation:meeting_create": Entry(
        "area",
        code,
        get=ACTORS,
        post=ACTORS,
        data=lambda w, a, r: {
            **meeting_form(w, w.objects["meeting"][a.code], r),
            "organization": _organization(w, r, a),
        },
    ),
    "deliberation:my_meetings": Entry(None, get=SIGNED_IN),
    "deliberation:my_meetings_feed_replace": Entry(None, post=SIGNED_IN),
    "deliberation:meeting_feed": Entry(None, lambda o: {"key": "no-such-feed"}, get=NOBODY),
    "deliberation:meeting_detail": Entry("meeting", pk, get=EVERYONE),
    "deliberation:meeting_ics": Entry("meeting", pk, get=EVERYONE),
    "deliberation:meeting_edit": Entry(
        "meeting", pk, get=ORGANISERS, post=ORGANISERS, data=meeting_form, ok=(200,)
    ),
    "deliberation:meeting_confirm": Entry(
        "draft_meeting", pk, post=ORGANISERS, data=lambda w, m, r: {"confirm_anyway": "on"}
    ),
    "deliberation:meeting_cancel": Entry(
        "meeting", pk, post=ORGANISERS, data=lambda w, m, r: {"reason": "改期"}
    ),
    "deliberation:meeting_answer": Entry(
        "meeting", pk, post=INVITEE, data=lambda w, m, r: {"answer": "yes"}
    ),
    "deliberation:meeting_parties": Entry("meeting", pk, get=ORGANISERS),
    "deliberation:meeting_party_add": Entry(
        "meeting",
        pk,
        post=ORGANISERS,
        data=lambda w, m, r: {"party": "merchants", "label": "沿街商户", "quorum": 1},
    ),
    "deliberation:meeting_party_remove": Entry(
        "meeting_party", lambda p: {"pk": p.meeting_id, "party_pk": p.pk}, post=ORGANISERS
    ),
    "deliberation:meeting_invite": Entry(
        "meeting",
        pk,
        post=ORGANISERS,
        # As an observer: the owner of B1-101 is a resident under every area an organiser here
        # manages.
        data=lambda w, m, r: {"user": w.people["owner"].pk, "party": ""},
    ),
    "deliberation:meeting_uninvite": Entry(
        "meeting_invitation",
        lambda i: {"pk": i.meeting_id, "invitation_pk": i.pk},
        post=ORGANISERS,
    ),
    "deliberation:agenda_item_add": Entry(
        "meeting",
        pk,
        get=ORGANISERS,
        post=ORGANISERS,
        data=lambda w, m, r: {"title": "楼道堆物清理", "minutes": 20, "description": ""},
    ),
    "deliberation:agenda_item_edit": Entry(
        "meeting_item",
        lambda i: {"pk": i.meeting_id, "item_pk": i.pk},
        get=ORGANISERS,
        post=ORGANISERS,
        data=lambda w, i, r: {"title": "路灯维修", "minutes": 20, "description": ""},
    ),
    "deliberation:agenda_item_move": Entry(
        "meeting_item",
        lambda i: {"pk": i.meeting_id, "item_pk": i.pk},
        post=ORGANISERS,
        data=lambda w, i, r: {"direction": "down"},
    ),
    "deliberation:agenda_item_remove": Entry(
        "draft_meeting_item",
        lambda i: {"pk": i.meeting_id, "item_pk": i.pk},
        post=ORGANISERS,
    ),
    "deliberation:meeting_session": Entry("meeting", pk, get=EVERYONE),
    # Closing a held meeting changes nothing: allowed to those who run it.
    "deliberation:meeting_session_act": Entry(
        "held_meeting", lambda m: {"pk": m.pk, "action": "close"}, post=ORGANISERS
    ),
    "deliberation:meeting_session_attendance": Entry(
        "meeting",
        pk,
        post=ORGANISERS,
        data=lambda w, m, r: {"who": "acx-owner"},
        invalid_ok=True,  # the meeting is not in session: those who run it are told so
    ),
    "deliberation:meeting_session_attendance_act": Entry(
        "attendance",
        lambda a: {"pk": a.meeting_id, "attendance_pk": a.pk, "action": "leave"},
        post=ORGANISERS,
        invalid_ok=True,  # the meeting is held: those who run it are told it is not in session
    ),
    "deliberation:motion_new": Entry(
        "meeting_item",
        lambda i: {"pk": i.meeting_id, "item_pk": i.pk},
        post=ORGANISERS,
        data=lambda w, i, r: {
            "title": "同意划线停车",
            "text": "",
            "rule": "simple_majority",
            "voting_unit": "person",
        },
    ),
    "deliberation:motion_detail": Entry("motion", pk, get=EVERYONE),
    "deliberation:motion_act": Entry(
        "motion",
        lambda m: {"pk": m.pk, "action": "open"},
        post=ORGANISERS,
        invalid_ok=True,  # the meeting is not in session: those who run it are told so
    ),
    "deliberation:motion_vote": Entry(
        "motion",
        pk,
        post=SIGNED_IN,
        data=lambda w, m, r: {"choice": "yes"},
        invalid_ok=True,  # the vote is not open: everyone who may see the motion is told so
    ),
    "deliberation:motion_paper": Entry(
        "motion",
        pk,
        post=ORGANISERS,
        data=lambda w, m, r: {"choice": "yes", "voter": w.people["resident"].pk},
        invalid_ok=True,  # the vote is not open: those who run the meeting are told so
    ),
    "deliberation:minutes_detail": Entry(
        "held_meeting",
        pk,
        get=EVERYONE,
        post=ORGANISERS,
        data=lambda w, m, r: {"body": "到会各方同意。"},
        invalid_ok=True,  # the minutes are published: those who run the meeting are told so
    ),
    # Publishing published minutes changes nothing: allowed to those who run the meeting.
    "deliberation:minutes_act": Entry(
        "held_meeting", lambda m: {"pk": m.pk, "action": "publish"}, post=ORGANISERS
    ),
    "deliberation:minutes_resolution": Entry(
        "held_meeting",
        pk,
        post=ORGANISERS,
        data=lambda w, m, r: {
            "text": "月底前修好路灯",
            "responsible": w.organizations[m.area.code].pk,
            "due_on": _later(20, "%Y-%m-%d"),
        },
        invalid_ok=True,  # the minutes are published: those who run the meeting are told so
    ),
    # --- volunteers --------------------------------------------------------------------------
    "volunteers:activity_list": Entry(None, get=EVERYONE),
    "volunteers:activity_create": Entry(
        None, get=POST_HOLDERS, post=POST_HOLDERS, data=activity_form
    ),
    "volunteers:activity_detail": Entry("activity", pk, get=EVERYONE),
    "volunteers:activity_sign_up": Entry("activity", pk, post=SIGNED_IN),
    "volunteers:activity_cancel_sign_up": Entry("activity", pk, post=NOBODY),
    "volunteers:activity_scan": Entry(
        "activity", pk, post=MANAGERS, data=lambda w, a, r: {"token": str(w.volunteer_token)}
    ),
    "volunteers:sign_up_check_in": Entry(
        "sign_up", lambda s: {"pk": s.activity_id, "sign_up_pk": s.pk}, post=MANAGERS
    ),
    "volunteers:sign_up_confirm_hours": Entry(
        "checked_in",
        lambda s: {"pk": s.activity_id, "sign_up_pk": s.pk},
        post=MANAGERS,
        data=lambda w, s, r: {"hours": "2"},
    ),
    "volunteers:my_volunteering": Entry(None, get=SIGNED_IN),
    "volunteers:my_listing": Entry(None, post=SIGNED_IN),
    "volunteers:reward_list": Entry(None, get=EVERYONE),
    "volunteers:reward_redeem": Entry("reward", pk, post=SIGNED_IN),
    "volunteers:redemption_queue": Entry(None, get=plus(POST_HOLDERS, only(superuser=NONE))),
    "volunteers:redemption_hand_over": Entry(
        "redemption", pk, post=MANAGERS, data=lambda w, x, r: {"code": x.pickup_code}
    ),
    "volunteers:redemption_cancel": Entry("redemption", pk, post=MANAGERS),
    "volunteers:leaderboard": Entry("area", code, get=EVERYONE),
    "volunteers:skill_list": Entry(
        None,
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w, o, r: {"name": "修电脑", "description": "", "visibility": "staff"},
    ),
    "volunteers:skill_invite": Entry(
        None,
        post=only(superuser=NONE, district_staff=NONE, street_staff=NONE, community_staff=NONE),
        data=lambda w, o, r: {
            "person": w.people["resident"].pk,
            "activity": w.objects["activity"]["C1"].pk,
        },
    ),
    "volunteers:skill_remove": Entry("own:skill", pk, post=OWNER_ONLY),
    "volunteers:good_neighbours": Entry(
        None,
        get=EVERYONE,
        post=only(resident=NONE, owner=NONE, building_head=NONE),
        data=lambda w, o, r: {"neighbour": w.people["owner"].full_name, "reason": "热心助人"},
        invalid_ok=True,  # only a neighbour of one's own community can be named
    ),
    "volunteers:nomination_decide": Entry(
        "nomination", pk, post=MANAGERS, data=lambda w, n, r: {"decision": "award"}
    ),
    "volunteers:area_volunteering": Entry("area", code, get=MANAGERS),
    # --- the API (DRF router) ----------------------------------------------------------------
    "api_reference": Entry(None, get=EVERYONE),
    "api_schema": Entry(None, get=EVERYONE),
    "api:api-root": Entry(None, get=EVERYONE),
    "api:area-list": Entry(None, get=EVERYONE),
    "api:area-detail": Entry("area", code, get=EVERYONE),
    "api:notice-list": Entry(None, get=EVERYONE),
    "api:notice-detail": Entry("notice", pk, get=EVERYONE),
    "api:token-list": Entry(
        None, get=EVERYONE, post=NOBODY, data=lambda w, o, r: {"name": "热线"}, json=True
    ),
    "api:token-detail": Entry("own:api_token", pk, get=plus(OWNER_ONLY, NOBODY_BUT_SUPERUSER)),
    "api:token-revoke": Entry("own:api_token", pk, post=plus(OWNER_ONLY, NOBODY_BUT_SUPERUSER)),
    "api:category-list": Entry(None, get=EVERYONE),
    "api:category-detail": Entry(None, lambda o: {"code": "lamp"}, get=EVERYONE),
    "api:issue-list": Entry(
        None,
        get=EVERYONE,
        post=SIGNED_IN,
        data=lambda w, o, r: {
            "title": "楼道灯坏了",
            "description": "二楼楼道灯一直不亮。",
            "category": "lamp",
            "area": "B1",
            "submission_key": _key(),
        },
        json=True,
        invalid_ok=True,  # as on the page: only where one lives or acts
    ),
    "api:issue-detail": Entry("issue", pk, get=EVERYONE),
    "api:issue-transitions": Entry(
        "issue",
        pk,
        post=TRIAGERS,
        data=lambda w, i, r: {"action": "accept", "note": "受理"},
        json=True,
    ),
    "api:commitment-list": Entry(None, get=EVERYONE),
    "api:commitment-detail": Entry("commitment", pk, get=EVERYONE),
    "api:funnel-detail": Entry("area", code, get=EVERYONE),
    "api:meeting-list": Entry(None, get=EVERYONE),
    "api:meeting-detail": Entry("meeting", pk, get=EVERYONE),
    # --- Open311 GeoReport v2 ----------------------------------------------------------------
    "open311:discovery": Entry(None, lambda o: {"format": "json"}, get=EVERYONE),
    "open311:services": Entry(None, lambda o: {"format": "json"}, get=EVERYONE),
    "open311:service_definition": Entry(
        None, lambda o: {"code": "lamp", "format": "json"}, get=EVERYONE
    ),
    "open311:requests": Entry(
        None,
        lambda o: {"format": "json"},
        get=EVERYONE,
        post=NOBODY,
        data=lambda w, o, r: {
            "service_code": "lamp",
            "address_id": "B1",
            "description": "路灯不亮",
        },
    ),
    "open311:request": Entry("issue", lambda i: {"pk": i.pk, "format": "json"}, get=EVERYONE),
    "open311:token": Entry(None, lambda o: {"token": "nothing", "format": "json"}, get=NOBODY),
}

# Variants: the same URL for another kind of object, keyed "name[kind]".
MATRIX.update(
    {
        # A resident's own booking: they and those who look after the room may cancel it; only
        # they and those may read its purpose (SECRETS).
        "communities:booking_cancel[resident_booking]": Entry(
            "resident_booking",
            pk,
            post=plus(MANAGERS, only(owner="same parent")),
            data=lambda w, b, r: {"reason": "改期"},
        ),
        "deliberation:issue_detail[private_issue]": Entry("private_issue", pk, get=ACTORS),
        "deliberation:issue_detail[own_private_issue]": Entry(
            "own_private_issue", pk, get=plus(ACTORS, only(owner=SAME))
        ),
        "deliberation:issue_act[private_issue]": Entry(
            "private_issue",
            lambda i: {"pk": i.pk, "action": "accept"},
            post=TRIAGERS,
            data=lambda w, i, r: {"note": "受理"},
        ),
        "deliberation:issue_reveal_reporter[private_issue]": Entry(
            "private_issue", pk, post=TRIAGERS
        ),
        "api:issue-detail[private_issue]": Entry("private_issue", pk, get=ACTORS),
        "open311:request[private_issue]": Entry(
            "private_issue", lambda i: {"pk": i.pk, "format": "json"}, get=NOBODY
        ),
        "communities:notice_detail[draft_notice]": Entry("draft_notice", pk, get=ACTORS),
        "communities:notice_edit[draft_notice]": Entry(
            "draft_notice",
            pk,
            get=ACTORS,
            post=ACTORS,
            data=lambda w, n, r: notice_form(w, n.area, r),
        ),
        "api:notice-detail[draft_notice]": Entry("draft_notice", pk, get=ACTORS),
        "deliberation:meeting_detail[draft_meeting]": Entry("draft_meeting", pk, get=DRAFT_READERS),
        "deliberation:meeting_ics[draft_meeting]": Entry("draft_meeting", pk, get=DRAFT_READERS),
        "deliberation:meeting_edit[draft_meeting]": Entry(
            "draft_meeting", pk, get=ORGANISERS, post=ORGANISERS, data=meeting_form
        ),
        "deliberation:meeting_answer[draft_meeting]": Entry(
            "draft_meeting", pk, post=INVITEE, data=lambda w, m, r: {"answer": "maybe"}
        ),
        "deliberation:meeting_session[draft_meeting]": Entry(
            "draft_meeting", pk, get=DRAFT_READERS
        ),
        "api:meeting-detail[draft_meeting]": Entry("draft_meeting", pk, get=DRAFT_READERS),
        # A cancelled meeting (nobody was invited to it) goes back to its organisers.
        "deliberation:meeting_detail[cancelled_meeting]": Entry(
            "cancelled_meeting", pk, get=ORGANISERS
        ),
        "api:meeting-detail[cancelled_meeting]": Entry("cancelled_meeting", pk, get=ORGANISERS),
        "deliberation:minutes_detail[minutes]": Entry(
            "minutes", lambda m: {"pk": m.meeting_id}, get=EVERYONE
        ),
        "deliberation:poll_detail[upcoming_poll]": Entry("upcoming_poll", pk, get=MANAGERS),
        "deliberation:poll_vote[upcoming_poll]": Entry(
            "upcoming_poll",
            pk,
            post=MANAGERS,
            data=lambda w, p, r: {"options": p.options.first().pk},
            invalid_ok=True,  # those who may see it are told it is not open yet
        ),
    }
)

# django-allauth's account pages: public forms, or the signed-in person's own settings. None
# shows anyone else's data (the test checks every body for the residents' names and numbers).
ACCOUNT_PAGES = {
    "account_login": {},
    "account_logout": {},
    "account_inactive": {},
    "account_signup": {},
    "account_reauthenticate": {},
    "account_request_reauthentication_code": {},
    "account_confirm_reauthentication_code": {},
    "account_email": {},
    "account_email_verification_sent": {},
    "account_change_password": {},
    "account_set_password": {},
    "account_reset_password": {},
    "account_confirm_login_code": {},
    "account_confirm_email": {"key": "no-such-key"},
    "account_reset_password_from_key_done": {},
    "account_reset_password_from_key": {"uidb36": "0", "key": "no-such-key"},
    "account_reset_password_done": {},
}
MATRIX.update(
    {
        name: Entry(None, lambda o, kw=kwargs: kw, get=EVERYONE, any_answer=True)
        for name, kwargs in ACCOUNT_PAGES.items()
    }
)

# Whole namespaces of third-party apps, gated site-wide: every URL in them gets the same row.
# The Django admin: only the superuser (no role here is `is_staff`); everyone else is sent to
# the admin's login page.
NAMESPACES: dict[str, str] = {"admin": "the Django admin: superuser only"}

# Patterns without a name, by route. Uploads under /media/ (issue and commitment photos) are
# served by nginx in production and by Django's static view in development and tests: anyone
# holding the URL gets the file. Their names are random (deliberation.photos,
# communities.documents), so only someone who was shown the photo knows its URL; notice
# attachments are served through communities:notice_attachment, which checks the notice.
UNNAMED: dict[str, str] = {
    "^media/(?P<path>.*)$": "uploaded photos, by unguessable name, to whoever has the link",
}

# Objects not everyone may see, and the row that says who may. No answer to anyone else, on
# any page (a list, a dashboard, a queue, an export), may contain their marker: this is how a
# list that forgot `visible_to()` is caught.
SECRETS: dict[str, str] = {
    "private_issue": "deliberation:issue_detail[private_issue]",
    "own_private_issue": "deliberation:issue_detail[own_private_issue]",
    "draft_notice": "communities:notice_detail[draft_notice]",
    "upcoming_poll": "deliberation:poll_detail[upcoming_poll]",
    "import_job": "communities:import_job",
    "residency": "communities:residency_decide",
    "party_registration": "communities:party_confirm",
    "resident_booking": "communities:booking_cancel[resident_booking]",
    "draft_meeting": "deliberation:meeting_detail[draft_meeting]",
    "cancelled_meeting": "deliberation:meeting_detail[cancelled_meeting]",
}
