"""Public commitments (公开承诺 · 践诺): made, kept, supervised, reminded; and what they do to the
issues they answer and to the funnel."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from communities.models import Notice, Notification
from deliberation import services
from deliberation.models import (
    Commitment,
    CommitmentReminder,
    CommitmentUpdate,
    FunnelCount,
    Issue,
    IssueEvent,
)
from tests.deliberation.conftest import in_days

S = Issue.Status


def _funnel(area) -> tuple[int, int, int, int]:
    count = FunnelCount.objects.get(area=area)
    return count.collected, count.accepted, count.committed, count.resolved


def _recount() -> str:
    out = io.StringIO()
    call_command("recount_funnel", stdout=out)
    return out.getvalue()


# --- Making one ----------------------------------------------------------------------------------


def test_a_member_commits_their_organisation_and_the_page_is_public(
    client, tree, people, firm, accepted
):
    issue = accepted()
    commitment = services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好全部路灯",
        due_on=in_days(14),
        by=people.firm_staff,
        issues=[issue],
    )
    assert list(commitment.issues.all()) == [issue]
    response = client.get(commitment.get_absolute_url())
    assert response.status_code == 200
    assert "两周内修好全部路灯" in response.content.decode()


def test_only_members_commit_an_organisation(tree, people, firm):
    with pytest.raises(PermissionDenied):
        services.make_commitment(
            organization=firm,
            area=tree.K1,
            title="修路灯",
            due_on=timezone.localdate(),
            by=people.owners_member,
        )
    assert not Commitment.objects.exists()


def test_a_commitment_due_in_the_past_or_where_the_firm_does_not_serve_is_refused(
    tree, people, firm
):
    with pytest.raises(ValidationError) as past:
        services.make_commitment(
            organization=firm,
            area=tree.K1,
            title="修路灯",
            due_on=timezone.localdate() - datetime.timedelta(days=1),
            by=people.firm_staff,
        )
    with pytest.raises(ValidationError) as elsewhere:
        services.make_commitment(
            organization=firm,
            area=tree.K2,
            title="修路灯",
            due_on=timezone.localdate(),
            by=people.firm_staff,
        )
    assert "due_on" in past.value.message_dict
    assert "area" in elsewhere.value.message_dict
    assert not Commitment.objects.exists()
    assert not Notice.objects.exists() and not CommitmentUpdate.objects.exists()


def test_a_double_submit_makes_one_commitment(tree, people, firm, accepted):
    key = uuid.uuid4()
    issue = accepted()
    fields = {
        "organization": firm,
        "area": tree.K1,
        "title": "修路灯",
        "due_on": timezone.localdate(),
        "by": people.firm_staff,
        "issues": [issue],
        "submission_key": key,
    }
    assert services.make_commitment(**fields).pk == services.make_commitment(**fields).pk
    assert Commitment.objects.count() == 1
    assert issue.events.filter(kind="committed").count() == 1
    assert Notice.objects.count() == 1


def test_a_commitment_is_published_on_the_notice_board_of_its_area(commit, firm, tree):
    commitment = commit()
    notice = Notice.objects.get()
    assert (notice.kind, notice.area, notice.organization) == (
        Notice.Kind.COMMITMENT,
        tree.K1,
        firm,
    )
    assert notice.source_key == f"commitment-{commitment.pk}"
    assert notice.link_url == commitment.get_absolute_url()
    assert commitment.title in notice.title and notice.published_by is None


def test_its_timeline_starts_with_what_was_promised_and_by_when(commit):
    commitment = commit(description="先排查线路，再更换灯具。")
    made = commitment.updates.get()
    assert (made.kind, made.seq, made.due_on) == ("made", 1, commitment.due_on)
    assert made.text == "两周内修好小区全部路灯\n\n先排查线路，再更换灯具。"
    assert made.actor_role == commitment.organization.name


# --- What committing does to an issue and to the funnel ---------------------------------------------


def test_committing_to_an_accepted_issue_gives_it_to_the_organisation_and_counts_it_once(
    commit, accepted, firm, tree
):
    issue = accepted()
    assert _funnel(tree.K1) == (1, 1, 0, 0)
    commitment = commit(issues=[issue])
    issue.refresh_from_db()
    assert (issue.status, issue.assigned_to) == (S.ASSIGNED, firm)
    entry = issue.events.get(kind="committed")
    assert (entry.organization, entry.commitment, entry.actor_role) == (
        firm,
        commitment,
        firm.name,
    )
    assert (entry.from_status, entry.to_status) == (S.ACCEPTED, S.ASSIGNED)
    assert commitment.title in entry.note and commitment.due_on.isoformat() in entry.note
    for area in (tree.D, tree.S1, tree.C1, tree.K1, tree.B1):
        assert _funnel(area) == (1, 1, 1, 0)
    assert "0 drifted" in _recount()


def test_an_issue_assigned_before_is_counted_once_and_keeps_its_party(
    commit, accepted, people, committee, firm, tree
):
    issue = accepted()
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    assert _funnel(tree.K1) == (1, 1, 1, 0)
    commitment = services.make_commitment(
        organization=committee,
        area=tree.C1,
        title="督促物业一周内修复路灯",
        due_on=in_days(7),
        by=people.community_staff,
        issues=[issue],
    )
    issue.refresh_from_db()
    assert (issue.status, issue.assigned_to) == (S.ASSIGNED, firm)
    entry = issue.events.get(kind="committed")
    assert (entry.organization, entry.commitment, entry.from_status) == (committee, commitment, "")
    assert _funnel(tree.K1) == (1, 1, 1, 0)
    assert "0 drifted" in _recount()


def test_those_who_accept_issues_may_commit_to_a_fresh_report_which_accepts_it(
    report, people, committee, tree
):
    issue = report()
    services.make_commitment(
        organization=committee,
        area=tree.C1,
        title="三天内修好",
        due_on=in_days(3),
        by=people.community_staff,
        issues=[issue],
    )
    issue.refresh_from_db()
    assert issue.status == S.ASSIGNED and issue.assigned_to == committee
    kinds = list(issue.events.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "committed"]
    assert _funnel(tree.K1) == (1, 1, 1, 0)
    assert "0 drifted" in _recount()


def test_a_firm_cannot_commit_to_a_report_nobody_accepted_and_nothing_is_stored(commit, report):
    issue = report()
    with pytest.raises(ValidationError) as error:
        commit(issues=[issue])
    assert "issues" in error.value.message_dict
    assert not Commitment.objects.exists() and not Notice.objects.exists()
    issue.refresh_from_db()
    assert issue.status == S.SUBMITTED and issue.events.count() == 1


@pytest.mark.parametrize("where", ["closed", "elsewhere"])
def test_an_issue_closed_or_elsewhere_cannot_be_committed_to(
    commit, accepted, report, people, firm, tree, where
):
    if where == "closed":
        issue = services.reject_issue(issue=report(), by=people.owners_member, reason="重复")
    else:
        issue = report(area=tree.B3)
    with pytest.raises(ValidationError) as error:
        commit(issues=[accepted(), issue])
    assert "issues" in error.value.message_dict
    assert not Commitment.objects.exists()
    assert not IssueEvent.objects.filter(kind="committed").exists()


# --- Progress ----------------------------------------------------------------------------------


def test_progress_moves_forward_in_words_and_figures(commit, people):
    commitment = commit()
    services.report_progress(
        commitment=commitment, by=people.firm_staff, progress=40, text="已排查线路"
    )
    services.report_progress(
        commitment=commitment, by=people.firm_staff, progress=40, text="等待灯具到货"
    )
    commitment.refresh_from_db()
    assert commitment.progress == 40
    assert list(commitment.updates.values_list("kind", "progress", "seq")) == [
        ("made", None, 1),
        ("progress", 40, 2),
        ("progress", 40, 3),
    ]


@pytest.mark.parametrize(
    ("progress", "text", "field"),
    [
        (101, "修好了", "progress"),
        (-1, "倒退", "progress"),
        (30, "", "text"),
        (10, "回落", "progress"),
    ],
    ids=["above 100", "below 0", "no text", "below the last one"],
)
def test_bad_progress_is_refused_and_nothing_is_stored(commit, people, progress, text, field):
    commitment = commit()
    services.report_progress(commitment=commitment, by=people.firm_staff, progress=20, text="开工")
    with pytest.raises(ValidationError) as error:
        services.report_progress(
            commitment=commitment, by=people.firm_staff, progress=progress, text=text
        )
    assert field in error.value.message_dict
    commitment.refresh_from_db()
    assert commitment.progress == 20 and commitment.updates.count() == 2


def test_a_double_tap_on_progress_posts_it_once(commit, people):
    commitment = commit()
    key = uuid.uuid4()
    for _tap in range(2):
        services.report_progress(
            commitment=commitment,
            by=people.firm_staff,
            progress=50,
            text="过半",
            submission_key=key,
        )
    assert commitment.updates.filter(kind="progress").count() == 1


def test_only_its_members_report_progress_and_only_while_in_progress(commit, people):
    commitment = commit()
    for outsider in (people.owners_member, people.community_staff, people.resident):
        with pytest.raises(PermissionDenied):
            services.report_progress(commitment=commitment, by=outsider, progress=10, text="x")
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result="fulfilled"
    )
    with pytest.raises(ValidationError):
        services.report_progress(
            commitment=commitment, by=people.firm_staff, progress=100, text="x"
        )
    assert not commitment.updates.filter(kind="progress").exists()


# --- The result ----------------------------------------------------------------------------------


def test_fulfilling_it_resolves_the_issues_it_answers(commit, accepted, people, firm, tree):
    first, second = accepted(), accepted(title="楼道灯不亮")
    commitment = commit(issues=[first, second])
    services.start_work(issue=second, by=people.firm_staff)
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result="fulfilled", note="全部更换为LED灯"
    )
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == ("fulfilled", 100)
    assert commitment.completed_at is not None
    for issue in (first, second):
        issue.refresh_from_db()
        assert issue.status == S.RESOLVED and issue.resolved_at is not None
        resolved = issue.events.get(kind="resolved")
        assert (resolved.note, resolved.commitment, resolved.actor_role) == (
            "全部更换为LED灯",
            commitment,
            firm.name,
        )
    assert _funnel(tree.K1) == (2, 2, 2, 2)
    assert "0 drifted" in _recount()
    result = Notice.objects.get(kind=Notice.Kind.COMMITMENT_RESULT)
    assert result.source_key == f"commitment-result-{commitment.pk}"


def test_a_reporter_hears_their_issue_was_committed_to_and_then_resolved(
    commit, accepted, people, django_capture_on_commit_callbacks
):
    issue = accepted()
    with django_capture_on_commit_callbacks(execute=True):
        commitment = commit(issues=[issue])
        services.record_commitment_result(
            commitment=commitment, by=people.firm_staff, result="fulfilled"
        )
    told = set(Notification.objects.filter(user=people.resident).values_list("key", flat=True))
    steps = issue.events.filter(kind__in=["committed", "resolved"]).values_list("pk", flat=True)
    assert len(steps) == 2 and {f"issue-event-{pk}" for pk in steps} <= told


@pytest.mark.parametrize("result", ["partly", "not_fulfilled"])
def test_partly_or_not_fulfilled_leaves_the_issues_open_with_a_note(
    commit, accepted, people, tree, result
):
    issue = accepted()
    commitment = commit(issues=[issue])
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result=result, note="灯具缺货，只换了一半"
    )
    issue.refresh_from_db()
    assert issue.status == S.ASSIGNED
    entry = issue.events.get(kind="commit_result")
    assert "灯具缺货，只换了一半" in entry.note and entry.commitment == commitment
    assert _funnel(tree.K1) == (1, 1, 1, 0)


@pytest.mark.parametrize("result", ["partly", "not_fulfilled"])
def test_a_result_short_of_fulfilled_needs_a_reason_and_nothing_is_stored(commit, people, result):
    commitment = commit()
    with pytest.raises(ValidationError) as error:
        services.record_commitment_result(
            commitment=commitment, by=people.firm_staff, result=result, note="  "
        )
    assert "note" in error.value.message_dict
    commitment.refresh_from_db()
    assert commitment.status == "active" and commitment.updates.count() == 1
    assert not Notice.objects.filter(kind=Notice.Kind.COMMITMENT_RESULT).exists()


def test_a_result_is_recorded_once(commit, people):
    commitment = commit()
    for _tap in range(2):
        services.record_commitment_result(
            commitment=commitment, by=people.firm_staff, result="fulfilled"
        )
    with pytest.raises(ValidationError):
        services.record_commitment_result(
            commitment=commitment, by=people.firm_staff, result="partly", note="改口"
        )
    assert commitment.updates.filter(kind="result").count() == 1
    with pytest.raises(ValidationError) as unknown:
        services.record_commitment_result(
            commitment=commit(), by=people.firm_staff, result="active"
        )
    assert "result" in unknown.value.message_dict


# --- Public supervision ----------------------------------------------------------------------------


def test_a_supervisor_remarks_and_the_organisation_must_answer(commit, people, supervisor):
    commitment = commit()
    remark = services.remark_on_commitment(
        commitment=commitment, by=supervisor, text="为什么北门的灯还没修？"
    )
    assert remark.actor_role == CommitmentUpdate.SUPERVISOR
    assert Notification.objects.filter(
        user=people.firm_staff, key=f"commitment-remark-{remark.pk}", kind="commitment"
    ).exists()
    waiting = Commitment.objects.with_unanswered_remarks().get(pk=commitment.pk)
    assert waiting.unanswered_remarks == 1

    answer = services.answer_remark(remark=remark, by=people.firm_staff, text="北门线路需要更换")
    again = services.answer_remark(remark=remark, by=people.firm_staff, text="北门线路需要更换")
    assert answer.pk == again.pk and answer.answer_to == remark
    assert (
        Commitment.objects.with_unanswered_remarks().get(pk=commitment.pk).unanswered_remarks == 0
    )
    assert Notification.objects.filter(user=supervisor, kind="commitment").count() == 1


def test_remarks_and_answers_need_their_roles_and_words(commit, people, supervisor):
    commitment = commit()
    for outsider in (people.resident, people.community_staff, people.firm_staff):
        with pytest.raises(PermissionDenied):
            services.remark_on_commitment(commitment=commitment, by=outsider, text="?")
    with pytest.raises(ValidationError) as empty:
        services.remark_on_commitment(commitment=commitment, by=supervisor, text=" ")
    assert "text" in empty.value.message_dict
    remark = services.remark_on_commitment(commitment=commitment, by=supervisor, text="进度？")
    with pytest.raises(PermissionDenied):
        services.answer_remark(remark=remark, by=supervisor, text="自问自答")
    with pytest.raises(ValidationError):
        services.answer_remark(
            remark=commitment.updates.get(kind="made"), by=people.firm_staff, text="x"
        )
    assert commitment.updates.count() == 2


# --- Reminders -----------------------------------------------------------------------------------


def test_an_overdue_commitment_reminds_its_organisation_once_a_week(commit, people, firm):
    commitment = commit(due_on=in_days(0))
    day_after = timezone.now() + datetime.timedelta(days=1, hours=10)
    assert services.send_commitment_reminders(now=timezone.now()) == 0
    assert services.send_commitment_reminders(now=day_after) == 1
    assert services.send_commitment_reminders(now=day_after) == 0  # a retried run
    mine = Notification.objects.filter(user=people.firm_staff, kind="commitment")
    assert mine.count() == 1 and commitment.title in mine.get().title
    assert services.send_commitment_reminders(now=day_after + datetime.timedelta(days=6)) == 0
    assert services.send_commitment_reminders(now=day_after + datetime.timedelta(days=7)) == 1
    assert mine.count() == 2
    assert not Notification.objects.filter(user=people.owners_member).exists()


def test_a_commitment_with_its_result_is_not_reminded(commit, people):
    commitment = commit(due_on=in_days(0))
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result="fulfilled"
    )
    assert services.send_commitment_reminders(now=timezone.now() + datetime.timedelta(days=2)) == 0
    assert not CommitmentReminder.objects.filter(sent_at__isnull=True).exists()


def test_overdue_ones_are_flagged_and_on_track_ones_are_not(commit, people):
    on_track = commit(due_on=in_days(3))
    overdue = commit(due_on=in_days(0))
    tomorrow = in_days(1)
    assert list(Commitment.objects.overdue(tomorrow)) == [overdue]
    assert list(Commitment.objects.on_track(tomorrow)) == [on_track]
    assert Commitment.objects.tally(tomorrow) == {
        "made": 2,
        "on_track": 1,
        "overdue": 1,
        "fulfilled": 0,
        "partly": 0,
        "not_fulfilled": 0,
    }


# --- Written once ------------------------------------------------------------------------------------


def test_the_database_refuses_to_rewrite_a_commitment_timeline(commit):
    entry = commit().updates.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        CommitmentUpdate.objects.filter(pk=entry.pk).update(text="什么也没承诺")
    entry.refresh_from_db()
    assert entry.text.startswith("两周内")


def test_a_supervisors_remarks_are_in_their_download(commit, supervisor):
    from governance import privacy

    commitment = commit()
    services.remark_on_commitment(commitment=commitment, by=supervisor, text="北门的灯呢？")
    remarks = privacy.personal_data(supervisor)["commitment_remarks"]
    assert [(r["commitment"], r["remark"]) for r in remarks] == [(commitment.pk, "北门的灯呢？")]
