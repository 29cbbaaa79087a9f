"""The demo boards: a notice of every kind above the demo resident's home, published once."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communities.models import Notice, NoticeAttachment, Notification, User


@pytest.mark.django_db
def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_notices", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_demo_boards_get_every_kind_of_notice_once(client):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_notices", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_notices", stdout=out)
    assert "nothing was changed" in out.getvalue()

    resident = User.objects.get(username="resident")
    kinds = set(Notice.objects.values_list("kind", flat=True))
    assert kinds >= set(Notice.Kind.values) - {Notice.Kind.COMMITMENT_RESULT}
    convention = Notice.objects.get(kind=Notice.Kind.RULES, pinned=True)
    assert NoticeAttachment.objects.filter(notice=convention, kind="pdf").exists()
    finance = Notice.objects.get(kind=Notice.Kind.FINANCE)
    assert finance.finance_lines.filter(direction="income").exists()
    assert finance.finance_lines.filter(direction="spending").exists()
    assert Notification.objects.filter(user=resident, kind="notice").count() == 8

    client.force_login(resident)
    compound = convention.area
    board = client.get(f"/areas/{compound.code}/notices/").content.decode()
    assert board.index(convention.title) < board.index(finance.title)
    assert client.get(convention.attachments.get().get_absolute_url()).status_code == 200
