"""Hostile filter, ordering and paging parameters on every list page and search of the portal,
the API's lists and Open311's: unknown orderings, SQL-ish strings, huge or non-ASCII page
numbers, repeated parameters, NUL bytes, overlong values. Each answer is the list (the bad
value ignored or explained) or a 4xx, never a server error.

Then hypothesis writes whole query strings for the busiest lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import registry

HOSTILE_VALUES = [
    "",
    "'",
    '"',
    "' OR 1=1 --",
    "1) UNION SELECT password FROM communities_user --",
    "1; DROP TABLE deliberation_issue",
    "-1",
    "0",
    "99999999999999999999999999",
    str(2**63),
    "1e309",
    "NaN",
    "-inf",
    "²",
    "①",
    "١٢",
    "１",
    "\x00",
    "1\x00",
    "x" * 5000,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%",
    "_",
    "\\",
    "__class__",
    "-password",
    "reporter__phone",
    "?order=-reporter__phone",
    "2026-13-45",
    "0000-00-00",
    "9999-12-31",
    "2026-Q9",
    "2026-Q-1",
    "99999999-Q1",
    "2026-00",
    "true",
    "[]",
    '{"$gt": ""}',
    "\u202e",
]
REPEATED = [["1", "2"], ["age", "-password"], ["\x00", "x" * 300]]
UNKNOWN = ["zzz", "ordering", "sort", "order[]", "page[size]", "__debug__"]
UNKNOWN_VALUES = ["-password", "\x00", "x" * 5000]


@dataclass(frozen=True)
class ListPage:
    name: str
    user: str | None
    url: Callable[[SimpleNamespace], str]
    params: tuple[str, ...]

    def __repr__(self) -> str:
        return self.name


ORDER = ("order",)
LIST_PAGES = [
    ListPage(
        "public issues",
        None,
        lambda w: reverse("deliberation:area_issues", args=["D"]),
        ("q", "status", "page", *ORDER),
    ),
    ListPage(
        "staff queue",
        "street_staff",
        lambda w: reverse("deliberation:staff_queue"),
        (
            "q",
            "status",
            "lane",
            "category",
            "channel",
            "assigned_to",
            "overdue",
            "submitted_after",
            "submitted_before",
            "page",
            "format",
            *ORDER,
        ),
    ),
    ListPage(
        "household visits",
        "grid_worker",
        lambda w: reverse("deliberation:household_visits"),
        ("page",),
    ),
    ListPage(
        "area commitments",
        None,
        lambda w: reverse("deliberation:area_commitments", args=["C1"]),
        ("q", "stage", "kind", "page", *ORDER),
    ),
    ListPage(
        "staff commitments",
        "community_staff",
        lambda w: reverse("deliberation:staff_commitments"),
        ("q", "stage", "kind", "page", *ORDER),
    ),
    ListPage(
        "quarterly register",
        None,
        lambda w: reverse("deliberation:area_register", args=["C1"]),
        ("period", "format"),
    ),
    ListPage(
        "funnel", None, lambda w: reverse("deliberation:area_funnel", args=["C1"]), ("period",)
    ),
    ListPage(
        "dashboard", "street_staff", lambda w: reverse("area_dashboard", args=["S1"]), ("period",)
    ),
    ListPage(
        "dashboard csv",
        "street_staff",
        lambda w: reverse("area_dashboard_csv", args=["S1"]),
        ("period",),
    ),
    ListPage(
        "notice board",
        None,
        lambda w: reverse("communities:area_notices", args=["K1"]),
        ("kind", "page"),
    ),
    ListPage("inbox", "resident", lambda w: reverse("communities:inbox"), ("kind", "page")),
    ListPage(
        "households",
        "community_staff",
        lambda w: reverse("communities:household_list", args=["C1"]),
        ("page",),
    ),
    ListPage(
        "everything under an area",
        "community_staff",
        lambda w: reverse("communities:area_everything", args=["C1"]),
        ("level", "page"),
    ),
    ListPage(
        "claims queue",
        "community_staff",
        lambda w: reverse("communities:residency_queue"),
        ("page",),
    ),
    ListPage("polls", None, lambda w: reverse("deliberation:area_polls", args=["K1"]), ("page",)),
    ListPage("topics", None, lambda w: reverse("deliberation:area_topics", args=["C1"]), ("page",)),
    ListPage(
        "activities", "resident", lambda w: reverse("volunteers:activity_list"), ("all", "page")
    ),
    ListPage(
        "leaderboard",
        None,
        lambda w: reverse("volunteers:leaderboard", args=["C1"]),
        ("by", "page"),
    ),
    ListPage("rewards", "resident", lambda w: reverse("volunteers:reward_list"), ("all", "page")),
    ListPage(
        "talent pool",
        "community_staff",
        lambda w: reverse("volunteers:skill_list"),
        ("query", "area", "page"),
    ),
    ListPage(
        "room week",
        "resident",
        lambda w: reverse("communities:space_detail", args=[w.room.pk]),
        ("from",),
    ),
    ListPage(
        "report form",
        "resident",
        lambda w: reverse("deliberation:report_issue"),
        ("area", "visit", "via"),
    ),
    ListPage(
        "similar issues",
        "resident",
        lambda w: reverse("deliberation:similar_issues"),
        ("title", "area"),
    ),
    ListPage(
        "poll form from a topic",
        "community_staff",
        lambda w: reverse("deliberation:poll_create", args=["C1"]),
        ("topic",),
    ),
    ListPage(
        "commitment form",
        "firm_staff",
        lambda w: reverse("deliberation:organization_commitment_new", args=[w.firm.pk]),
        ("q", "area", "issues"),
    ),
    ListPage(
        "household claim",
        "stranger",
        lambda w: reverse("communities:household_claim"),
        ("community",),
    ),
    ListPage(
        "invitation", "stranger", lambda w: reverse("communities:invitation_claim"), ("code",)
    ),
    ListPage(
        "API issues",
        None,
        lambda w: "/api/v1/issues/",
        (
            "q",
            "status",
            "lane",
            "category",
            "channel",
            "assigned_to",
            "overdue",
            "area",
            "submitted_after",
            "submitted_before",
            "page",
            "page_size",
            *ORDER,
        ),
    ),
    ListPage("API areas", None, lambda w: "/api/v1/areas/", ("under", "level", "page")),
    ListPage("API notices", None, lambda w: "/api/v1/notices/", ("board", "page")),
    ListPage(
        "API commitments",
        None,
        lambda w: "/api/v1/commitments/",
        ("area", "status", "page", *ORDER),
    ),
    ListPage("API funnel", None, lambda w: "/api/v1/funnel/C1/", ("period",)),
    ListPage(
        "Open311 requests",
        None,
        lambda w: "/open311/v2/requests.json",
        (
            "service_request_id",
            "service_code",
            "status",
            "start_date",
            "end_date",
            "api_key",
            "page",
        ),
    ),
]


def _check(client, url: str, query: dict, kind: str) -> None:
    registry.tried(kind)
    response = client.get(url, query)
    assert response.status_code < 500, (query, response.status_code)
    assert response.status_code in (200, 302, 400, 403, 404, 429), (query, response.status_code)


@pytest.mark.parametrize("list_page", LIST_PAGES, ids=repr)
def test_hostile_parameters_are_ignored_or_refused_never_a_server_error(client, world, list_page):
    if list_page.user:
        client.force_login(getattr(world.people, list_page.user))
    url = list_page.url(world)
    assert client.get(url).status_code == 200, "the page itself answers"
    kind = f"parameters: {list_page.name}"
    for name in list_page.params:
        for value in HOSTILE_VALUES:
            _check(client, url, {name: value}, kind)
        for values in REPEATED:
            _check(client, url, {name: values}, kind)
    for name in UNKNOWN:
        for value in UNKNOWN_VALUES:
            _check(client, url, {name: value}, kind)
    # Every parameter hostile at once.
    _check(client, url, dict.fromkeys(list_page.params, "' OR 1=1 --\x00"), kind)


BUSIEST = [page for page in LIST_PAGES if page.name in ("staff queue", "API issues")]
query_value = st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE_VALUES))


@pytest.mark.parametrize("list_page", BUSIEST, ids=repr)
def test_hypothesis_writes_whole_query_strings(client, world, list_page):
    if list_page.user:
        client.force_login(getattr(world.people, list_page.user))
    url = list_page.url(world)

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.dictionaries(
            st.sampled_from([*list_page.params, *UNKNOWN]),
            st.one_of(query_value, st.lists(query_value, min_size=2, max_size=4)),
            max_size=6,
        )
    )
    def get(query):
        _check(client, url, query, f"query strings: {list_page.name}")

    get()


@pytest.mark.parametrize(
    ("url", "content_type", "marker"),
    [
        ("/areas/C1/notices/?kind=%00", "text/html", "NUL"),
        ("/api/v1/areas/?under=C1%00", "application/json", '"detail"'),
        ("/open311/v2/requests.json?service_code=%00", "application/json", '"code": 400'),
        ("/open311/v2/requests.xml?service_code=%00", "text/xml", "<errors><error><code>400"),
        ("/open311/v2/tokens/a%00b.json", "application/json", '"code": 400'),
    ],
)
def test_a_nul_byte_in_the_address_is_a_400_in_the_callers_format(
    client, world, url, content_type, marker
):
    registry.tried("parameters: NUL in the address")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(content_type)
    assert marker in response.content.decode()
