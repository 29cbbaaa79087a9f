"""The life of an issue: every step, who may take it, what the timeline and counters say."""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import Notification, Organization
from deliberation import services
from deliberation.models import FunnelCount, Issue, IssueEvent

S = Issue.Status


def test_a_report_starts_at_its_compound_with_the_lane_deadline(report, tree):
    before = timezone.now()
    issue = report()
    assert issue.status == S.SUBMITTED
    assert issue.handling_area == tree.K1
    assert issue.lane == "quick"
    assert (
        before + datetime.timedelta(hours=72)
        <= issue.deadline
        <= timezone.now() + datetime.timedelta(hours=72)
    )
    assert [event.kind for event in issue.events.all()] == ["submitted"]
    assert issue.events.get().actor_role == services.RESIDENT


def test_urgent_matters_start_at_the_community(report, tree):
    assert report(category="fire").handling_area == tree.C1


def test_the_same_submission_twice_makes_one_issue(report):
    key = uuid.uuid4()
    first = report(submission_key=key)
    second = report(submission_key=key)
    assert first.pk == second.pk
    assert Issue.objects.count() == 1
    assert IssueEvent.objects.count() == 1


def test_the_full_life_from_report_to_rating(
    report, people, firm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue = report()
        services.accept_issue(issue=issue, by=people.owners_member)
        services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
        services.start_work(issue=issue, by=people.firm_staff)
        services.resolve_issue(issue=issue, by=people.firm_staff, note="已更换灯泡")
        issue = services.rate_issue(issue=issue, by=people.resident, rating=5, comment="很快")
    assert issue.status == S.CLOSED
    kinds = list(issue.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "assigned", "started", "resolved", "rated", "closed"]
    roles = set(issue.events.values_list("actor_role", flat=True))
    assert people.resident.full_name not in roles
    assert firm.name in roles
    # The reporter heard of every step others took, once each.
    assert Notification.objects.filter(user=people.resident).count() == 4


def test_a_transition_the_state_machine_forbids_is_refused_with_a_message(report, people):
    issue = report()
    with pytest.raises(ValidationError) as error:
        services.resolve_issue(issue=issue, by=people.owners_member, note="done")
    assert error.value.code == "invalid_transition"
    issue.refresh_from_db()
    assert issue.status == S.SUBMITTED
    assert issue.events.count() == 1


def test_only_the_right_people_may_triage(report, people):
    issue = report()
    for outsider in (people.firm_staff, people.grid_worker, people.stranger, people.resident):
        with pytest.raises(PermissionDenied):
            services.accept_issue(issue=issue, by=outsider)
    services.accept_issue(issue=issue, by=people.street_staff)


def test_an_organisation_that_does_not_serve_the_place_cannot_be_assigned(report, people, tree):
    issue = services.accept_issue(issue=report(), by=people.community_staff)
    elsewhere = Organization.objects.create(name="别处物业", kind="property_firm", area=tree.S2)
    elsewhere.served_areas.set([tree.K4])
    with pytest.raises(ValidationError):
        services.assign_issue(issue=issue, organization=elsewhere, by=people.community_staff)


def test_a_rejection_needs_a_reason_and_is_told(report, people):
    issue = report()
    with pytest.raises(ValidationError):
        services.reject_issue(issue=issue, by=people.community_staff, reason="")
    issue = services.reject_issue(
        issue=issue, by=people.community_staff, reason="属于私人物品，请联系物业"
    )
    assert issue.status == S.REJECTED
    assert issue.events.last().note == "属于私人物品，请联系物业"


def test_an_unhappy_rating_reopens_the_issue(report, people, firm):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已处理")
    issue = services.rate_issue(issue=issue, by=people.resident, rating=1, comment="灯还是不亮")
    assert issue.status == S.ASSIGNED
    assert issue.resolved_at is None
    with pytest.raises(PermissionDenied):
        services.rate_issue(issue=issue, by=people.stranger, rating=5)


def test_a_merged_duplicate_makes_its_reporter_a_supporter(report, people, tree):
    original = report()
    duplicate = report(reporter=people.stranger, title="路灯坏了")
    services.merge_issue(issue=duplicate, into=original, by=people.community_staff)
    original.refresh_from_db()
    assert original.supporters_count == 1
    assert original.supports.get().user == people.stranger


def test_me_too_counts_once_per_person_and_not_for_the_reporter(report, people):
    issue = report()
    services.support_issue(issue=issue, by=people.stranger)
    services.support_issue(issue=issue, by=people.stranger)
    issue.refresh_from_db()
    assert issue.supporters_count == 1
    with pytest.raises(ValidationError):
        services.support_issue(issue=issue, by=people.resident)


def test_an_overdue_urgent_issue_climbs_to_the_street_by_itself_once(report, people, tree):
    issue = services.accept_issue(issue=report(category="fire"), by=people.community_staff)
    assert issue.handling_area == tree.C1
    later = issue.deadline + datetime.timedelta(minutes=1)
    assert services.escalate_overdue_issues(now=later) == [issue.pk]
    assert services.escalate_overdue_issues(now=later) == []
    issue.refresh_from_db()
    assert issue.handling_area == tree.S1
    assert issue.escalations == 1
    assert issue.events.filter(kind="escalated").count() == 1
    assert issue.events.get(kind="escalated").actor_role == services.SYSTEM
    # The street's staff see it in their queue now; it does not climb above the street.
    assert Issue.objects.handled_by(people.street_staff).filter(pk=issue.pk).exists()
    assert services.escalate_overdue_issues(now=issue.deadline + datetime.timedelta(days=1)) == []


def test_the_street_summons_a_department_which_checks_in(report, people, tree, admin_user):
    from communities import services as community_services

    department = Organization.objects.create(name="区城管局", kind="department", area=tree.D)
    officer = people.stranger
    community_services.add_membership(
        organization=department, user=officer, position="staff", by=admin_user
    )
    issue = report(category="fire")
    services.summon_department(
        issue=issue, department=department, by=people.street_staff, reason="占道严重"
    )
    assert officer.has_perm("deliberation.view_issue", issue)
    services.check_in(issue=issue, by=officer, note="已派人")
    services.check_in(issue=issue, by=officer)
    assert list(issue.events.values_list("kind", flat=True)) == [
        "submitted",
        "summoned",
        "checked_in",
    ]
    with pytest.raises(PermissionDenied):
        services.check_in(issue=issue, by=people.firm_staff)


def test_a_resolved_issue_nobody_rated_closes_after_seven_days(report, people, firm):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已处理")
    assert services.close_resolved_issues(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert services.close_resolved_issues(now=timezone.now() + datetime.timedelta(days=8)) == 1
    issue.refresh_from_db()
    assert issue.status == S.CLOSED


def test_funnel_counters_follow_every_step_for_every_tier(report, people, firm, tree):
    issue = report()
    report(title="电梯故障")
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已处理")
    services.rate_issue(issue=issue, by=people.resident, rating=4)
    for area in (tree.D, tree.S1, tree.C1, tree.K1, tree.B1):
        count = FunnelCount.objects.get(area=area)
        assert (
            count.collected,
            count.accepted,
            count.committed,
            count.resolved,
            count.rated,
            count.rating_total,
        ) == (2, 1, 1, 1, 1, 4)
    assert not FunnelCount.objects.filter(area=tree.S2).exists()


def test_notifications_are_mailed_once(report, people, firm, django_capture_on_commit_callbacks):
    people.resident.email = "resident@example.org"
    people.resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        issue = report()
        services.accept_issue(issue=issue, by=people.owners_member)
    assert len(mail.outbox) == 1
    from deliberation.tasks import notify_followers

    with django_capture_on_commit_callbacks(execute=True):
        notify_followers(issue.events.get(kind="accepted").pk)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=people.resident).count() == 1


def test_mediation_is_private_and_its_outcome_recorded(report, people, tree, admin_user):
    from communities import services as community_services

    mediator = people.stranger
    community_services.assign_area_role(user=mediator, area=tree.C1, kind="mediator", by=admin_user)
    issue = report(category="private", title="邻里漏水纠纷")
    assert issue.is_public is False
    assert not Issue.objects.visible_to(people.grid_worker).filter(pk=issue.pk).exists()
    services.assign_mediator(issue=issue, mediator=mediator, by=people.community_staff)
    services.record_mediation_outcome(
        issue=issue, outcome="mediated", by=mediator, note="双方达成协议"
    )
    issue.refresh_from_db()
    assert issue.outcome == "mediated"


def test_the_database_refuses_to_rewrite_the_timeline(report):
    from django.db import DatabaseError, transaction

    event = report().events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        IssueEvent.objects.filter(pk=event.pk).update(note="nothing happened")
    with pytest.raises(DatabaseError), transaction.atomic():
        IssueEvent.objects.filter(pk=event.pk).update(actor_role="张三")
    IssueEvent.objects.filter(pk=event.pk).update(notified_at=timezone.now())
    event.refresh_from_db()
    assert event.note == "" and event.notified_at is not None


def test_on_postgresql_the_timeline_cannot_be_deleted(report):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("deletes are refused on PostgreSQL only (SQLite's test flush deletes rows)")
    event = report().events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        IssueEvent.objects.filter(pk=event.pk).delete()
    assert IssueEvent.objects.filter(pk=event.pk).exists()
