"""The demo's hotline: a token and calls filed by Open311, once however often it runs."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communities.models import ApiToken
from deliberation.models import Category, Issue


@pytest.mark.django_db
def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_api", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_hotline_gets_one_token_and_its_calls_once(client):
    call_command("seed_demo", stdout=io.StringIO())
    for code, name in (("lamp", "路灯照明"), ("sanitation", "环境卫生"), ("lift", "电梯故障")):
        Category.objects.create(code=code, name=name)  # as seed_demo_issues names them
    first = io.StringIO()
    call_command("seed_demo_api", stdout=first)
    again = io.StringIO()
    call_command("seed_demo_api", stdout=again)

    secret = first.getvalue().split(": ")[1].split()[0]
    assert "API token" not in again.getvalue()
    assert ApiToken.objects.count() == 1
    calls = Issue.objects.filter(channel=Issue.Channel.OPEN311)
    assert calls.count() == 3
    assert not calls.filter(reporter__isnull=False).exists()
    response = client.get("/open311/v2/requests.json", {"api_key": secret})
    assert response.status_code == 200
    filed = {row["service_request_id"] for row in response.json()}
    assert {str(pk) for pk in calls.values_list("pk", flat=True)} <= filed
