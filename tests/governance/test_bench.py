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
