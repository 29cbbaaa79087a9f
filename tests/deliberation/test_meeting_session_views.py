"""The session and minutes pages: who sees the desk, ballots through the buttons, every bad
input a 4xx that stores nothing, and nothing of what was chosen shown while a vote is open."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Notice
from deliberation import services
from deliberation.counting import Rule
from deliberation.models import Minutes, Motion, MotionReceipt, Party, Resolution
from tests.deliberation.meeting_fixtures import owned_home

pytestmark = pytest.mark.django_db
P = Party


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def in_session(table):
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    for rep in table.reps.values():
        services.record_attendance(meeting=table.meeting, person=rep, by=table.clerk)
    return table


def session_url(table):
    return reverse("deliberation:meeting_session", args=[table.meeting.pk])


def open_motion(table, title="更换全部路灯", **kwargs):
    motion = services.propose_motion(agenda_item=table.item, title=title, by=table.clerk, **kwargs)
    return services.open_vote(motion=motion, by=table.clerk)


def test_the_organisers_see_the_desk_and_others_only_the_parties_present(client, in_session):
    client.force_login(in_session.clerk)
    desk = client.get(session_url(in_session)).content.decode()
    client.force_login(in_session.reps[P.PROPERTY_FIRM])
    public = client.get(session_url(in_session)).content.decode()

    assert "Close the meeting" in desk and "Note an observer" in desk
    assert "Close the meeting" not in public and "Note an observer" not in public
    assert in_session.reps[P.RESIDENTS].full_name in desk
    assert in_session.reps[P.RESIDENTS].full_name not in public
    assert "Every party at the table is present." in public


def test_a_representative_votes_with_a_button_and_a_second_press_is_refused(client, in_session):
    motion = open_motion(in_session)
    client.force_login(in_session.reps[P.RESIDENTS])

    first = client.post(reverse("deliberation:motion_vote", args=[motion.pk]), {"choice": "yes"})
    second = client.post(reverse("deliberation:motion_vote", args=[motion.pk]), {"choice": "no"})

    assert first.status_code == 302
    assert second.status_code == 400
    assert "already voted" in second.content.decode()
    assert MotionReceipt.objects.filter(motion=motion).count() == 1


def test_a_ballot_with_an_unknown_choice_is_a_400_and_stores_nothing(client, in_session):
    motion = open_motion(in_session)
    client.force_login(in_session.reps[P.RESIDENTS])

    response = client.post(reverse("deliberation:motion_vote", args=[motion.pk]), {"choice": "x"})

    assert response.status_code == 400
    assert not MotionReceipt.objects.exists()


def test_someone_outside_the_electorate_is_refused_with_a_403(client, in_session, people):
    motion = open_motion(in_session)
    client.force_login(people.stranger)

    response = client.post(reverse("deliberation:motion_vote", args=[motion.pk]), {"choice": "yes"})

    assert response.status_code == 403
    assert "representatives present" in response.content.decode()
    assert not MotionReceipt.objects.exists()


def test_nobody_sees_a_running_tally_not_even_a_superuser(client, in_session, admin_user):
    motion = open_motion(in_session)
    for party in (P.RESIDENTS, P.OWNERS_COMMITTEE):
        services.cast_motion_ballot(motion=motion, voter=in_session.reps[party], choice="yes")
    services.cast_motion_ballot(motion=motion, voter=in_session.reps[P.PROPERTY_FIRM], choice="no")
    client.force_login(admin_user)

    pages = [
        client.get(session_url(in_session)).content.decode(),
        client.get(reverse("deliberation:motion_detail", args=[motion.pk])).content.decode(),
    ]

    for body in pages:
        assert "3 of 5 ballots in" in body
        assert "tally" not in body
        assert "Who voted what" not in body
        assert "Passed" not in body and "Not passed" not in body
        assert "open-ballots" not in body and "reason" not in body
        assert "Your ballot is in." not in body  # the superuser did not vote


def test_the_result_page_shows_the_tally_the_decision_and_who_voted_what(client, in_session):
    motion = open_motion(in_session)
    for rep in in_session.reps.values():
        services.cast_motion_ballot(motion=motion, voter=rep, choice="yes")
    services.close_vote(motion=motion, by=in_session.clerk)

    body = client.get(reverse("deliberation:motion_detail", args=[motion.pk])).content.decode()
    client.force_login(in_session.clerk)
    desk = client.get(reverse("deliberation:motion_detail", args=[motion.pk])).content.decode()

    firm_rep = in_session.reps[P.PROPERTY_FIRM]
    assert "Passed: 5 of the 5 ballots cast are yes, more than half." in body
    assert "Who voted what" in body
    assert f"{in_session.parties[P.PROPERTY_FIRM]} · {firm_rep.masked_name}: yes" in body
    assert firm_rep.full_name not in body
    assert firm_rep.full_name in desk


def test_an_owners_motion_by_person_is_a_400_and_stores_nothing(client, in_session):
    client.force_login(in_session.clerk)

    response = client.post(
        reverse("deliberation:motion_new", args=[in_session.meeting.pk, in_session.item.pk]),
        {"title": "续聘物业", "rule": Rule.OWNERS_ORDINARY, "voting_unit": "person"},
    )

    assert response.status_code == 400
    assert "choose one vote per household" in response.content.decode()
    assert not Motion.objects.exists()


def test_only_the_organisers_open_a_vote(client, in_session):
    motion = services.propose_motion(agenda_item=in_session.item, title="议案", by=in_session.clerk)
    client.force_login(in_session.reps[P.PROPERTY_FIRM])

    response = client.post(reverse("deliberation:motion_act", args=[motion.pk, "open"]))

    assert response.status_code == 403
    motion.refresh_from_db()
    assert motion.status == Motion.Status.DRAFT


def test_counting_staff_enter_a_households_paper_ballot(client, in_session, tree, people):
    home, _ = owned_home(tree.B2, "60.00", "owner-b", by=people.community_staff)
    motion = open_motion(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit="household")
    client.force_login(in_session.clerk)
    url = reverse("deliberation:motion_paper", args=[motion.pk])

    entered = client.post(url, {"household": home.pk, "choice": "yes"})
    twice = client.post(url, {"household": home.pk, "choice": "no"})

    assert entered.status_code == 302
    assert twice.status_code == 400
    receipt = MotionReceipt.objects.get(motion=motion)
    assert (receipt.household, receipt.on_paper, receipt.entered_by) == (
        home,
        True,
        in_session.clerk,
    )


def test_a_walk_in_observer_is_noted_by_mobile_number(client, in_session, people):
    client.force_login(in_session.clerk)
    number = people.stranger.phone.removeprefix("+86")

    response = client.post(
        reverse("deliberation:meeting_session_attendance", args=[in_session.meeting.pk]),
        {"who": number},
    )
    unknown = client.post(
        reverse("deliberation:meeting_session_attendance", args=[in_session.meeting.pk]),
        {"who": "nobody-here"},
    )

    assert response.status_code == 302
    assert unknown.status_code == 400
    assert services.quorum_of(in_session.meeting).observers == 1


def _queries_for(client, user, url, django_assert_max_num_queries) -> int:
    client.force_login(user)
    with django_assert_max_num_queries(60) as counted:
        assert client.get(url).status_code == 200
    return len(counted.captured_queries)


@pytest.mark.parametrize("who", ["clerk", "representative", "owner"])
def test_the_session_page_costs_the_same_queries_with_more_open_votes(
    client, in_session, tree, people, who, django_assert_max_num_queries
):
    _, owner = owned_home(tree.B2, "60.00", "owner-b", by=people.community_staff)
    user = {"clerk": in_session.clerk, "representative": people.firm_staff, "owner": owner}[who]
    open_motion(in_session)
    open_motion(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit="household")
    services.cast_motion_ballot(motion=Motion.objects.last(), voter=owner, choice="yes")
    few = _queries_for(client, user, session_url(in_session), django_assert_max_num_queries)

    for number in range(3):
        open_motion(in_session, voting_unit="party", title=f"议案{number}")
        open_motion(
            in_session, rule=Rule.OWNERS_ORDINARY, voting_unit="household", title=f"户{number}"
        )
        services.propose_motion(
            agenda_item=in_session.item, title=f"草案{number}", by=in_session.clerk
        )
    many = _queries_for(client, user, session_url(in_session), django_assert_max_num_queries)

    assert many == few


def test_the_minutes_page_costs_the_same_queries_with_more_resolutions(
    client, in_session, django_assert_max_num_queries
):
    services.write_minutes(meeting=in_session.meeting, body="纪要", by=in_session.clerk)

    def resolve(number):
        services.record_resolution(
            meeting=in_session.meeting,
            text=f"决议{number}",
            responsible=in_session.parties[P.PROPERTY_FIRM].organization,
            due_on=timezone.localdate() + datetime.timedelta(days=14),
            by=in_session.clerk,
        )

    resolve(0)
    few = _queries_for(
        client, in_session.clerk, minutes_url(in_session), django_assert_max_num_queries
    )
    for number in range(1, 6):
        resolve(number)
    many = _queries_for(
        client, in_session.clerk, minutes_url(in_session), django_assert_max_num_queries
    )

    assert many == few


# --- Minutes ---------------------------------------------------------------------------------


def minutes_url(table, action=None):
    if action:
        return reverse("deliberation:minutes_act", args=[table.meeting.pk, action])
    return reverse("deliberation:minutes_detail", args=[table.meeting.pk])


def test_the_minutes_go_from_writing_to_the_notice_board(client, in_session):
    services.close_meeting(meeting=in_session.meeting, by=in_session.clerk)
    client.force_login(in_session.clerk)

    assert client.post(minutes_url(in_session), {"body": "一、路灯"}).status_code == 302
    assert client.post(minutes_url(in_session, "publish")).status_code == 400
    assert client.post(minutes_url(in_session, "submit")).status_code == 302
    for party, rep in in_session.reps.items():
        client.force_login(rep)
        page = client.get(minutes_url(in_session)).content.decode()
        assert "Confirm for" in page
        response = client.post(
            minutes_url(in_session, "confirm"), {"party": in_session.parties[party].pk}
        )
        assert response.status_code == 302
    client.force_login(in_session.clerk)
    assert client.post(minutes_url(in_session, "publish")).status_code == 302

    assert Notice.objects.get(kind=Notice.Kind.MINUTES).body == "一、路灯"
    client.logout()
    assert "一、路灯" in client.get(minutes_url(in_session)).content.decode()


def test_unpublished_minutes_are_not_shown_to_the_public(client, in_session):
    services.write_minutes(meeting=in_session.meeting, body="草稿内容", by=in_session.clerk)

    assert "草稿内容" not in client.get(minutes_url(in_session)).content.decode()


def test_empty_minutes_are_a_400_and_store_nothing(client, in_session):
    client.force_login(in_session.clerk)

    response = client.post(minutes_url(in_session), {"body": "   "})

    assert response.status_code == 400
    assert not Minutes.objects.exists()


def test_a_resolution_due_in_the_past_is_a_400_with_the_reason(client, in_session):
    client.force_login(in_session.clerk)

    response = client.post(
        reverse("deliberation:minutes_resolution", args=[in_session.meeting.pk]),
        {
            "text": "更换路灯",
            "responsible": in_session.parties[P.PROPERTY_FIRM].organization_id,
            "due_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert not Resolution.objects.exists()
