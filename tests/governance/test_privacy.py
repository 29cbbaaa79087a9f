"""A resident downloads everything the portal keeps about them, and may have it erased."""

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from communities.models import ErasureRequest, Notification, Residency, User
from governance import privacy


def test_the_download_holds_the_account_homes_and_issues_and_nobody_elses(client, people, report):
    report(title="电梯坏了")
    report(title="别人的问题", reporter=people.stranger)
    client.force_login(people.resident)
    response = client.get(reverse("my_data_download"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["mobile"] == people.resident.phone
    assert [home["status"] for home in data["homes"]] == ["已核实"]
    assert [issue["title"] for issue in data["issues_reported"]] == ["电梯坏了"]


def test_erasure_waits_seven_days_can_be_cancelled_and_asks_for_the_password(client, people):
    client.force_login(people.resident)
    wrong = client.post(reverse("my_data"), {"password": "nope", "understood": "on"})
    assert wrong.status_code == 400
    assert not ErasureRequest.objects.exists()
    client.post(reverse("my_data"), {"password": "a-long-test-passphrase", "understood": "on"})
    client.post(reverse("my_data"), {"password": "a-long-test-passphrase", "understood": "on"})
    request = ErasureRequest.objects.get()
    assert request.erase_after - request.requested_at == datetime.timedelta(days=7)
    assert privacy.erase_due_requests() == 0
    client.post(reverse("my_data"), {"action": "cancel"})
    assert privacy.erase_due_requests(now=timezone.now() + datetime.timedelta(days=8)) == 0
    assert User.objects.get(pk=people.resident.pk).phone == people.resident.phone


def test_an_erased_account_keeps_the_public_record_but_no_personal_detail(client, people, report):
    issue = report()
    client.force_login(people.resident)
    client.post(reverse("my_data"), {"password": "a-long-test-passphrase", "understood": "on"})
    assert privacy.erase_due_requests(now=timezone.now() + datetime.timedelta(days=8)) == 1
    erased = User.objects.get(pk=people.resident.pk)
    assert (erased.full_name, erased.email, erased.phone, erased.is_active) == ("", "", None, False)
    assert not erased.has_usable_password()
    assert erased.username == f"erased-{erased.pk}"
    assert not Residency.objects.filter(user=erased).exclude(status="ended").exists()
    assert not Notification.objects.filter(user=erased).exists()
    issue.refresh_from_db()
    assert issue.reporter_id == erased.pk
    assert client.get(issue.get_absolute_url()).status_code == 200
    assert ErasureRequest.objects.get().erased_at is not None
