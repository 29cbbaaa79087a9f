"""Tamper evidence: every timeline entry is hash-chained, each day is sealed, and
`verify_timeline` finds a row changed or removed behind the portal's back."""

import contextlib
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from deliberation import selectors, services, timeline
from deliberation.models import CommitmentUpdate, IssueEvent, TimelineSeal


@contextlib.contextmanager
def triggers_off(table: str):
    """What an intruder with database access does: switch off the append-only trigger. The test's
    transaction is rolled back afterwards, so the trigger comes back either way."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of the rows written so far must run before an ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield cursor
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        saved = cursor.fetchall()
        for name, _sql in saved:
            cursor.execute(f"DROP TRIGGER {name}")
        yield cursor
        for _name, sql in saved:
            cursor.execute(sql)


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_timeline", stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def lived(accepted, commit, people, supervisor):
    """An issue and a commitment with a few steps each."""
    issue = accepted()
    commitment = commit(issues=[issue])
    services.report_progress(commitment=commitment, by=people.firm_staff, progress=60, text="过半")
    remark = services.remark_on_commitment(commitment=commitment, by=supervisor, text="何时完工？")
    services.answer_remark(remark=remark, by=people.firm_staff, text="下周五前")
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result="fulfilled"
    )
    return issue, commitment


def test_each_timeline_is_a_chain_from_its_first_entry(lived):
    issue, commitment = lived
    for entries in (issue.events.order_by("seq"), commitment.updates.order_by("seq")):
        previous = timeline.GENESIS
        for place, entry in enumerate(entries, start=1):
            assert entry.seq == place
            assert entry.hash == timeline.link(
                previous, entry._meta.label_lower, timeline.values_of(entry)
            )
            previous = entry.hash
    assert [entry.kind for entry in commitment.updates.order_by("seq")] == [
        "made",
        "progress",
        "remark",
        "answer",
        "result",
    ]
    assert _verify() == (0, "9 entries in 2 timelines and 0 daily seals checked: 0 breaks.\n")


def test_an_entry_changed_behind_the_portals_back_is_found(lived):
    issue, _commitment = lived
    entry = issue.events.get(kind="committed")
    with triggers_off("deliberation_issueevent") as cursor:
        cursor.execute(
            "UPDATE deliberation_issueevent SET note = %s WHERE id = %s", ["什么也没承诺", entry.pk]
        )
    code, report = _verify()
    expected = timeline.link(
        issue.events.get(seq=entry.seq - 1).hash,
        "deliberation.issueevent",
        {**timeline.values_of(entry), "note": "什么也没承诺"},
    )
    assert code == 1
    assert (
        f"break: issue {issue.pk}, entry {entry.seq} (id {entry.pk}): expected hash {expected}, "
        f"found {entry.hash}." in report
    )
    assert "1 breaks" in report


def test_a_removed_entry_is_found(lived):
    _issue, commitment = lived
    remark = commitment.updates.get(kind="progress")
    with triggers_off("deliberation_commitmentupdate") as cursor:
        cursor.execute("DELETE FROM deliberation_commitmentupdate WHERE id = %s", [remark.pk])
    code, report = _verify()
    assert code == 1
    assert f"commitment {commitment.pk}, entry 3" in report
    assert "expected entry 2 here, found entry 3; an entry is missing." in report


def test_a_day_is_sealed_once_into_the_head_hash(lived):
    later = timezone.now() + datetime.timedelta(days=2)
    sealed = services.seal_timeline(now=later)
    today = timezone.localdate()
    assert [seal.day for seal in sealed] == [today, today + datetime.timedelta(days=1)]
    first, empty = sealed
    assert first.entries == IssueEvent.objects.count() + CommitmentUpdate.objects.count()
    assert (empty.entries, empty.previous) == (0, first.hash)
    assert selectors.chain_head(today) == first.hash
    assert selectors.chain_head() == empty.hash
    assert selectors.chain_head(today + datetime.timedelta(days=2)) == ""
    assert services.seal_timeline(now=later) == []
    assert TimelineSeal.objects.count() == 2
    assert _verify()[0] == 0


def test_a_day_is_not_sealed_before_it_is_over_and_an_hour_more(lived):
    midnight = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=1), datetime.time()
        )
    )
    assert services.seal_timeline(now=midnight + datetime.timedelta(minutes=59)) == []
    assert len(services.seal_timeline(now=midnight + datetime.timedelta(minutes=61))) == 1


def test_a_chain_rewritten_to_hide_a_change_breaks_the_days_seal(lived):
    """The intruder changes an entry and recomputes every hash after it: each chain holds
    together again, but the seal of the day no longer matches."""
    issue, _commitment = lived
    services.seal_timeline(now=timezone.now() + datetime.timedelta(days=2))
    entries = list(issue.events.order_by("seq"))
    with triggers_off("deliberation_issueevent") as cursor:
        previous = timeline.GENESIS
        for entry in entries:
            values = timeline.values_of(entry)
            if entry.kind == "resolved":
                values["note"] = "早就修好了"
            previous = timeline.link(previous, "deliberation.issueevent", values)
            cursor.execute(
                "UPDATE deliberation_issueevent SET note = %s, hash = %s WHERE id = %s",
                [values["note"], previous, entry.pk],
            )
    code, report = _verify()
    assert code == 1
    assert f"break: seal of {timezone.localdate():%Y-%m-%d}: expected hash" in report
    assert "issue " not in report


def test_the_database_refuses_to_change_an_entrys_place_in_its_chain(lived):
    from django.db import DatabaseError, transaction

    issue, _commitment = lived
    entry = issue.events.order_by("seq").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        IssueEvent.objects.filter(pk=entry.pk).update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        IssueEvent.objects.filter(pk=entry.pk).update(seq=99)
