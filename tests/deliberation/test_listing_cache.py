"""The public issue lists' rows come from the shared cache, and every committed change to an
issue shows on the next read."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliberation import services


@pytest.fixture(autouse=True)
def shared_list_cache(settings):
    settings.PUBLIC_LIST_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _read(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_the_second_reader_gets_the_list_without_its_queries(client, tree, report):
    report(title="小区路灯不亮")
    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url).content.decode()
    assert "小区路灯不亮" in first and second.count("小区路灯不亮") == first.count("小区路灯不亮")
    sent = " ".join(query["sql"] for query in second_queries.captured_queries)
    assert "deliberation_issue" not in sent  # the rows
    assert second_queries.captured_queries  # the area itself is still looked up (404 if none)


def test_a_new_report_and_each_step_show_on_the_next_read(
    client, tree, people, report, django_capture_on_commit_callbacks
):
    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    with django_capture_on_commit_callbacks(execute=True):
        issue = report(title="楼道灯坏了")
    assert "楼道灯坏了" in _read(client, url)[0]

    with django_capture_on_commit_callbacks(execute=True):
        report(title="垃圾没人收")
    assert "垃圾没人收" in _read(client, url)[0]

    before = _read(client, url, status="open")[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_issue(issue=issue, by=people.owners_member)
    after = _read(client, url, status="open")[0]
    assert before.count("status-accepted") == 0 and after.count("status-accepted") == 1


def test_a_me_too_shows_on_the_next_read(
    client, tree, people, report, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    with django_capture_on_commit_callbacks(execute=True):
        issue = report(title="电梯停了")
    neighbour = UserFactory()
    households_b1 = people.resident.residencies.get().household
    households_b1.residencies.create(user=neighbour, relation="family", status="verified")
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "电梯停了" in before and "has it too" not in before
    with django_capture_on_commit_callbacks(execute=True):
        services.support_issue(issue=issue, by=neighbour)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 neighbour has it too" in page


def test_the_rows_change_only_once_the_change_is_committed(client, tree, report):
    """The bump runs on commit: a change still inside its transaction (this test's, which never
    commits) does not empty the cache, so nobody can be shown rows that may be rolled back."""
    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    report(title="旧的问题")  # the test's transaction never commits: no on_commit runs
    first = _read(client, url)[0]
    report(title="新的问题")
    assert "新的问题" not in _read(client, url)[0]
    assert "旧的问题" in first


def test_searches_and_other_parameters_are_not_cached(client, tree, report):
    report(title="小区路灯不亮")
    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    _, first = _read(client, url, q="路灯")
    _, second = _read(client, url, q="路灯")
    _, odd_first = _read(client, url, utm="poster")
    _, odd_second = _read(client, url, utm="poster")
    assert first == second and odd_first == odd_second


def test_without_a_shared_cache_nothing_is_kept(client, tree, report, settings):
    settings.PUBLIC_LIST_CACHE_SECONDS = 0
    report(title="小区路灯不亮")
    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    assert _read(client, url)[1] == _read(client, url)[1]
