"""On PostgreSQL, a hundred ballots at once: by one voter, by two residents of one household,
and racing the close. Each counts once, or not at all; never twice."""

import contextlib
import datetime
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from communities import services as communities_services
from communities.models import Residency
from deliberation import services
from deliberation.models import Poll, PollChoice, PollOption, PollReceipt
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
    ),
]

BALLOTS = 100
THREADS = 20


def _poll(people, tree, **fields) -> Poll:
    return services.create_poll(
        organization=people.owners_member.memberships.get().organization,
        area=tree.K1,
        title="小区更名：请选出新名字",
        options=["嘉定小院", "幸福里", "桂香苑"],
        closes_at=timezone.now() + datetime.timedelta(days=7),
        by=people.owners_member,
        **fields,
    )


def _cast_in_parallel(poll: Poll, voters: list) -> dict[str, int]:
    option = PollOption.objects.filter(poll=poll).first()
    outcomes = {"counted": 0, "refused": 0}
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def cast(voter) -> None:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=10)
            services.cast_ballot(poll=poll, voter=voter, options=[option])
            outcome = "counted"
        except ValidationError:
            outcome = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(cast, voters))
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_hundred_parallel_ballots_by_one_voter_count_once(people, tree):
    poll = _poll(people, tree)
    outcomes = _cast_in_parallel(poll, [people.resident] * BALLOTS)
    assert outcomes == {"counted": 1, "refused": BALLOTS - 1}
    assert PollReceipt.objects.filter(poll=poll).count() == 1
    assert PollChoice.objects.filter(poll=poll).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_residents_of_one_household_voting_a_hundred_times_count_once(
    people, tree, households, admin_user
):
    spouse = UserFactory()
    claim = communities_services.claim_household(
        user=spouse,
        community=tree.C1,
        building=tree.B1,
        unit=households["B1"].unit,
        room=households["B1"].room,
        relation=Residency.Relation.FAMILY,
    )
    communities_services.verify_residency(residency=claim, by=admin_user)
    poll = _poll(people, tree, voting_unit=Poll.VotingUnit.HOUSEHOLD)
    outcomes = _cast_in_parallel(poll, [people.resident, spouse] * (BALLOTS // 2))
    assert outcomes == {"counted": 1, "refused": BALLOTS - 1}
    assert PollReceipt.objects.filter(poll=poll, household=households["B1"]).count() == 1
    assert PollChoice.objects.filter(poll=poll).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ballots_racing_the_close_are_counted_or_refused_never_lost(
    people, tree, households, admin_user
):
    voters = []
    for _ in range(THREADS):
        voter = UserFactory()
        claim = communities_services.claim_household(
            user=voter,
            community=tree.C1,
            building=tree.B2,
            unit=households["B2"].unit,
            room=households["B2"].room,
            relation=Residency.Relation.FAMILY,
        )
        communities_services.verify_residency(residency=claim, by=admin_user)
        voters.append(voter)
    poll = _poll(people, tree)
    closer = threading.Thread(
        target=lambda: (
            services.close_poll(poll=poll, by=people.owners_member),
            connections.close_all(),
        )
    )
    closer.start()
    outcomes = _cast_in_parallel(poll, voters)
    closer.join()
    poll.refresh_from_db()
    counted = PollReceipt.objects.filter(poll=poll).count()
    assert outcomes["counted"] == counted == poll.ballots_cast
    assert sum(option.votes for option in poll.options.all()) == counted
