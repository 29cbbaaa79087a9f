"""Every page of the portal, crawled with the demo data as each demo account sees it, carries a
Content-Security-Policy without 'unsafe-inline', and its HTML holds no inline script, no
style attribute and no on*= event handler (the policy would block them, so a page relying on
one is broken; and markup that needs none is markup an injection cannot hide in).

The URL patterns are enumerated from the resolver: a new pattern with arguments fails this test
until `ARGUMENTS` says how to fill them in. The admin is crawled through its registry (every
change list and add form, and one change form per model).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from communities.models import (
    ApiToken,
    Area,
    Booking,
    ImportJob,
    Notice,
    NoticeAttachment,
    Notification,
    Organization,
    PartyRegistration,
    Residency,
    Space,
    User,
)
from deliberation.models import (
    AgendaItem,
    Attendance,
    Commitment,
    ConsultationMatter,
    Invitation,
    Issue,
    Meeting,
    MeetingParty,
    Motion,
    Poll,
    Topic,
    TopicComment,
)
from volunteers import services as volunteer_services
from volunteers.models import Activity, Nomination, Redemption, Reward, Skill

DEMO_PASSWORD = "demo12345"
ACCOUNTS = [None, "resident", "owners", "property", "gridworker", "community", "street", "admin"]


def _first(model, **filters):
    found = model.objects.filter(**filters).order_by("pk").first()
    assert found is not None, f"the demo has a {model.__name__}"
    return found.pk


def _community() -> str:
    return Area.objects.filter(level=Area.Level.COMMUNITY).order_by("path").first().code


def _meeting(status: str = "confirmed") -> int:
    return _first(Meeting, status=status)


def _in_meeting(model, status: str = "confirmed", **kwargs) -> dict:
    meeting = _meeting(status)
    return {"pk": meeting, **{key: _first(model, meeting_id=meeting) for key in kwargs}}


def _commitment_with_remark() -> int:
    commitment = Commitment.objects.filter(updates__kind="remark").order_by("pk").first()
    return (commitment or Commitment.objects.order_by("pk").first()).pk


# How to fill in each pattern's arguments from the demo data.
ARGUMENTS: dict[str, Callable[[], dict]] = {
    "area_dashboard": lambda: {"code": _community()},
    "area_dashboard_csv": lambda: {"code": _community()},
    "account_confirm_email": lambda: {"key": "not-a-key"},
    "account_reset_password_from_key": lambda: {"uidb36": "1", "key": "not-a-key"},
    "api:area-detail": lambda: {"code": _community()},
    "api:notice-detail": lambda: {"pk": _first(Notice)},
    "api:token-detail": lambda: {"pk": _first(ApiToken)},
    "api:token-revoke": lambda: {"pk": _first(ApiToken)},
    "api:category-detail": lambda: {"code": "lamp"},
    "api:issue-detail": lambda: {"pk": _first(Issue)},
    "api:issue-transitions": lambda: {"pk": _first(Issue)},
    "api:commitment-detail": lambda: {"pk": _first(Commitment)},
    "api:funnel-detail": lambda: {"code": _community()},
    "open311:service_definition": lambda: {"code": "lamp", "format": "json"},
    "open311:request": lambda: {"pk": _first(Issue), "format": "json"},
    "open311:token": lambda: {"token": "not-a-token", "format": "json"},
    "communities:area_export": lambda: {"code": _community(), "kind": "households", "fmt": "csv"},
    "communities:import_template": lambda: {"kind": "households"},
    "communities:import_job": lambda: {"pk": _first(ImportJob)},
    "communities:import_job_progress": lambda: {"pk": _first(ImportJob)},
    "communities:import_job_confirm": lambda: {"pk": _first(ImportJob)},
    "communities:import_job_cancel": lambda: {"pk": _first(ImportJob)},
    "communities:import_job_invitations": lambda: {"pk": _first(ImportJob)},
    "communities:space_detail": lambda: {"pk": _first(Space)},
    "communities:booking_cancel": lambda: {"pk": _first(Booking)},
    "communities:notice_detail": lambda: {"pk": _first(Notice)},
    "communities:notice_print": lambda: {"pk": _first(Notice)},
    "communities:notice_edit": lambda: {"pk": _first(Notice)},
    "communities:notice_unpublish": lambda: {"pk": _first(Notice)},
    "communities:notice_attachment": lambda: {"pk": _first(NoticeAttachment)},
    "communities:notification_read": lambda: {"pk": _first(Notification)},
    "communities:api_token_revoke": lambda: {"pk": _first(ApiToken)},
    "communities:residency_reveal": lambda: {"pk": _first(Residency)},
    "communities:residency_decide": lambda: {"pk": _first(Residency), "decision": "verify"},
    "communities:booking_decide": lambda: {"pk": _first(Booking), "decision": "approve"},
    "communities:party_confirm": lambda: {"pk": _first(PartyRegistration)},
    "deliberation:issue_detail": lambda: {"pk": _first(Issue)},
    "deliberation:issue_reveal_reporter": lambda: {"pk": _first(Issue)},
    "deliberation:issue_act": lambda: {"pk": _first(Issue), "action": "accept"},
    "deliberation:commitment_detail": lambda: {"pk": _commitment_with_remark()},
    "deliberation:remark_answer": lambda: {"pk": _commitment_with_remark(), "remark": 1},
    "deliberation:commitment_act": lambda: {"pk": _first(Commitment), "action": "progress"},
    "deliberation:organization_commitments": lambda: {
        "pk": Commitment.objects.order_by("pk").first().organization_id
    },
    "deliberation:organization_commitment_new": lambda: {"pk": _first(Organization)},
    "deliberation:poll_detail": lambda: {"pk": _first(Poll)},
    "deliberation:poll_vote": lambda: {"pk": _first(Poll)},
    "deliberation:poll_close": lambda: {"pk": _first(Poll)},
    "deliberation:topic_detail": lambda: {"pk": _first(Topic)},
    "deliberation:topic_comment": lambda: {"pk": _first(Topic)},
    "deliberation:comment_hide": lambda: {
        "pk": _first(Topic),
        "comment_pk": _first(TopicComment),
    },
    "deliberation:topic_close": lambda: {"pk": _first(Topic)},
    "deliberation:topic_issue": lambda: {"pk": _first(Topic)},
    "api:meeting-detail": lambda: {"pk": _meeting()},
    "deliberation:meeting_list": lambda: {"code": _community()},
    "deliberation:meeting_create": lambda: {"code": _community()},
    "deliberation:area_catalogue": lambda: {"code": _community()},
    "deliberation:catalogue_add": lambda: {"code": _community()},
    "deliberation:catalogue_edit": lambda: {"pk": _first(ConsultationMatter)},
    "deliberation:catalogue_move": lambda: {"pk": _first(ConsultationMatter)},
    "deliberation:catalogue_remove": lambda: {"pk": _first(ConsultationMatter)},
    "deliberation:meeting_detail": lambda: {"pk": _meeting()},
    "deliberation:meeting_ics": lambda: {"pk": _meeting()},
    "deliberation:meeting_feed": lambda: {"key": "not-a-key"},
    "deliberation:meeting_edit": lambda: {"pk": _meeting()},
    "deliberation:meeting_confirm": lambda: {"pk": _meeting()},
    "deliberation:meeting_cancel": lambda: {"pk": _meeting()},
    "deliberation:meeting_answer": lambda: {"pk": _meeting()},
    "deliberation:meeting_parties": lambda: {"pk": _meeting()},
    "deliberation:meeting_party_add": lambda: {"pk": _meeting()},
    "deliberation:meeting_party_remove": lambda: _in_meeting(MeetingParty, party_pk=True),
    "deliberation:meeting_invite": lambda: {"pk": _meeting()},
    "deliberation:meeting_uninvite": lambda: _in_meeting(Invitation, invitation_pk=True),
    "deliberation:agenda_item_add": lambda: {"pk": _meeting()},
    "deliberation:agenda_item_edit": lambda: _in_meeting(AgendaItem, item_pk=True),
    "deliberation:agenda_item_move": lambda: _in_meeting(AgendaItem, item_pk=True),
    "deliberation:agenda_item_remove": lambda: _in_meeting(AgendaItem, item_pk=True),
    "deliberation:meeting_session": lambda: {"pk": _meeting("held")},
    "deliberation:meeting_session_act": lambda: {"pk": _meeting(), "action": "open"},
    "deliberation:meeting_session_attendance": lambda: {"pk": _meeting("held")},
    "deliberation:meeting_session_attendance_act": lambda: {
        **_in_meeting(Attendance, "held", attendance_pk=True),
        "action": "leave",
    },
    "deliberation:motion_new": lambda: _in_meeting(AgendaItem, item_pk=True),
    "deliberation:motion_detail": lambda: {"pk": _first(Motion)},
    "deliberation:motion_act": lambda: {"pk": _first(Motion), "action": "open"},
    "deliberation:motion_vote": lambda: {"pk": _first(Motion)},
    "deliberation:motion_paper": lambda: {"pk": _first(Motion)},
    "deliberation:minutes_detail": lambda: {"pk": _meeting("held")},
    "deliberation:minutes_act": lambda: {"pk": _meeting("held"), "action": "submit"},
    "deliberation:minutes_resolution": lambda: {"pk": _meeting("held")},
    "volunteers:activity_detail": lambda: {"pk": _first(Activity)},
    "volunteers:activity_sign_up": lambda: {"pk": _first(Activity)},
    "volunteers:activity_cancel_sign_up": lambda: {"pk": _first(Activity)},
    "volunteers:activity_scan": lambda: {"pk": _first(Activity)},
    "volunteers:sign_up_check_in": lambda: {"pk": _first(Activity), "sign_up_pk": 1},
    "volunteers:sign_up_confirm_hours": lambda: {"pk": _first(Activity), "sign_up_pk": 1},
    "volunteers:reward_redeem": lambda: {"pk": _first(Reward)},
    "volunteers:redemption_hand_over": lambda: {"pk": _first(Redemption)},
    "volunteers:redemption_cancel": lambda: {"pk": _first(Redemption)},
    "volunteers:skill_remove": lambda: {"pk": _first(Skill)},
    "volunteers:nomination_decide": lambda: {"pk": _first(Nomination)},
}
# Patterns whose arguments every area page shares.
AREA_CODE = {"code"}
# Not crawled, and why.
NOT_CRAWLED = {
    "?": "uploaded media, served as files by nginx in production",
    "account_logout": "logging out mid-crawl would crawl the rest anonymously",
}


def _volunteering() -> None:
    """The demo has no volunteering seed: an activity, a sign-up, points spent on a reward, a
    skill and a nomination, as the demo accounts would make them."""
    community = User.objects.get(username="community")
    resident = User.objects.get(username="resident")
    organization = community.memberships.first().organization
    building = resident.residencies.first().household.building
    area = Area.objects.get(path=building.path[: 4 * Area.Level.COMMUNITY])
    start = timezone.now() + datetime.timedelta(days=2)
    activity = Activity.objects.create(
        title="为独居老人送餐",
        organization=organization,
        area=organization.area,
        place="睦邻驿站",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=20,
        points_per_hour=10,
    )
    volunteer_services.sign_up(activity=activity, user=resident)
    reward = Reward.objects.create(
        name="大米一袋", organization=organization, area=organization.area, cost=5, stock=3
    )
    volunteer_services.award_points(
        user=resident, points=20, reason="送餐", by=community, idempotency_key="crawl"
    )
    volunteer_services.redeem_reward(reward=reward, user=resident)
    volunteer_services.add_skill(user=resident, name="修电脑", visibility="neighbours")
    neighbour = (
        Residency.objects.filter(
            status=Residency.Status.VERIFIED, household__building__path__startswith=area.path
        )
        .exclude(user=resident)
        .first()
        .user
    )
    volunteer_services.nominate(nominee=neighbour, by=resident, area=area, reason="常帮邻居取快递")


def _patterns(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.app_name == "admin":
                continue  # crawled through the admin's registry below
            yield from _patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or '?'}", pattern


def _names_and_arguments(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex) - {"format"}


def crawl_urls() -> tuple[list[str], list[str]]:
    """Every page's address, and the patterns this crawl does not know how to fill in."""
    urls, unknown = [], []
    seen = set()
    for name, pattern in _patterns(get_resolver().url_patterns):
        if name in NOT_CRAWLED or name in seen:
            continue
        seen.add(name)
        arguments = _names_and_arguments(pattern)
        if name in ARGUMENTS:
            kwargs = ARGUMENTS[name]()
        elif arguments <= AREA_CODE:
            kwargs = {"code": _community()} if arguments else {}
        else:
            unknown.append(name)
            continue
        if "format" in pattern.pattern.regex.groupindex and "format" not in kwargs:
            continue  # the same view as the pattern without a suffix
        urls.append(reverse(name, kwargs=kwargs))
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    urls.append(reverse("admin:index"))
    return urls, unknown


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: a <script> with code in it, a
    <style> element, a style="" attribute, an on*="" handler, a javascript: link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            data_block = attributes.get("type", "").lower() in ("application/json", "text/template")
            self._script_without_src = "src" not in attributes and not data_block
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_without_src = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_parser_finds_each_kind_of_inline_code():
    assert inline_code('<script src="/static/a.js"></script><p class="x">ok</p>') == []
    assert len(inline_code("<script>alert(1)</script>")) == 1
    assert len(inline_code('<div style="color:red">')) == 1
    assert len(inline_code('<img src="x" onerror="alert(1)">')) == 1
    assert len(inline_code('<a href="javascript:alert(1)">')) == 1
    assert len(inline_code("<style>p{}</style>")) == 1
    assert inline_code('<script type="application/json">{"a": 1}</script>') == []


# The demo's tasks (notice delivery, import checks) run after their commits, as without a broker.
@pytest.mark.django_db(transaction=True)
def test_every_page_has_a_strict_policy_and_no_inline_code(settings):
    settings.ACCOUNT_RATE_LIMITS = False
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_issues", "--count", "40", verbosity=0)
    for command in (
        "seed_demo_commitments",
        "seed_demo_rooms",
        "seed_demo_notices",
        "seed_demo_api",
        "seed_demo_polls",
        "seed_demo_imports",
        "seed_demo_meetings",
    ):
        call_command(command, verbosity=0)
    _volunteering()

    urls, unknown = crawl_urls()
    assert unknown == [], "add these patterns to ARGUMENTS (or NOT_CRAWLED, with a reason)"
    problems, pages = [], 0
    for username in ACCOUNTS:
        client = Client(raise_request_exception=False)
        if username:
            assert client.login(username=username, password=DEMO_PASSWORD), username
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{username} {url}: {response.status_code}")
                continue
            policy = response.get("Content-Security-Policy", "")
            content_type = response.get("Content-Type", "")
            if not content_type.startswith("text/html"):
                continue
            pages += 1
            if "unsafe-inline" in policy or "script-src 'self'" not in policy:
                problems.append(f"{username} {url}: policy {policy!r}")
            for found in inline_code(response.content.decode()):
                problems.append(f"{username} {url}: {found}")
    assert pages > 300, pages
    assert problems == [], "\n".join(sorted(set(problems)))
