"""Issue pages as people use them: bad input refused whole, privacy on public pages, budgets."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from deliberation import services
from deliberation.models import FunnelCount, Issue, IssuePhoto


def _jpeg(name="lamp.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    Image.new("RGB", size, "orange").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _form(tree, categories, **overrides):
    data = {
        "title": "小区路灯不亮",
        "description": "3号楼门口的路灯坏了一周。",
        "category": categories["lamp"].code,
        "area": tree.B1.code,
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


@pytest.fixture
def resident_client(client, people):
    client.force_login(people.resident)
    return client


def test_a_resident_reports_a_problem_with_a_photo_and_lands_on_its_page(
    resident_client, tree, categories
):
    response = resident_client.post(
        reverse("deliberation:report_issue"), {**_form(tree, categories), "photos": [_jpeg()]}
    )
    issue = Issue.objects.get()
    assert response.status_code == 302 and response["Location"] == issue.get_absolute_url()
    photo = IssuePhoto.objects.get()
    assert photo.image.name.endswith(".jpg") and "lamp" not in photo.image.name
    with photo.image.open("rb") as stored:
        assert len(Image.open(stored).getexif()) == 0


def test_the_form_preselects_the_residents_home_building(resident_client, tree, categories):
    html = resident_client.get(reverse("deliberation:report_issue")).content.decode()
    assert f'<option value="{tree.B1.code}" selected>' in html


def test_a_qr_link_fills_in_the_place_and_records_the_channel(resident_client, tree, categories):
    url = reverse("deliberation:report_issue") + f"?area={tree.B2.code}&via=qr"
    assert f'<option value="{tree.B2.code}" selected>' in resident_client.get(url).content.decode()
    resident_client.post(url, _form(tree, categories, area=tree.B2.code))
    assert Issue.objects.get().channel == Issue.Channel.QR


def test_a_double_tap_makes_one_issue(resident_client, tree, categories):
    data = _form(tree, categories)
    first = resident_client.post(reverse("deliberation:report_issue"), data)
    second = resident_client.post(reverse("deliberation:report_issue"), data)
    assert Issue.objects.count() == 1
    assert first["Location"] == second["Location"]


def _pdf_named_jpg():
    return SimpleUploadedFile(
        "photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="image/jpeg"
    )


def _huge_png():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize(
    ("overrides", "photos", "field"),
    [
        ({"title": ""}, None, "title"),
        ({"description": "很" * 2001}, None, "description"),
        ({}, "pdf", "photos"),
        ({}, "huge", "photos"),
        ({}, "seven", "photos"),
        ({"category": "no-such-category"}, None, "category"),
        ({"area": "B5"}, None, "area"),
    ],
    ids=[
        "empty title",
        "5 MB text",
        "PDF renamed .jpg",
        "20000x20000 PNG",
        "seventh photo",
        "unknown category",
        "area not allowed",
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    resident_client, tree, categories, overrides, photos, field
):
    make = {
        "pdf": lambda: [_pdf_named_jpg()],
        "huge": lambda: [_huge_png()],
        "seven": lambda: [_jpeg(f"{n}.jpg") for n in range(7)],
    }
    files = make[photos]() if photos else []
    response = resident_client.post(
        reverse("deliberation:report_issue"),
        {**_form(tree, categories, **overrides), "photos": files},
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Issue.objects.exists() and not IssuePhoto.objects.exists()


def test_a_transition_the_state_machine_forbids_is_refused_with_a_message(client, report, people):
    issue = report()
    client.force_login(people.firm_staff)
    response = client.post(
        reverse("deliberation:issue_act", args=[issue.pk, "resolve"]), {"note": "done"}, follow=True
    )
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED
    assert "message error" in response.content.decode()


def test_the_public_page_shows_the_timeline_but_never_the_reporter(client, report, people, firm):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    html = client.get(issue.get_absolute_url()).content.decode()
    assert issue.title in html and firm.name in html
    for secret in (
        people.resident.full_name,
        people.resident.username,
        people.resident.phone,
        people.resident.phone[3:],
    ):
        assert secret not in html
    client.force_login(people.owners_member)
    staff_view = client.get(issue.get_absolute_url()).content.decode()
    assert people.resident.masked_name in staff_view
    assert people.resident.phone[3:] not in staff_view


def test_a_private_matter_is_a_404_to_the_public(client, report, people):
    issue = report(category="private", title="邻里纠纷")
    assert client.get(issue.get_absolute_url()).status_code == 404
    client.force_login(people.stranger)
    assert client.get(issue.get_absolute_url()).status_code == 404
    client.force_login(people.resident)
    assert client.get(issue.get_absolute_url()).status_code == 200


def test_public_search_in_chinese_finds_a_two_character_word(client, report, tree):
    report(title="小区路灯不亮")
    report(title="电梯故障", description="电梯停在三楼")
    html = client.get(
        reverse("deliberation:area_issues", args=[tree.C1.code]), {"q": "路灯"}
    ).content.decode()
    assert "小区路灯不亮" in html and "电梯故障" not in html


def test_the_public_list_costs_the_same_queries_for_few_and_many_issues(client, report, tree):
    def count():
        with CaptureQueriesContext(__import__("django.db").db.connection) as queries:
            assert (
                client.get(reverse("deliberation:area_issues", args=[tree.S1.code])).status_code
                == 200
            )
        return len(queries)

    report()
    few = count()
    for number in range(30):
        report(title=f"问题{number}")
    assert count() == few


def test_the_staff_queue_costs_the_same_queries_for_few_and_many_issues(client, report, people):
    from django.db import connection

    client.force_login(people.community_staff)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("deliberation:staff_queue")).status_code == 200
        return len(queries)

    report()
    few = count()
    for number in range(30):
        report(title=f"问题{number}")
    assert count() == few


def test_the_queue_exports_csv_with_a_bom_for_excel(client, report, people):
    report()
    client.force_login(people.community_staff)
    response = client.get(reverse("deliberation:staff_queue"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    assert "小区路灯不亮" in response.content.decode("utf-8-sig")


def test_the_queue_is_only_for_staff(client, people):
    client.force_login(people.resident)
    assert client.get(reverse("deliberation:staff_queue")).status_code == 403


def test_staff_filter_by_overdue_and_bulk_assign(client, report, people, firm):
    issues = [
        services.accept_issue(issue=report(title=f"问题{n}"), by=people.owners_member)
        for n in range(3)
    ]
    client.force_login(people.community_staff)
    response = client.post(
        reverse("deliberation:staff_bulk_assign"),
        {"issues": [issue.pk for issue in issues[:2]], "organization": firm.pk},
    )
    assert response.status_code == 302
    assert Issue.objects.filter(assigned_to=firm).count() == 2
    html = client.get(reverse("deliberation:staff_queue"), {"overdue": "true"}).content.decode()
    assert "问题0" not in html


def test_every_compound_and_building_has_a_qr_poster(client, tree):
    html = client.get(reverse("deliberation:area_poster", args=[tree.B1.code])).content.decode()
    assert "data:image/svg+xml" in html and f"area={tree.B1.code}" in html
    assert client.get(reverse("deliberation:area_poster", args=[tree.S1.code])).status_code == 404


def test_the_funnel_page_shows_children_side_by_side(client, report, people, firm, tree):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    response = client.get(reverse("deliberation:area_funnel", args=[tree.S1.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert tree.C1.name in html and tree.C2.name in html


def test_recount_finds_no_drift_after_normal_work_and_repairs_tampering(report, people, firm, tree):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    out = io.StringIO()
    call_command("recount_funnel", stdout=out)
    assert "0 drifted" in out.getvalue()
    FunnelCount.objects.filter(area=tree.S1).update(collected=99)
    with pytest.raises(SystemExit):
        call_command("recount_funnel", stdout=io.StringIO())
    call_command("recount_funnel", fix=True, stdout=io.StringIO())
    assert FunnelCount.objects.get(area=tree.S1).collected == 1


def test_a_5_mb_text_gets_a_clear_page_and_nothing_is_stored(resident_client, tree, categories):
    resident_client.raise_request_exception = False
    data = _form(tree, categories, description="很" * (5 * 1024 * 1024 // 3))
    response = resident_client.post(reverse("deliberation:report_issue"), data)
    assert response.status_code == 400
    assert "error-page" in response.content.decode()
    assert not Issue.objects.exists()


def test_a_grid_worker_logs_a_visit_and_reports_what_was_heard(
    client, tree, households, people, categories
):
    client.force_login(people.grid_worker)
    household = households["B1"]
    response = client.post(
        reverse("deliberation:household_visits"),
        {"household": household.pk, "needs_heard": "老人反映楼道灯坏了"},
    )
    assert response.status_code == 302
    visit_url = response["Location"]
    assert "visit=" in visit_url
    html = client.get(visit_url).content.decode()
    assert f'<option value="{tree.B1.code}" selected>' in html
    data = _form(tree, categories, channel="visit")
    response = client.post(visit_url, data)
    issue = Issue.objects.get()
    assert (issue.channel, issue.visit.household, issue.reporter, issue.recorded_by) == (
        "visit",
        household,
        None,
        people.grid_worker,
    )
    assert issue.title in client.get(reverse("deliberation:household_visits")).content.decode()


def test_a_grid_worker_cannot_log_a_visit_outside_their_grid(client, tree, households, people):
    client.force_login(people.grid_worker)
    response = client.post(
        reverse("deliberation:household_visits"), {"household": households["B5"].pk}
    )
    assert response.status_code == 400
    client.force_login(people.resident)
    assert client.get(reverse("deliberation:household_visits")).status_code == 403


def test_similar_open_issues_are_suggested_while_typing(client, report, people, tree):
    report(title="小区路灯不亮")
    client.force_login(people.stranger)
    response = client.get(
        reverse("deliberation:similar_issues"),
        {"title": "路灯坏了", "area": tree.B2.code},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="similar"') and "小区路灯不亮" in html
    assert (
        "小区路灯不亮"
        not in client.get(
            reverse("deliberation:similar_issues"), {"title": "路灯", "area": tree.B5.code}
        ).content.decode()
    )


def test_the_reporter_reopens_with_new_evidence(client, report, people, firm):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已处理")
    client.force_login(people.resident)
    client.post(
        reverse("deliberation:issue_act", args=[issue.pk, "reopen"]), {"note": "晚上还是不亮"}
    )
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ASSIGNED
    assert issue.events.last().note == "晚上还是不亮"


def test_staff_assign_a_mediator_who_records_the_outcome(client, report, people, tree, admin_user):
    from communities import services as community_services

    community_services.assign_area_role(
        user=people.stranger, area=tree.C1, kind="mediator", by=admin_user
    )
    issue = report(category="private", title="邻里漏水纠纷")
    client.force_login(people.community_staff)
    assert people.stranger.full_name in client.get(issue.get_absolute_url()).content.decode()
    client.post(
        reverse("deliberation:issue_act", args=[issue.pk, "mediator"]),
        {"mediator": people.stranger.pk},
    )
    client.force_login(people.stranger)
    client.post(
        reverse("deliberation:issue_act", args=[issue.pk, "outcome"]),
        {"outcome": "mediated", "note": "已和解"},
    )
    issue.refresh_from_db()
    assert (issue.mediator, issue.outcome) == (people.stranger, "mediated")


def test_the_queue_opens_on_what_needs_action(client, report, people):
    open_issue = report(title="等待受理的问题")
    closed = report(title="已经驳回的问题")
    services.reject_issue(issue=closed, by=people.community_staff, reason="重复")
    client.force_login(people.community_staff)
    html = client.get(reverse("deliberation:staff_queue")).content.decode()
    assert open_issue.title in html and closed.title not in html
    html = client.get(reverse("deliberation:staff_queue"), {"status": "rejected"}).content.decode()
    assert closed.title in html
    assert "需要处理" not in html


def test_the_median_hours_to_resolve_is_computed_on_this_database(report, people, firm, tree):
    from django.core.cache import cache

    from deliberation import selectors

    cache.clear()
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已处理")
    period = selectors.Period.from_request(None)
    median = selectors.median_hours_to_resolve(tree.D, period)
    assert median is not None and 0 <= median < 1
    assert selectors.median_hours_to_resolve(tree.S2, period) is None
    cache.clear()


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"submitted_after": "not-a-date"},
        {"assigned_to": "abc"},
        {"order": "title"},
        {"category": "no-such"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"q": "'\"); DROP TABLE deliberation_issue; --"},
        {"q": "路" * 500},
        {"overdue": "maybe"},
    ],
)
def test_hostile_queue_filters_get_an_answer_not_a_server_error(client, report, people, query):
    report()
    client.force_login(people.community_staff)
    response = client.get(reverse("deliberation:staff_queue"), query)
    assert response.status_code in {200, 400}
    assert Issue.objects.count() == 1


@pytest.mark.parametrize("period", ["2026-13", "x-Q9", "99999", "2026-Q0", "", "-1-1"])
def test_hostile_funnel_periods_fall_back_to_the_current_quarter(client, tree, period):
    assert (
        client.get(
            reverse("deliberation:area_funnel", args=[tree.D.code]), {"period": period}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "query", [{"q": "%_\\"}, {"q": "路" * 500}, {"status": "bogus"}, {"page": "abc"}]
)
def test_hostile_public_list_queries_get_an_answer(client, report, tree, query):
    report()
    assert client.get(
        reverse("deliberation:area_issues", args=[tree.C1.code]), query
    ).status_code in {200, 400}


def test_unknown_actions_and_ids_are_404(client, report, people):
    issue = report()
    client.force_login(people.community_staff)
    assert (
        client.post(reverse("deliberation:issue_act", args=[issue.pk, "explode"])).status_code
        == 404
    )
    assert (
        client.post(reverse("deliberation:issue_act", args=[999999, "accept"])).status_code == 404
    )
    assert client.get("/issues/999999/").status_code == 404
    assert (
        client.post(
            reverse("deliberation:issue_act", args=[issue.pk, "summon"]), {"department": "x"}
        ).status_code
        == 404
    )


def test_triage_staff_merge_a_duplicate_from_its_page(client, report, people):
    original = report(title="小区路灯不亮")
    duplicate = report(title="路灯又坏了", reporter=people.stranger)
    client.force_login(people.community_staff)
    assert "merge-into" in client.get(duplicate.get_absolute_url()).content.decode()
    client.post(
        reverse("deliberation:issue_act", args=[duplicate.pk, "merge"]), {"into": str(original.pk)}
    )
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, original.supporters_count) == (
        "merged",
        original,
        1,
    )
    response = client.post(
        reverse("deliberation:issue_act", args=[original.pk, "merge"]), {"into": "abc"}
    )
    assert response.status_code == 404


def test_staff_see_the_reporter_masked_until_they_ask_and_the_asking_is_recorded(
    client, report, people, firm
):
    from communities.models import PersonalDataAccess

    issue = report()
    number = people.resident.phone.removeprefix("+86")
    client.force_login(people.owners_member)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert people.resident.masked_name in page and number not in page
    client.post(reverse("deliberation:issue_reveal_reporter", args=[issue.pk]))
    page = client.get(issue.get_absolute_url()).content.decode()
    assert people.resident.full_name in page
    assert f"{number[:3]} {number[3:7]} {number[7:]}" in page
    assert PersonalDataAccess.objects.filter(
        viewer=people.owners_member, person=people.resident, context=f"issue {issue.pk}"
    ).exists()


def test_someone_who_may_not_see_the_reporter_cannot_reveal_them(client, report, people):
    from communities.models import PersonalDataAccess

    issue = report()
    client.force_login(people.stranger)
    client.post(reverse("deliberation:issue_reveal_reporter", args=[issue.pk]))
    assert not PersonalDataAccess.objects.exists()
