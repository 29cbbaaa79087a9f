"""Polls through their services: who may vote, once, secretly; nothing counted before the close;
the result stored, published and told. Bad input is refused whole, with a message."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities import services as communities_services
from communities.models import Area, Notice, NoticeDelivery, Notification, Residency
from deliberation import services
from deliberation.models import Poll, PollChoice, PollOption, PollReceipt
from tests.factories import HouseholdFactory, UserFactory

NAMES = ["嘉定小院", "幸福里", "桂香苑", "和美家园", "同心苑"]


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Messages are asserted as written in the code (English); the portal's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def clock(monkeypatch):
    """Moves "now" forward for the services: `clock.travel(days=8)`."""

    class Clock:
        def travel(self, **delta) -> datetime.datetime:
            later = timezone.now() + datetime.timedelta(**delta)
            monkeypatch.setattr(timezone, "now", lambda: later)
            return later

    return Clock()


@pytest.fixture
def owners_committee(people):
    return people.owners_member.memberships.get().organization


@pytest.fixture
def new_resident(tree, admin_user):
    """A verified resident of a new household in `building` (or of `household`)."""

    def make(building=None, *, household=None, relation=Residency.Relation.OWNER):
        household = household or HouseholdFactory(building=building or tree.B1)
        building = household.building
        community = Area.objects.get(path=building.path[: 4 * Area.Level.COMMUNITY])
        user = UserFactory()
        claim = communities_services.claim_household(
            user=user,
            community=community,
            building=building,
            unit=household.unit,
            room=household.room,
            relation=relation,
        )
        communities_services.verify_residency(residency=claim, by=admin_user)
        return user

    return make


@pytest.fixture
def make_poll(tree, people, owners_committee):
    """A poll of K1's owners' committee on the compound's new name, open for a week."""

    def make(**overrides):
        fields = {
            "organization": owners_committee,
            "area": tree.K1,
            "title": "小区更名：请选出新名字",
            "options": NAMES,
            "closes_at": timezone.now() + datetime.timedelta(days=7),
            "by": people.owners_member,
        }
        fields.update(overrides)
        return services.create_poll(**fields)

    return make


def _option(poll, label):
    return PollOption.objects.get(poll=poll, label=label)


def _nothing_stored(poll):
    return not PollReceipt.objects.filter(poll=poll).exists() and not (
        PollChoice.objects.filter(poll=poll).exists()
    )


# --- Creating --------------------------------------------------------------------------------


def test_a_poll_on_five_names_opens_now_and_tells_every_eligible_resident_once(
    make_poll, people, new_resident, tree, django_capture_on_commit_callbacks
):
    neighbour = new_resident(tree.B2)
    elsewhere = new_resident(tree.B5)
    with django_capture_on_commit_callbacks(execute=True):
        poll = make_poll()
        assert not Notification.objects.exists(), "told only once the poll is committed"
    poll.refresh_from_db()
    assert [option.label for option in poll.options.all()] == NAMES
    assert poll.is_open and poll.announced_at is not None
    told = set(
        Notification.objects.filter(key=f"poll-{poll.pk}-open").values_list("user", flat=True)
    )
    assert told == {people.resident.pk, neighbour.pk}
    assert elsewhere.pk not in told

    assert services.announce_poll(poll=poll) == 0
    assert Notification.objects.filter(key=f"poll-{poll.pk}-open").count() == 2


def test_a_poll_with_one_option_is_refused_with_a_message(make_poll):
    with pytest.raises(ValidationError) as refused:
        make_poll(options=["嘉定小院", "  "])
    assert refused.value.message_dict["options"] == [
        "A poll needs at least two options to choose from."
    ]
    assert not Poll.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"options": ["幸福里", "幸福里", "桂香苑"]}, "options"),
        ({"options": ["幸福里", "长" * 101]}, "options"),
        ({"max_choices": 6}, "max_choices"),
        ({"max_choices": 0}, "max_choices"),
        ({"title": "  "}, "title"),
        ({"closes_at": timezone.now() - datetime.timedelta(minutes=1)}, "closes_at"),
        ({"opens_at": timezone.now() - datetime.timedelta(days=1)}, "opens_at"),
        ({"voting_unit": "building"}, "voting_unit"),
    ],
)
def test_bad_polls_are_refused_whole(make_poll, overrides, field):
    with pytest.raises(ValidationError) as refused:
        make_poll(**overrides)
    assert field in refused.value.message_dict
    assert not Poll.objects.exists() and not PollOption.objects.exists()


def test_a_poll_closing_before_it_opens_is_refused(make_poll):
    opens_at = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        make_poll(opens_at=opens_at, closes_at=opens_at - datetime.timedelta(hours=1))
    assert refused.value.message_dict["closes_at"] == ["A poll must close after it opens."]


def test_only_members_run_polls_and_only_where_their_organisation_acts(
    make_poll, people, tree, owners_committee
):
    with pytest.raises(PermissionDenied):
        make_poll(by=people.resident)
    with pytest.raises(ValidationError) as elsewhere:
        make_poll(area=tree.K2)
    assert "area" in elsewhere.value.message_dict
    assert not Poll.objects.exists()


def test_a_double_submit_makes_one_poll(make_poll):
    key = uuid.uuid4()
    assert make_poll(submission_key=key).pk == make_poll(submission_key=key).pk
    assert Poll.objects.count() == 1 and PollOption.objects.count() == len(NAMES)


def test_a_poll_opening_later_is_announced_when_its_time_comes(make_poll, people, clock):
    opens_at = timezone.now() + datetime.timedelta(days=1)
    poll = make_poll(opens_at=opens_at, closes_at=opens_at + datetime.timedelta(days=7))
    assert poll.announced_at is None
    assert services.announce_due_polls() == []
    clock.travel(days=1, minutes=1)
    assert services.announce_due_polls() == [poll.pk]
    assert services.announce_due_polls() == []
    assert Notification.objects.filter(user=people.resident, key=f"poll-{poll.pk}-open").exists()


# --- Voting ----------------------------------------------------------------------------------


def test_a_ballot_is_a_receipt_and_a_choice_that_do_not_name_each_other(make_poll, people):
    poll = make_poll()
    receipt = services.cast_ballot(
        poll=poll, voter=people.resident, options=[_option(poll, "幸福里")]
    )
    assert receipt.voter == people.resident and receipt.household is None
    choice = PollChoice.objects.get(poll=poll)
    assert choice.option.label == "幸福里"
    assert {field.name for field in PollChoice._meta.get_fields()} == {"id", "poll", "option"}
    assert isinstance(choice.pk, uuid.UUID)


def test_voting_twice_is_refused_and_counts_once(make_poll, people):
    poll = make_poll()
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    with pytest.raises(ValidationError) as twice:
        services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "桂香苑")])
    assert twice.value.messages == ["You have already voted in this poll."]
    assert PollReceipt.objects.filter(poll=poll).count() == 1
    assert PollChoice.objects.filter(poll=poll).count() == 1


def test_per_household_the_first_resident_to_vote_votes_for_the_household(
    make_poll, people, households, new_resident
):
    spouse = new_resident(household=households["B1"], relation=Residency.Relation.FAMILY)
    poll = make_poll(voting_unit=Poll.VotingUnit.HOUSEHOLD)
    receipt = services.cast_ballot(
        poll=poll, voter=people.resident, options=[_option(poll, "幸福里")]
    )
    assert receipt.household == households["B1"]
    with pytest.raises(ValidationError) as refused:
        services.cast_ballot(poll=poll, voter=spouse, options=[_option(poll, "桂香苑")])
    assert refused.value.messages == ["Your household has already voted in this poll."]
    assert PollReceipt.objects.filter(poll=poll).count() == 1
    assert PollChoice.objects.filter(poll=poll).count() == 1


def test_per_resident_two_residents_of_one_household_each_vote(
    make_poll, people, households, new_resident
):
    spouse = new_resident(household=households["B1"], relation=Residency.Relation.FAMILY)
    poll = make_poll()
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    services.cast_ballot(poll=poll, voter=spouse, options=[_option(poll, "桂香苑")])
    assert PollReceipt.objects.filter(poll=poll).count() == 2


@pytest.mark.parametrize("who", ["stranger", "community_staff", "grid_worker", "elsewhere"])
def test_someone_not_eligible_is_refused_and_nothing_is_stored(
    make_poll, people, tree, new_resident, who
):
    voter = new_resident(tree.B3) if who == "elsewhere" else getattr(people, who)
    poll = make_poll()
    with pytest.raises(PermissionDenied) as refused:
        services.cast_ballot(poll=poll, voter=voter, options=[_option(poll, "幸福里")])
    assert str(refused.value) == "Only verified residents of 幸福家园 may vote in this poll."
    assert _nothing_stored(poll)


def test_a_pending_claim_does_not_give_a_vote(make_poll, tree, households):
    claimant = UserFactory()
    communities_services.claim_household(
        user=claimant, community=tree.C1, building=tree.B1, unit="1", room="101", relation="owner"
    )
    poll = make_poll()
    with pytest.raises(PermissionDenied):
        services.cast_ballot(poll=poll, voter=claimant, options=[_option(poll, "幸福里")])
    assert _nothing_stored(poll)


def test_owners_only_polls_refuse_tenants(make_poll, people, tree, new_resident):
    tenant = new_resident(tree.B2, relation=Residency.Relation.TENANT)
    poll = make_poll(owners_only=True)
    with pytest.raises(PermissionDenied) as refused:
        services.cast_ballot(poll=poll, voter=tenant, options=[_option(poll, "幸福里")])
    assert "owners" in str(refused.value)
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    assert PollReceipt.objects.filter(poll=poll).count() == 1


def test_a_ballot_before_the_poll_opens_or_after_it_closes_is_refused(make_poll, people, clock):
    opens_at = timezone.now() + datetime.timedelta(days=1)
    poll = make_poll(opens_at=opens_at, closes_at=opens_at + datetime.timedelta(days=7))
    with pytest.raises(ValidationError) as early:
        services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    assert early.value.code == "not_open"
    clock.travel(days=9)
    with pytest.raises(ValidationError) as late:
        services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    assert late.value.code == "closed"
    assert "no longer" in late.value.messages[0]
    assert _nothing_stored(poll)


def test_a_ballot_chooses_among_the_polls_own_options_within_its_limit(make_poll, people):
    poll = make_poll(max_choices=2)
    other = make_poll(title="健身器材放在哪里", options=["中心花园", "东门广场"])
    for options in (
        [],
        [_option(other, "中心花园")],
        [_option(poll, "幸福里"), _option(poll, "桂香苑"), _option(poll, "同心苑")],
    ):
        with pytest.raises(ValidationError) as refused:
            services.cast_ballot(poll=poll, voter=people.resident, options=options)
        assert "options" in refused.value.message_dict
    assert _nothing_stored(poll)
    services.cast_ballot(
        poll=poll, voter=people.resident, options=[_option(poll, "幸福里"), _option(poll, "桂香苑")]
    )
    assert PollChoice.objects.filter(poll=poll).count() == 2


# --- Closing ---------------------------------------------------------------------------------


def test_nothing_is_counted_before_the_close(make_poll, people):
    poll = make_poll()
    services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    poll.refresh_from_db()
    assert poll.results() == []
    assert poll.ballots_cast is None
    assert set(poll.options.values_list("votes", flat=True)) == {None}
    with pytest.raises(ValidationError):
        services.close_poll(poll=poll)


def test_at_close_the_result_is_stored_and_published_once(
    make_poll, people, tree, new_resident, clock
):
    voters = [people.resident, *(new_resident(tree.B2) for _ in range(3))]
    poll = make_poll()
    for voter, name in zip(voters, ["幸福里", "幸福里", "桂香苑", "幸福里"], strict=True):
        services.cast_ballot(poll=poll, voter=voter, options=[_option(poll, name)])
    clock.travel(days=7, seconds=1)

    assert services.close_due_polls() == [poll.pk]
    assert services.close_due_polls() == []
    poll.refresh_from_db()
    assert (poll.ballots_cast, poll.eligible_count) == (4, 4)
    assert {row.option.label: row.votes for row in poll.results()} == {
        "嘉定小院": 0,
        "幸福里": 3,
        "桂香苑": 1,
        "和美家园": 0,
        "同心苑": 0,
    }
    assert [row.option.label for row in poll.results() if row.leading] == ["幸福里"]
    notice = Notice.objects.get(source_key=f"poll-{poll.pk}-result")
    assert notice.kind == Notice.Kind.POLL_RESULT
    assert notice.area == tree.K1 and notice.link_url == poll.get_absolute_url()
    assert "幸福里" in notice.body and notice.published_by is None
    assert NoticeDelivery.objects.filter(notice=notice).exists()

    services.close_poll(poll=poll)
    assert Notice.objects.filter(source_key=f"poll-{poll.pk}-result").count() == 1


def test_the_organiser_may_close_early_and_others_may_not(make_poll, people):
    poll = make_poll()
    with pytest.raises(PermissionDenied):
        services.close_poll(poll=poll, by=people.resident)
    poll = services.close_poll(poll=poll, by=people.owners_member)
    assert poll.closed_early and poll.ballots_cast == 0
    with pytest.raises(ValidationError) as late:
        services.cast_ballot(poll=poll, voter=people.resident, options=[_option(poll, "幸福里")])
    assert late.value.code == "closed"


def test_a_residents_data_lists_the_polls_they_voted_in_but_not_their_choice(make_poll, people):
    from deliberation.selectors import personal_data

    poll = make_poll()
    receipt = services.cast_ballot(
        poll=poll, voter=people.resident, options=[_option(poll, "幸福里")]
    )
    assert personal_data(people.resident)["polls_voted_in"] == [
        {"poll": poll.title, "voted_at": receipt.cast_at}
    ]
