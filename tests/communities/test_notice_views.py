"""The board's pages: staff write, schedule, change and take down notices; residents read them,
print them and download their documents. Bad input gets a 400 and stores nothing."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.documents import tiny_pdf
from communities.models import FinanceLine, Notice, NoticeAttachment, Notification

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def in_english(client):
    """The messages checked below are the English msgids."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def owners_org(people):
    return people.owners_member.memberships.get().organization


def form_data(organization, **overrides):
    data = {
        "organization": organization.pk,
        "kind": "announcement",
        "title": "停水通知",
        "body": "周六9点至12点停水，请提前储水。",
        "publish_at": "",
        "unpublish_at": "",
        "submission_key": str(uuid.uuid4()),
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def new_url(area):
    return reverse("communities:notice_create", args=[area.code])


def test_staff_publish_a_notice_and_residents_below_get_it(
    client, tree, people, owners_org, django_capture_on_commit_callbacks
):
    client.force_login(people.owners_member)
    assert client.get(new_url(tree.K1)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(tree.K1), form_data(owners_org))
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == notice.get_absolute_url()
    assert (notice.area, notice.organization, notice.published_by) == (
        tree.K1,
        owners_org,
        people.owners_member,
    )
    assert Notification.objects.filter(user=people.resident, kind="notice").count() == 1


def test_the_same_form_posted_twice_publishes_one_notice(client, tree, people, owners_org):
    client.force_login(people.owners_member)
    data = form_data(owners_org)
    client.post(new_url(tree.K1), data)
    client.post(new_url(tree.K1), data)
    assert Notice.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "publish_at": local(timezone.now() + 2 * DAY),
                "unpublish_at": local(timezone.now() + DAY),
            },
            "taken down after it is published",
        ),
        ({"title": ""}, "This field is required"),
        ({"kind": "finance"}, "at least one income or spending"),
        (
            {"lines-0-direction": "income", "lines-0-item": "停车费", "lines-0-amount": ""},
            "an item and an amount",
        ),
        (
            {"lines-0-direction": "income", "lines-0-item": "停车费", "lines-0-amount": "-5"},
            "greater than or equal to 0.01",
        ),
        ({"publish_at": "tomorrow"}, "Enter a valid date/time"),
        ({"kind": "gossip"}, "Select a valid choice"),
    ],
)
def test_a_bad_notice_is_answered_400_with_the_reason_and_nothing_is_stored(
    client, tree, people, owners_org, overrides, message
):
    client.force_login(people.owners_member)
    response = client.post(new_url(tree.K1), form_data(owners_org, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Notice.objects.exists()


def test_an_attachment_we_do_not_accept_is_refused_and_nothing_is_stored(
    client, tree, people, owners_org, settings
):
    client.force_login(people.owners_member)
    bad = SimpleUploadedFile("公约.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(new_url(tree.K1), {**form_data(owners_org), "attachments": [bad]})
    assert response.status_code == 400
    assert "is not a document we accept" in response.content.decode()
    assert not Notice.objects.exists()
    assert not (settings.MEDIA_ROOT / "notices").exists()


def test_one_may_publish_only_for_an_organisation_one_belongs_to(client, tree, people, firm):
    client.force_login(people.owners_member)
    response = client.post(new_url(tree.K1), form_data(firm))
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_residents_and_strangers_may_not_write_notices(client, tree, people, owners_org):
    client.force_login(people.resident)
    assert client.get(new_url(tree.K1)).status_code == 403
    assert client.post(new_url(tree.K1), form_data(owners_org)).status_code == 403
    client.force_login(people.owners_member)
    assert client.get(new_url(tree.K2)).status_code == 403
    client.logout()
    assert client.get(new_url(tree.K1)).status_code == 302
    assert not Notice.objects.exists()


def test_a_finance_disclosure_shows_its_lines_and_computed_totals(client, tree, people, owners_org):
    client.force_login(people.owners_member)
    lines = {
        "lines-0-direction": "income",
        "lines-0-item": "停车费收入",
        "lines-0-amount": "12000.50",
        "lines-1-direction": "income",
        "lines-1-item": "广告位收入",
        "lines-1-amount": "3000",
        "lines-2-direction": "spending",
        "lines-2-item": "电梯维修",
        "lines-2-amount": "8000.25",
    }
    data = form_data(owners_org, kind="finance", title="2025年第三季度公共收益公示", **lines)
    response = client.post(new_url(tree.K1), data)
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert FinanceLine.objects.filter(notice=notice).count() == 3
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "15,000.50" in page  # income
    assert "8,000.25" in page  # spending
    assert "7,000.25" in page  # balance


def test_conventions_come_with_their_documents_downloaded_as_attachments(
    client, tree, people, owners_org
):
    client.force_login(people.owners_member)
    pdf = SimpleUploadedFile("小区公约.pdf", tiny_pdf(["Convention"]))
    client.post(
        new_url(tree.K1),
        {
            **form_data(owners_org, kind="rules", title="小区公约", pinned="on"),
            "attachments": [pdf],
        },
    )
    attachment = NoticeAttachment.objects.get()
    assert attachment.name == "小区公约.pdf" and "小区公约" not in attachment.file.name
    client.logout()
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_documents_of_a_scheduled_notice_stay_private(client, tree, people):
    pdf = SimpleUploadedFile("预告.pdf", tiny_pdf(["later"]))
    from communities.documents import clean_document

    notice = services.publish_notice(
        area=tree.K1,
        title="预告",
        by=people.owners_member,
        publish_at=timezone.now() + DAY,
        attachments=[clean_document(pdf)],
    )
    url = notice.attachments.get().get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(people.owners_member)
    assert client.get(url).status_code == 200


def test_a_scheduled_notice_can_be_changed_and_a_published_one_cannot(
    client, tree, people, owners_org
):
    notice = services.publish_notice(
        area=tree.K1, title="预告", by=people.owners_member, publish_at=timezone.now() + DAY
    )
    client.force_login(people.owners_member)
    edit = reverse("communities:notice_edit", args=[notice.pk])
    assert client.get(edit).status_code == 200
    later = timezone.now() + 2 * DAY
    response = client.post(
        edit, form_data(owners_org, title="预告（更正）", publish_at=local(later))
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "预告（更正）"
    assert notice.delivery.due_at == notice.publish_at
    live = services.publish_notice(area=tree.K1, title="已发布", by=people.owners_member)
    response = client.post(
        reverse("communities:notice_edit", args=[live.pk]), form_data(owners_org, title="改")
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.title == "已发布"


def test_taking_a_notice_down_removes_it_from_the_board(client, tree, people):
    notice = services.publish_notice(area=tree.K1, title="错误的通知", by=people.owners_member)
    take_down = reverse("communities:notice_unpublish", args=[notice.pk])
    client.force_login(people.stranger)
    assert client.post(take_down).status_code == 404
    client.force_login(people.owners_member)
    assert client.post(take_down).status_code == 302
    client.logout()
    board = client.get(reverse("communities:area_notices", args=[tree.B1.code]))
    assert "错误的通知" not in board.content.decode()


def test_the_board_shows_pinned_notices_first_and_filters_by_kind(client, tree, people):
    services.publish_notice(area=tree.C1, title="社区通知", by=people.community_staff)
    services.publish_notice(
        area=tree.K1, title="小区公约", by=people.owners_member, kind="rules", pinned=True
    )
    services.publish_notice(area=tree.K1, title="新通知", by=people.owners_member)
    board = reverse("communities:area_notices", args=[tree.B1.code])
    page = client.get(board).content.decode()
    assert page.index("小区公约") < page.index("新通知") < page.index("社区通知")
    page = client.get(board, {"kind": "rules"}).content.decode()
    assert "小区公约" in page and "新通知" not in page
    assert client.get(board, {"kind": "nonsense"}).status_code == 200


def _board_queries(client, area) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("communities:area_notices", args=[area.code])).status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_with_more_notices(client, tree, people):
    client.force_login(people.resident)
    services.publish_notice(area=tree.K1, title="一", by=people.owners_member)
    few = _board_queries(client, tree.B1)
    for number in range(15):
        services.publish_notice(area=tree.C1, title=f"通知{number}", by=people.community_staff)
    assert _board_queries(client, tree.B1) == few


def test_the_print_view_is_large_type_with_a_qr_code_back_to_the_notice(client, tree, people):
    notice = services.publish_notice(area=tree.K1, title="停水通知", by=people.owners_member)
    response = client.get(reverse("communities:notice_print", args=[notice.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="notice-print-qr" src="data:image/svg+xml' in page
    assert f"http://testserver{notice.get_absolute_url()}" in page
    assert "style=" not in page and "<style" not in page


def test_a_party_member_display_names_members_only_to_those_who_may_see_the_board(
    client, tree, people
):
    registration = services.register_party_member(
        user=people.resident, community=tree.C1, home_organization="机关支部", show_publicly=True
    )
    services.confirm_party_registration(registration=registration, by=people.community_staff)
    people.resident.full_name = "王建国"
    people.resident.save()
    notice = services.publish_notice(
        area=tree.K1, title="党员亮身份", kind="party_display", by=people.owners_member
    )
    assert "王建国" not in client.get(notice.get_absolute_url()).content.decode()
    client.force_login(people.resident)
    assert "王建国" in client.get(notice.get_absolute_url()).content.decode()


def test_a_resident_finds_the_board_of_their_compound_from_home_and_profile(client, tree, people):
    client.force_login(people.resident)
    board = reverse("communities:area_notices", args=[tree.K1.code])
    assert board in client.get("/").content.decode()
    assert board in client.get(reverse("communities:profile")).content.decode()
