import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import Notification
from tests.factories import UserFactory
from volunteers import services
from volunteers.models import Reminder, SignUp


def test_a_full_activity_puts_people_on_the_waiting_list_and_promotes_them(people, activity):
    first = services.sign_up(activity=activity, user=people.resident)
    second = services.sign_up(activity=activity, user=people.stranger)
    third = services.sign_up(activity=activity, user=UserFactory())
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waiting"]
    assert services.sign_up(activity=activity, user=people.resident).pk == first.pk
    services.cancel_sign_up(sign_up=first, by=people.resident)
    third.refresh_from_db()
    assert third.status == SignUp.Status.CONFIRMED
    assert third.reminders.count() == 2


def test_a_cancelled_sign_up_cannot_be_checked_in(people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    services.cancel_sign_up(sign_up=entry, by=people.resident)
    with pytest.raises(ValidationError) as error:
        services.check_in(sign_up=entry, by=people.community_staff)
    assert error.value.code == "not_confirmed"


def test_only_the_organiser_checks_people_in(people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    with pytest.raises(PermissionDenied):
        services.check_in(sign_up=entry, by=people.firm_staff)


def test_check_in_by_the_volunteers_qr_token(people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    token = (
        people.resident.points_account.check_in_token
        if hasattr(people.resident, "points_account")
        else None
    )
    if token is None:
        from volunteers.models import PointsAccount

        token = PointsAccount.objects.create(user=people.resident).check_in_token
    services.check_in_by_token(activity=activity, token=token, by=people.community_staff)
    entry.refresh_from_db()
    assert entry.checked_in_at is not None


def test_reminders_are_sent_once_and_never_for_a_cancelled_activity(
    people, activity, django_capture_on_commit_callbacks
):
    services.sign_up(activity=activity, user=people.resident)
    assert Reminder.objects.count() == 2
    later = activity.starts_at - datetime.timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(now=later) == 2
        assert services.send_due_reminders(now=later) == 0
    assert Notification.objects.filter(user=people.resident).count() == 2

    second = services.sign_up(activity=activity, user=people.stranger)
    activity.status = "cancelled"
    activity.save()
    assert services.send_due_reminders(now=later) == 0
    assert not Notification.objects.filter(user=people.stranger).exists()
    assert not second.reminders.filter(sent_at__isnull=True).exists()


def test_signing_up_after_the_start_is_refused(people, activity):
    activity.starts_at = timezone.now() - datetime.timedelta(minutes=1)
    activity.ends_at = timezone.now() + datetime.timedelta(hours=1)
    activity.save()
    with pytest.raises(ValidationError):
        services.sign_up(activity=activity, user=people.resident)
