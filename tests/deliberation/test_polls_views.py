"""Poll pages as people use them: the ballot, "you voted", the result with bars and a table;
no count anywhere before the close, not even in the admin; bad input answered, not a 500."""

import datetime
import re
import uuid

import pytest
from django.contrib import admin
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from communities import services as communities_services
from communities.models import Notice, Residency
from deliberation import services
from deliberation.models import Poll, PollChoice, PollOption, PollReceipt
from tests.factories import UserFactory

NAMES = ["嘉定小院", "幸福里", "桂香苑", "和美家园", "同心苑"]


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Messages are asserted as written in the code (English); the portal's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def make_poll(tree, people):
    committee = people.owners_member.memberships.get().organization

    def make(**overrides):
        fields = {
            "organization": committee,
            "area": tree.K1,
            "title": "小区更名：请选出新名字",
            "options": NAMES,
            "closes_at": timezone.now() + datetime.timedelta(days=7),
            "by": people.owners_member,
        }
        fields.update(overrides)
        return services.create_poll(**fields)

    return make


def _option(poll, label) -> PollOption:
    return PollOption.objects.get(poll=poll, label=label)


def _vote(client, poll, *labels):
    return client.post(
        reverse("deliberation:poll_vote", args=[poll.pk]),
        {"options": [_option(poll, label).pk for label in labels]},
    )


def _closed(poll, monkeypatch) -> Poll:
    later = poll.closes_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    services.close_due_polls()
    poll.refresh_from_db()
    return poll


def test_a_resident_votes_and_sees_that_they_voted_but_no_count(client, make_poll, people):
    poll = make_poll()
    client.force_login(people.resident)
    page = client.get(poll.get_absolute_url()).content.decode()
    assert 'type="radio"' in page and "嘉定小院" in page

    response = _vote(client, poll, "幸福里")
    assert response.status_code == 302 and response["Location"] == poll.get_absolute_url()
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "You voted on" in page
    assert 'type="radio"' not in page
    assert "bar-fill" not in page and "ballots cast" not in page


def test_voting_twice_by_form_is_answered_with_a_message_and_counts_once(client, make_poll, people):
    poll = make_poll()
    client.force_login(people.resident)
    _vote(client, poll, "幸福里")
    response = _vote(client, poll, "桂香苑")
    assert response.status_code == 400
    assert "You have already voted in this poll." in response.content.decode()
    assert PollChoice.objects.filter(poll=poll).count() == 1


def test_someone_not_eligible_gets_a_403_with_the_reason(client, make_poll, people):
    poll = make_poll()
    client.force_login(people.stranger)
    assert (
        "Only verified residents of 幸福家园"
        in client.get(poll.get_absolute_url()).content.decode()
    )
    response = _vote(client, poll, "幸福里")
    assert response.status_code == 403
    assert "Only verified residents of 幸福家园 may vote in this poll." in response.content.decode()
    assert not PollReceipt.objects.exists()


def test_a_ballot_after_the_close_is_refused_with_a_message(client, make_poll, people, monkeypatch):
    poll = make_poll()
    later = poll.closes_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.force_login(people.resident)
    response = _vote(client, poll, "幸福里")
    assert response.status_code == 400
    assert "ballots are no longer taken" in response.content.decode()
    assert not PollReceipt.objects.exists()


@pytest.mark.parametrize("posted", [{}, {"options": ["abc"]}, {"options": ["999999999999"]}])
def test_a_ballot_without_a_valid_option_is_answered_400(client, make_poll, people, posted):
    poll = make_poll()
    client.force_login(people.resident)
    response = client.post(reverse("deliberation:poll_vote", args=[poll.pk]), posted)
    assert response.status_code == 400
    assert not PollReceipt.objects.exists()


def test_an_option_of_another_poll_is_not_accepted(client, make_poll, people):
    poll = make_poll()
    other = make_poll(title="健身器材放在哪里", options=["中心花园", "东门广场"])
    client.force_login(people.resident)
    response = client.post(
        reverse("deliberation:poll_vote", args=[poll.pk]),
        {"options": [_option(other, "中心花园").pk]},
    )
    assert response.status_code == 400
    assert not PollReceipt.objects.exists()


def test_the_second_resident_of_a_household_reads_that_it_has_voted(
    client, make_poll, people, tree, households, admin_user
):
    spouse = UserFactory()
    claim = communities_services.claim_household(
        user=spouse,
        community=tree.C1,
        building=households["B1"].building,
        unit=households["B1"].unit,
        room=households["B1"].room,
        relation=Residency.Relation.FAMILY,
    )
    communities_services.verify_residency(residency=claim, by=admin_user)
    poll = make_poll(voting_unit=Poll.VotingUnit.HOUSEHOLD)
    client.force_login(people.resident)
    _vote(client, poll, "幸福里")
    client.force_login(spouse)
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "Your household has voted" in page and 'type="radio"' not in page
    response = _vote(client, poll, "桂香苑")
    assert response.status_code == 400
    assert "Your household has already voted in this poll." in response.content.decode()


def test_after_the_close_the_result_shows_as_bars_and_a_table_without_inline_style(
    client, make_poll, people, monkeypatch
):
    poll = make_poll()
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    poll = _closed(poll, monkeypatch)
    page = client.get(poll.get_absolute_url()).content.decode()
    assert page.count('class="bar-fill" width="100"') == 1
    assert page.count('class="bar-fill" width="0"') == len(NAMES) - 1
    assert '<th scope="row">幸福里 (most votes)</th><td>1</td><td>100%</td>' in page
    assert "style=" not in page
    notice = Notice.objects.get(source_key=f"poll-{poll.pk}-result")
    board = client.get(reverse("communities:area_notices", args=[poll.area.code])).content.decode()
    assert notice.title in board


def test_the_admin_shows_no_count_before_the_close_and_no_ballots_at_all(
    client, make_poll, people, admin_user, monkeypatch
):
    poll = make_poll()
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    assert not admin.site.is_registered(PollChoice)
    assert not admin.site.is_registered(PollReceipt)
    client.force_login(admin_user)

    def votes_column():
        page = client.get(reverse("admin:deliberation_poll_change", args=[poll.pk])).content
        return re.findall(r'<td class="field-votes">\s*<p>(.*?)</p>', page.decode())

    assert votes_column() == ["-"] * len(NAMES)
    poll = _closed(poll, monkeypatch)
    assert votes_column() == ["0", "1", "0", "0", "0"]


def test_the_organiser_creates_a_poll_from_the_form(client, people, tree):
    client.force_login(people.owners_member)
    url = reverse("deliberation:poll_create", args=[tree.K1.code])
    assert client.get(url).status_code == 200
    closes = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "organization": people.owners_member.memberships.get().organization_id,
        "title": "小区更名：请选出新名字",
        "options": "嘉定小院\n幸福里\n\n桂香苑\n",
        "max_choices": "1",
        "voting_unit": "household",
        "closes_at": closes,
        "submission_key": str(uuid.uuid4()),
    }
    response = client.post(url, form)
    poll = Poll.objects.get()
    assert response.status_code == 302 and response["Location"] == poll.get_absolute_url()
    assert [option.label for option in poll.options.all()] == ["嘉定小院", "幸福里", "桂香苑"]
    assert poll.per_household
    client.post(url, form)
    assert Poll.objects.count() == 1


def test_a_poll_with_one_option_is_answered_400_and_nothing_is_stored(client, people, tree):
    client.force_login(people.owners_member)
    closes = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("deliberation:poll_create", args=[tree.K1.code]),
        {
            "organization": people.owners_member.memberships.get().organization_id,
            "title": "小区更名",
            "options": "嘉定小院",
            "max_choices": "1",
            "voting_unit": "resident",
            "closes_at": closes,
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert "A poll needs at least two options to choose from." in response.content.decode()
    assert not Poll.objects.exists()


@pytest.mark.parametrize("role", ["resident", "stranger", "firm_staff"])
def test_only_organisations_acting_in_the_place_get_the_form(client, people, tree, role):
    client.force_login(getattr(people, role))
    response = client.get(reverse("deliberation:poll_create", args=[tree.K2.code]))
    assert response.status_code == 403


def test_the_organiser_closes_early_and_the_result_is_published(client, make_poll, people):
    poll = make_poll()
    client.force_login(people.resident)
    assert client.post(reverse("deliberation:poll_close", args=[poll.pk])).status_code == 302
    assert not Notice.objects.exists()
    client.force_login(people.owners_member)
    client.post(reverse("deliberation:poll_close", args=[poll.pk]))
    assert Notice.objects.filter(source_key=f"poll-{poll.pk}-result").exists()


def test_a_poll_not_yet_open_is_a_404_for_the_public(client, make_poll, people):
    opens_at = timezone.now() + datetime.timedelta(days=2)
    poll = make_poll(opens_at=opens_at, closes_at=opens_at + datetime.timedelta(days=7))
    assert client.get(poll.get_absolute_url()).status_code == 404
    client.force_login(people.owners_member)
    assert client.get(poll.get_absolute_url()).status_code == 200


def test_the_polls_list_costs_the_same_queries_for_few_and_many_polls(
    client, make_poll, people, tree
):
    def count():
        with CaptureQueriesContext(__import__("django.db").db.connection) as queries:
            response = client.get(reverse("deliberation:area_polls", args=[tree.K1.code]))
            assert response.status_code == 200
        return len(queries)

    def add_polls(number: int) -> None:
        for n in range(number):
            make_poll(title=f"开放{number}-{n}")
            make_poll(
                title=f"将来{number}-{n}", opens_at=timezone.now() + datetime.timedelta(days=1)
            )
            closed = make_poll(title=f"已结束{number}-{n}")
            services.close_poll(poll=closed, by=people.owners_member)

    client.force_login(people.owners_member)
    add_polls(1)
    few = count()
    add_polls(10)
    assert count() == few


def test_the_area_page_links_to_its_polls_and_topics(client, tree):
    page = client.get(tree.K1.get_absolute_url()).content.decode()
    assert reverse("deliberation:area_polls", args=[tree.K1.code]) in page
    assert reverse("deliberation:area_topics", args=[tree.K1.code]) in page


def test_the_vote_of_an_anonymous_visitor_goes_to_the_login(client, make_poll):
    poll = make_poll()
    response = _vote(client, poll, "幸福里")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PollReceipt.objects.exists()
    assert "Log in to vote" in client.get(poll.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "query", [{"page": "abc"}, {"page": "999999"}, {"page": "-1"}, {"page": "1" * 40}]
)
def test_hostile_list_queries_get_an_answer_not_a_server_error(client, make_poll, tree, query):
    make_poll()
    for name in ("area_polls", "area_topics"):
        response = client.get(reverse(f"deliberation:{name}", args=[tree.K1.code]), query)
        assert response.status_code == 200


@pytest.mark.parametrize("topic", ["abc", "0", "9" * 30, "-1"])
def test_a_hostile_topic_in_the_poll_form_gets_an_answer(client, people, tree, topic):
    client.force_login(people.owners_member)
    response = client.get(
        reverse("deliberation:poll_create", args=[tree.K1.code]), {"topic": topic}
    )
    assert response.status_code in {200, 404}
