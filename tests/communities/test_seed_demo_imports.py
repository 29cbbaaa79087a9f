"""The demo imports: a new compound through the services, and a refused workbook; run twice."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communities.models import Area, Household, ImportJob, Invitation


@pytest.mark.django_db
def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_imports", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_demo_community_imports_a_new_compound_once(client):
    call_command("seed_demo", stdout=io.StringIO())

    call_command("seed_demo_imports", stdout=io.StringIO())
    counts = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())
    out = io.StringIO()
    call_command("seed_demo_imports", stdout=out)

    assert "already there" in out.getvalue()
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == counts
    done, refused = ImportJob.objects.order_by("pk")
    assert (done.status, done.created_count, done.invitations.count()) == ("done", 124, 48)
    assert refused.status == "refused" and refused.rejected_count == 5
    compound = Area.objects.get(code__endswith="-91", level=Area.Level.COMPOUND)
    assert Household.objects.filter(building__path__startswith=compound.path).count() == 72
    client.login(username="community", password="demo12345")
    assert client.get(done.get_absolute_url()).status_code == 200
