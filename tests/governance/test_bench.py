"""The parts of `make bench` that decide what its report says."""

from bench import ceilings, fanout
from bench.run import KEPT_MARKER, _cpu_spent, _kept_notes
from communities.models import Household
from communities.services.notices import notice_recipients


def test_only_reads_are_replayed_as_a_pages_bare_sql():
    statements = [
        'SELECT "django_session"."session_key" FROM "django_session"',
        "SAVEPOINT s1",
        'UPDATE "communities_user" SET "last_login" = now()',
        "RELEASE SAVEPOINT s1",
        "  WITH x AS (SELECT 1) SELECT * FROM x",
    ]
    reads, left_out = ceilings.replayable(statements)
    assert reads == [statements[0], statements[4]]
    assert left_out == 3


def test_what_was_written_by_hand_below_the_marker_survives_the_next_report(tmp_path):
    report = tmp_path / "benchmarks.md"
    report.write_text(f"# Old figures\n\n{KEPT_MARKER}\n\n## An experiment\n", encoding="utf-8")
    assert _kept_notes(report) == f"\n{KEPT_MARKER}\n\n## An experiment\n"
    report.write_text("# Old figures only\n", encoding="utf-8")
    assert _kept_notes(report) == ""
    assert _kept_notes(tmp_path / "missing.md") == ""


def test_cpu_of_a_process_that_appeared_during_the_run_counts_whole():
    assert _cpu_spent({1: 2.0}, {1: 2.5, 2: 0.25}) == 750.0


def test_the_fan_out_street_gets_enough_verified_residents_once(tree, households):
    for room in range(10):
        Household.objects.create(building=tree.B1, unit="8", room=str(room), floor_area=60)
    assert notice_recipients(tree.S1).count() < 8
    assert fanout.ensure_residents(tree.S1, 8) == 8
    assert fanout.ensure_residents(tree.S1, 8) == 8  # a second run adds nobody
    assert notice_recipients(tree.S1).count() == 8


def test_the_bench_meeting_is_in_session_with_a_fresh_vote_by_household_each_run(tree, people):
    from bench import meetings
    from communities.models import Organization
    from deliberation import services
    from deliberation.models import Meeting, Motion

    for kind in (Organization.Kind.PARTY_BRANCH, Organization.Kind.SELF_MANAGEMENT_GROUP):
        Organization.objects.create(name=f"幸福家园{kind}", kind=kind, area=tree.K1)
    first = meetings.prepare(tree.D, households=5)
    meeting = first.meeting
    assert meeting.area == tree.K1
    assert meeting.status == Meeting.Status.IN_PROGRESS
    assert meeting.parties.count() == 5
    assert meeting.agenda.count() == 3
    assert first.motion.status == Motion.Status.OPEN
    assert first.motion.voting_unit == Motion.VotingUnit.HOUSEHOLD
    assert len({voter.pk for voter in first.voters}) == 5
    assert first.motion.electorate_headcount >= 5
    voter = first.voters[0]
    services.cast_motion_ballot(motion=first.motion, voter=voter, choice="yes")
    assert meetings.stored(first.motion) == {
        "receipts": 1,
        "ballots": 1,
        "households": 1,
        "voters": 1,
    }

    second = meetings.prepare(tree.D, households=5)  # the next run
    assert second.meeting == meeting
    assert [v.pk for v in second.voters] == [v.pk for v in first.voters]
    first.motion.refresh_from_db()
    assert first.motion.status == Motion.Status.CLOSED
    assert second.motion.status == Motion.Status.OPEN
    services.cast_motion_ballot(motion=second.motion, voter=voter, choice="no")
    assert meetings.stored(second.motion)["receipts"] == 1


def test_the_locust_voter_finds_the_ballot_form_on_the_real_session_page(tree, people, client):
    from bench import meetings
    from communities.models import Organization

    for kind in (Organization.Kind.PARTY_BRANCH, Organization.Kind.SELF_MANAGEMENT_GROUP):
        Organization.objects.create(name=f"幸福家园{kind}", kind=kind, area=tree.K1)
    bench = meetings.prepare(tree.D, households=3)
    voter = bench.voters[-1]
    client.force_login(voter)
    page = client.get(f"/meetings/{bench.meeting.pk}/session/")
    assert page.status_code == 200
    action, household = meetings.ballot_form(page.content.decode(), str(bench.motion.pk))
    assert household == str(voter.residencies.get().household_id)
    response = client.post(action, {"choice": "yes", "household": household})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/meetings/{bench.meeting.pk}/session/")
    assert meetings.stored(bench.motion)["receipts"] == 1
    page = client.get(f"/meetings/{bench.meeting.pk}/session/")
    assert meetings.ballot_form(page.content.decode(), str(bench.motion.pk)) is None
