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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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


EVERYONE = everyone_but()
SIGNED_IN = everyone_but("anonymous")
NOBODY_BUT_SUPERUSER = only(superuser=ANY)
OWNER_ONLY = everyone_but("anonymous", **{role: OWN for role in ROLES if role != "anonymous"})

# Staff of the administrative organisations (government office, residents' committee, party
# committee) manage their seat's subtree.
MANAGERS = only(
    superuser=ANY, district_staff=UNDER, street_staff=UNDER, community_staff=UNDER
)


@dataclass(frozen=True)
class Entry:
    kind: str | None
    kwargs: Callable[[object], dict] = lambda obj: {}
    # Who may GET it; None for a page that only takes a POST (a GET is refused for everyone).
    get: Access | None = None
    # Who may POST; None when the page takes no POST.
    post: Access | None = None
    data: Callable[[object, object], dict] = lambda world, obj: {}
    # What an allowed GET answers (a download redirects, a page that only redirects...).
    ok: tuple[int, ...] = (200,)
    # Who may see the object: a refusal to anyone else must not contain its marker. Defaults to
    # `get`.
    sees: Access | None = None
    query: dict = field(default_factory=dict)

    @property
    def readers(self) -> Access | None:
        return self.sees or self.get


TBD = None  # placeholder while the table is written; a test fails on it


def pk(obj) -> dict:
    return {"pk": obj.pk}


def code(area) -> dict:
    return {"code": area.code}


MATRIX: dict[str, Entry] = {
    # --- governance --------------------------------------------------------------------------
    "home": Entry(None, get=EVERYONE),
    "health": Entry(None, get=EVERYONE),
    "my_data": Entry(None, get=SIGNED_IN),
    "my_data_download": Entry(None, get=SIGNED_IN),
    "area_dashboard": Entry("area", code, get=TBD),
    "area_dashboard_csv": Entry("area", code, get=TBD),
    "set_language": Entry(None, get=None, post=EVERYONE, data=lambda w, o: {"language": "en"}),
    # --- communities -------------------------------------------------------------------------
    "communities:area_detail": Entry("area", code, get=EVERYONE),
    "communities:area_everything": Entry("area", code, get=TBD),
    "communities:area_add_child": Entry("area", code, get=TBD, post=TBD),
    "communities:household_list": Entry("area", code, get=TBD),
    "communities:household_add": Entry("area", code, post=TBD),
    "communities:area_notices": Entry("area", code, get=EVERYONE),
    "communities:area_imports": Entry("area", code, get=TBD, post=TBD),
    "communities:area_export": Entry(
        "area", lambda a: {"code": a.code, "kind": "residents", "fmt": "csv"}, get=TBD
    ),
    "communities:import_template": Entry(None, lambda o: {"kind": "all"}, get=SIGNED_IN),
    "communities:import_job": Entry("import_job", pk, get=TBD),
    "communities:import_job_progress": Entry("import_job", pk, get=TBD),
    "communities:import_job_confirm": Entry("import_job", pk, post=TBD),
    "communities:import_job_cancel": Entry("import_job", pk, post=TBD),
    "communities:import_job_invitations": Entry("import_job", pk, get=TBD),
    "communities:area_spaces": Entry("area", code, get=EVERYONE),
    "communities:space_detail": Entry("space", pk, get=TBD, post=TBD),
    "communities:booking_cancel": Entry("booking", pk, post=TBD),
    "communities:notice_create": Entry("area", code, get=TBD, post=TBD),
    "communities:notice_detail": Entry("notice", pk, get=EVERYONE),
    "communities:notice_print": Entry("notice", pk, get=EVERYONE),
    "communities:notice_edit": Entry("notice", pk, get=TBD, post=TBD),
    "communities:notice_unpublish": Entry("notice", pk, post=TBD),
    "communities:notice_attachment": Entry("attachment", pk, get=EVERYONE),
    "communities:profile": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "communities:inbox": Entry(None, get=SIGNED_IN),
    "communities:notifications_read_all": Entry(None, post=SIGNED_IN),
    "communities:notification_read": Entry("own:notification", pk, post=OWNER_ONLY),
    "communities:notification_settings": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "communities:household_claim": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "communities:invitation_claim": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "communities:party_register": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "communities:my_bookings": Entry(None, get=SIGNED_IN),
    "communities:api_tokens": Entry(None, get=TBD, post=TBD),
    "communities:api_token_revoke": Entry("own:api_token", pk, post=OWNER_ONLY),
    "communities:residency_queue": Entry(None, get=SIGNED_IN),
    "communities:residency_reveal": Entry("residency", pk, post=TBD),
    "communities:residency_decide": Entry(
        "residency", lambda r: {"pk": r.pk, "decision": "verify"}, post=TBD
    ),
    "communities:booking_queue": Entry(None, get=SIGNED_IN),
    "communities:booking_decide": Entry(
        "booking", lambda b: {"pk": b.pk, "decision": "approve"}, post=TBD
    ),
    "communities:party_queue": Entry(None, get=SIGNED_IN),
    "communities:party_confirm": Entry("party_registration", pk, post=TBD),
    "communities:display_preferences": Entry(None, post=EVERYONE),
    # --- deliberation ------------------------------------------------------------------------
    "deliberation:report_issue": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "deliberation:similar_issues": Entry(None, get=EVERYONE),
    "deliberation:issue_detail": Entry("issue", pk, get=EVERYONE),
    "deliberation:issue_reveal_reporter": Entry("issue", pk, post=TBD),
    "deliberation:issue_act": Entry("issue", lambda i: {"pk": i.pk, "action": "accept"}, post=TBD),
    "deliberation:commitment_new": Entry(None, get=TBD, post=TBD),
    "deliberation:commitment_detail": Entry("commitment", pk, get=EVERYONE),
    "deliberation:remark_answer": Entry(
        "remark", lambda r: {"pk": r.commitment_id, "remark": r.pk}, post=TBD
    ),
    "deliberation:commitment_act": Entry(
        "commitment", lambda c: {"pk": c.pk, "action": "progress"}, post=TBD
    ),
    "deliberation:organization_commitments": Entry("organization", pk, get=EVERYONE),
    "deliberation:organization_commitment_new": Entry("organization", pk, get=TBD, post=TBD),
    "deliberation:area_issues": Entry("area", code, get=EVERYONE),
    "deliberation:area_poster": Entry("area", code, get=TBD),
    "deliberation:area_funnel": Entry("area", code, get=EVERYONE),
    "deliberation:area_commitments": Entry("area", code, get=EVERYONE),
    "deliberation:area_register": Entry("area", code, get=TBD),
    "deliberation:poll_detail": Entry("poll", pk, get=EVERYONE),
    "deliberation:poll_vote": Entry("poll", pk, post=TBD),
    "deliberation:poll_close": Entry("poll", pk, post=TBD),
    "deliberation:topic_detail": Entry("topic", pk, get=EVERYONE),
    "deliberation:topic_comment": Entry("topic", pk, post=TBD),
    "deliberation:comment_hide": Entry(
        "comment", lambda c: {"pk": c.topic_id, "comment_pk": c.pk}, post=TBD
    ),
    "deliberation:topic_close": Entry("topic", pk, post=TBD),
    "deliberation:topic_issue": Entry("topic", pk, post=TBD),
    "deliberation:area_polls": Entry("area", code, get=EVERYONE),
    "deliberation:poll_create": Entry("area", code, get=TBD, post=TBD),
    "deliberation:area_topics": Entry("area", code, get=EVERYONE),
    "deliberation:topic_create": Entry("area", code, get=TBD, post=TBD),
    "deliberation:staff_queue": Entry(None, get=TBD),
    "deliberation:household_visits": Entry(None, get=TBD, post=TBD),
    "deliberation:staff_bulk_assign": Entry(None, post=TBD),
    "deliberation:staff_commitments": Entry(None, get=TBD),
    # --- volunteers --------------------------------------------------------------------------
    "volunteers:activity_list": Entry(None, get=EVERYONE),
    "volunteers:activity_create": Entry(None, get=TBD, post=TBD),
    "volunteers:activity_detail": Entry("activity", pk, get=EVERYONE),
    "volunteers:activity_sign_up": Entry("activity", pk, post=TBD),
    "volunteers:activity_cancel_sign_up": Entry("activity", pk, post=TBD),
    "volunteers:activity_scan": Entry("activity", pk, post=TBD),
    "volunteers:sign_up_check_in": Entry(
        "sign_up", lambda s: {"pk": s.activity_id, "sign_up_pk": s.pk}, post=TBD
    ),
    "volunteers:sign_up_confirm_hours": Entry(
        "sign_up", lambda s: {"pk": s.activity_id, "sign_up_pk": s.pk}, post=TBD
    ),
    "volunteers:my_volunteering": Entry(None, get=SIGNED_IN),
    "volunteers:my_listing": Entry(None, post=SIGNED_IN),
    "volunteers:reward_list": Entry(None, get=EVERYONE),
    "volunteers:reward_redeem": Entry("reward", pk, post=TBD),
    "volunteers:redemption_queue": Entry(None, get=TBD),
    "volunteers:redemption_hand_over": Entry("redemption", pk, post=TBD),
    "volunteers:redemption_cancel": Entry("redemption", pk, post=TBD),
    "volunteers:leaderboard": Entry("area", code, get=EVERYONE),
    "volunteers:skill_list": Entry(None, get=SIGNED_IN, post=SIGNED_IN),
    "volunteers:skill_invite": Entry(None, post=TBD),
    "volunteers:skill_remove": Entry("own:skill", pk, post=OWNER_ONLY),
    "volunteers:good_neighbours": Entry(None, get=TBD, post=TBD),
    "volunteers:nomination_decide": Entry("nomination", pk, post=TBD),
    "volunteers:area_volunteering": Entry("area", code, get=TBD),
    # --- the API (DRF router) ----------------------------------------------------------------
    "api_reference": Entry(None, get=EVERYONE),
    "api_schema": Entry(None, get=EVERYONE),
    "api:api-root": Entry(None, get=EVERYONE),
    "api:area-list": Entry(None, get=EVERYONE),
    "api:area-detail": Entry("area", code, get=EVERYONE),
    "api:notice-list": Entry(None, get=EVERYONE),
    "api:notice-detail": Entry("notice", pk, get=EVERYONE),
    "api:token-list": Entry(None, get=TBD, post=TBD),
    "api:token-detail": Entry("own:api_token", pk, get=OWNER_ONLY),
    "api:token-revoke": Entry("own:api_token", pk, post=OWNER_ONLY),
    "api:category-list": Entry(None, get=EVERYONE),
    "api:category-detail": Entry(None, lambda o: {"code": "lamp"}, get=EVERYONE),
    "api:issue-list": Entry(None, get=EVERYONE, post=TBD),
    "api:issue-detail": Entry("issue", pk, get=EVERYONE),
    "api:issue-transitions": Entry("issue", pk, post=TBD),
    "api:commitment-list": Entry(None, get=EVERYONE),
    "api:commitment-detail": Entry("commitment", pk, get=EVERYONE),
    "api:funnel-detail": Entry("area", code, get=EVERYONE),
    # --- Open311 GeoReport v2 ----------------------------------------------------------------
    "open311:discovery": Entry(None, lambda o: {"format": "json"}, get=EVERYONE),
    "open311:services": Entry(None, lambda o: {"format": "json"}, get=EVERYONE),
    "open311:service_definition": Entry(
        None, lambda o: {"code": "lamp", "format": "json"}, get=EVERYONE
    ),
    "open311:requests": Entry(None, lambda o: {"format": "json"}, get=EVERYONE, post=TBD),
    "open311:request": Entry("issue", lambda i: {"pk": i.pk, "format": "json"}, get=EVERYONE),
    "open311:token": Entry(None, lambda o: {"token": "nothing", "format": "json"}, get=TBD),
}

# Variants: the same URL for another kind of object, keyed "name[kind]".
MATRIX.update(
    {
        "deliberation:issue_detail[private_issue]": Entry("private_issue", pk, get=TBD),
        "deliberation:issue_act[private_issue]": Entry(
            "private_issue", lambda i: {"pk": i.pk, "action": "accept"}, post=TBD
        ),
        "deliberation:issue_reveal_reporter[private_issue]": Entry(
            "private_issue", pk, post=TBD
        ),
        "api:issue-detail[private_issue]": Entry("private_issue", pk, get=TBD),
        "open311:request[private_issue]": Entry(
            "private_issue", lambda i: {"pk": i.pk, "format": "json"}, get=TBD
        ),
        "communities:notice_detail[draft_notice]": Entry("draft_notice", pk, get=TBD),
        "communities:notice_edit[draft_notice]": Entry("draft_notice", pk, get=TBD),
        "api:notice-detail[draft_notice]": Entry("draft_notice", pk, get=TBD),
        "deliberation:poll_detail[upcoming_poll]": Entry("upcoming_poll", pk, get=TBD),
        "deliberation:poll_vote[upcoming_poll]": Entry("upcoming_poll", pk, post=TBD),
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
        name: Entry(None, lambda o, kw=kwargs: kw, get=EVERYONE, ok=(200, 302, 400, 404))
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
