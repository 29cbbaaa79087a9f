"""Spreadsheet imports: the dry run, the confirmed import, idempotence, scope, cancel, exports."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from communities import services
from communities.imports import runner
from communities.models import (
    Area,
    Grid,
    Household,
    ImportJob,
    ImportRow,
    Invitation,
    Membership,
    Organization,
)
from tests.factories import UserFactory, workbook_upload

AREAS = ["代码", "上级代码", "层级", "名称", "地址"]
HOUSEHOLDS = ["楼栋代码", "单元", "室号", "建筑面积(㎡)"]
RESIDENTS = ["姓名", "手机号码", "楼栋代码", "单元", "室号", "与户关系"]
ORGANIZATIONS = ["所在区域代码", "类型", "名称", "电话", "服务小区代码"]
MEMBERSHIPS = [
    "组织所在区域代码",
    "组织名称",
    "姓名",
    "手机号码",
    "职位",
    "职务",
    "任期开始",
    "任期结束",
]
GRIDS = ["网格代码", "网格名称", "网格类型", "所属区域代码", "覆盖区域代码", "网格员手机号码"]

Status = ImportJob.Status


@pytest.fixture(autouse=True)
def in_english(client):
    """Messages are asserted in English (the msgids); the Chinese report has its own test."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def compound_workbook():
    """A new compound in C1 with two buildings, three households and two residents."""
    return {
        "区域": [
            AREAS,
            ["K9", "C1", "小区", "桂花苑", "后湖大道9号"],
            ["K9-1", "K9", "楼栋", "1栋", ""],
            ["K9-2", "K9", "楼栋", "2栋", ""],
        ],
        "住户": [
            HOUSEHOLDS,
            ["K9-1", "1", 101, 88.5],
            ["K9-1", "1", "102", "90"],
            ["K9-2", "", "201", "120.25"],
        ],
        "居民": [
            RESIDENTS,
            ["张三丰", "138 1234 5678", "K9-1", "1", "101", "业主"],
            ["李秀兰", "+86 139-8765-4321", "K9-2", "", "201", "租户"],
        ],
    }


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload a workbook as `by` into `area` and, unless told not to, confirm it: the tasks run
    in-process after each commit, as they do without a broker."""

    def run(sheets, *, area, by, confirm=True, name="import.xlsx", language="en"):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start_import(
                area=area, upload=workbook_upload(sheets, name), by=by, language=language
            )
        job.refresh_from_db()
        if confirm and job.status == Status.CHECKED:
            with django_capture_on_commit_callbacks(execute=True):
                services.confirm_import(job=job, by=by)
            job.refresh_from_db()
        return job

    return run


def _outcomes(job):
    return [(row.sheet, row.number, row.outcome) for row in job.rows.order_by("pk")]


def _reasons(job):
    return {
        (row.sheet, row.number): row.message
        for row in job.rows.filter(outcome=ImportRow.Outcome.REJECT)
    }


# --- Happy paths, one per sheet kind -------------------------------------------------------------


def test_the_dry_run_says_what_it_will_do_and_changes_nothing(tree, people, run_import):
    before = (Area.objects.count(), Household.objects.count())

    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)

    assert job.status == Status.CHECKED
    assert (job.rows_total, job.rows_done) == (8, 8)
    assert (job.created_count, job.changed_count, job.skipped_count, job.rejected_count) == (
        8,
        0,
        0,
        0,
    )
    assert _outcomes(job)[:2] == [("areas", 2, "create"), ("areas", 3, "create")]
    assert (Area.objects.count(), Household.objects.count()) == before
    assert not Invitation.objects.exists()


def test_areas_households_and_residents_are_imported_once_confirmed(tree, people, run_import):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff)

    assert job.status == Status.DONE
    compound = Area.objects.get(code="K9")
    assert Area.objects.get_parent(compound) == tree.C1
    assert (compound.level, compound.name, compound.address) == (
        Area.Level.COMPOUND,
        "桂花苑",
        "后湖大道9号",
    )
    assert Area.objects.get_parent(Area.objects.get(code="K9-2")) == compound
    assert Area.objects.find_problems() == ([], [], [], [], [])
    assert sorted(
        Household.objects.filter(building__code__startswith="K9").values_list(
            "building__code", "unit", "room", "floor_area"
        )
    ) == [
        ("K9-1", "1", "101", Decimal("88.50")),
        ("K9-1", "1", "102", Decimal("90.00")),
        ("K9-2", "", "201", Decimal("120.25")),
    ]
    invitation = Invitation.objects.get(phone="+8613812345678")
    assert (invitation.full_name, invitation.relation, str(invitation.household)) == (
        "张三丰",
        "owner",
        "1栋 unit 1 101",
    )
    assert invitation.job == job and invitation.claimed_by is None
    assert Invitation.objects.get(phone="+8613987654321").relation == "tenant"


def test_organisations_memberships_and_grids_are_imported(tree, people, run_import):
    chair = UserFactory(phone="+8613700000001")
    worker = UserFactory(phone="+8613700000002")
    sheets = {
        "组织": [
            ORGANIZATIONS,
            ["K1", "业委会", "幸福家园业主委员会", "027-1234", ""],
            ["C1", "物业服务企业", "安居物业", "", "K1、K2"],
        ],
        "任职": [
            MEMBERSHIPS,
            ["K1", "幸福家园业主委员会", "王", "13700000001", "负责人", "主任", "2024-03-01", ""],
        ],
        "网格": [
            GRIDS,
            ["C1-G9", "安居第九网格", "微网格", "C1", "K1, K2", "137 0000 0002"],
        ],
    }

    job = run_import(sheets, area=tree.C1, by=people.community_staff)

    assert job.status == Status.DONE, job.error
    committee = Organization.objects.get(name="幸福家园业主委员会")
    assert (committee.kind, committee.area, committee.phone) == (
        "owners_committee",
        tree.K1,
        "027-1234",
    )
    firm = Organization.objects.get(name="安居物业")
    assert set(firm.served_areas.all()) == {tree.K1, tree.K2}
    membership = Membership.objects.get(user=chair)
    assert (membership.organization, membership.position, membership.title) == (
        committee,
        "head",
        "主任",
    )
    assert str(membership.starts_on) == "2024-03-01"
    grid = Grid.objects.get(code="C1-G9")
    assert (grid.kind, grid.area, grid.worker) == ("micro", tree.C1, worker)
    assert set(grid.covered_areas.all()) == {tree.K1, tree.K2}


def test_a_csv_export_layout_imports_too(tree, people, django_capture_on_commit_callbacks):
    content = "\ufeff楼栋代码,单元,室号,建筑面积(㎡)\r\nBuilding code,Unit,Room,Floor area (m²)\r\nB2,2,301,66\r\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("households.csv", content.encode("utf-8"), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_import(
            area=tree.C1, upload=upload, by=people.community_staff, language="en"
        )
    job.refresh_from_db()

    assert (job.status, job.rows_total, job.created_count) == (Status.CHECKED, 1, 1)


# --- Refusals --------------------------------------------------------------------------------------


def test_a_workbook_with_twenty_broken_rows_is_refused_row_by_row_and_nothing_is_stored(
    tree, people, run_import
):
    sheets = {
        "区域": [
            AREAS,
            ["K8", "C1", "小区", "丹桂苑", ""],  # 2: fine
            ["K8-1", "NOPE", "楼栋", "1栋", ""],  # 3: unknown parent code
            ["B9", "C1", "楼栋", "9栋", ""],  # 4: a building under a community
            ["K8-2", "K8", "社区", "2栋", ""],  # 5: a community under a compound
            ["C9", "S2", "社区", "外社区", ""],  # 6: outside the staff member's area
            ["bad code!", "C1", "小区", "x", ""],  # 7: malformed code
            ["K8-3", "K8", "大楼", "3栋", ""],  # 8: unknown level
            ["K8-4", "K8", "楼栋", "", ""],  # 9: no name
            ["K8", "C1", "小区", "丹桂苑", ""],  # 10: duplicate code
            ["B1", "C1", "楼栋", "1栋", ""],  # 11: an existing building under another parent
        ],
        "住户": [
            HOUSEHOLDS,
            ["B1", "1", "201", "abc"],  # 2: floor area not a number
            ["B1", "1", "202", "-5"],  # 3: negative floor area
            ["B1", "1", "", "60"],  # 4: no room
            ["ZZ", "1", "101", "60"],  # 5: unknown building
            ["K1", "1", "101", "60"],  # 6: a compound, not a building
            ["B5", "1", "301", "60"],  # 7: outside (C3)
            ["B2", "1", "401", "60"],  # 8: fine
            ["B2", "1", "401", "61"],  # 9: duplicate household
        ],
        "居民": [
            RESIDENTS,
            ["王五", "12345", "B1", "1", "101", "业主"],  # 2: malformed phone number
            ["", "13800000001", "B1", "1", "101", "业主"],  # 3: no name
            ["赵六", "13800000002", "B1", "1", "999", "业主"],  # 4: no such household
            ["钱七", "13800000003", "B1", "1", "101", "邻居"],  # 5: unknown relation
        ],
    }
    before = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())

    job = run_import(sheets, area=tree.C1, by=people.community_staff)

    assert job.status == Status.REFUSED
    assert job.rejected_count == 20
    reasons = _reasons(job)
    assert len(reasons) == 20
    assert "Unknown parent code NOPE" in reasons[("areas", 3)]
    assert reasons[("areas", 4)] == (
        "A building must be placed under a compound, not under a community."
    )
    assert reasons[("areas", 5)] == (
        "A community must be placed under a street, not under a compound."
    )
    assert reasons[("areas", 6)] == "S2 is outside 安居社区, where you may import."
    assert "not a code" in reasons[("areas", 7)]
    assert "“大楼” is not one of" in reasons[("areas", 8)]
    assert reasons[("areas", 9)] == "Name is empty."
    assert reasons[("areas", 10)] == "Duplicate: row 2 already has 丹桂苑 (K8)."
    assert "already stands under K1" in reasons[("areas", 11)]
    assert reasons[("households", 2)] == "Floor area (m²) “abc” is not a number."
    assert "positive number" in reasons[("households", 3)]
    assert reasons[("households", 4)] == "Room is empty."
    assert reasons[("households", 5)] == "Unknown building code ZZ."
    assert "not a building" in reasons[("households", 6)]
    assert "outside 安居社区" in reasons[("households", 7)]
    assert reasons[("households", 9)].startswith("Duplicate: row 8 already has B2 1-401")
    assert "not a mainland mobile number" in reasons[("residents", 2)]
    assert reasons[("residents", 3)] == "Name is empty."
    assert "No household B1 1-999" in reasons[("residents", 4)]
    assert "“邻居” is not one of" in reasons[("residents", 5)]
    with pytest.raises(ValidationError):
        services.confirm_import(job=job, by=people.community_staff)
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == before


def test_reasons_are_written_in_the_uploaders_language(tree, people, run_import):
    sheets = {"住户": [HOUSEHOLDS, ["B1", "1", "201", "abc"]]}

    job = run_import(sheets, area=tree.C1, by=people.community_staff, language="zh-hans")

    assert job.rows.get().message == "建筑面积(㎡) “abc” 不是数字。"


def test_staff_import_only_inside_their_own_subtree(tree, people, run_import):
    sheets = {"住户": [HOUSEHOLDS, ["B4", "1", "301", "60"], ["B1", "1", "301", "60"]]}

    job = run_import(sheets, area=tree.C1, by=people.community_staff, confirm=False)

    assert _reasons(job) == {("households", 2): "B4 is outside 安居社区, where you may import."}
    with pytest.raises(PermissionDenied):
        run_import(sheets, area=tree.C2, by=people.community_staff)
    with pytest.raises(PermissionDenied):
        run_import(sheets, area=tree.K1, by=people.owners_member)


def test_an_upload_that_is_not_a_workbook_is_refused_in_words(
    tree, people, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        services.start_import(
            area=tree.C1,
            upload=SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0"),
            by=people.community_staff,
            language="en",
        )
    assert "Upload an Excel workbook (.xlsx) or a CSV file" in str(refused.value)
    # Not a ZIP package at all: refused before it is stored, with the same words.
    with pytest.raises(ValidationError) as refused:
        services.start_import(
            area=tree.C1,
            upload=SimpleUploadedFile("list.xlsx", b"not a zip"),
            by=people.community_staff,
            language="en",
        )
    assert "This file cannot be read as an Excel workbook (.xlsx)." in str(refused.value)
    assert not ImportJob.objects.exists()


def test_a_workbook_without_a_known_sheet_says_so(tree, people, run_import):
    job = run_import(
        {"Sheet1": [["名字", "电话"], ["张三", "138"]]}, area=tree.C1, by=people.community_staff
    )

    assert job.status == Status.REFUSED
    assert "No sheet of this file has the headers of a template" in job.error
    assert "Sheet1" in job.error


# --- Idempotence and corrections -----------------------------------------------------------------


def test_importing_the_same_workbook_twice_changes_nothing_the_second_time(
    tree, people, run_import
):
    first = run_import(compound_workbook(), area=tree.C1, by=people.community_staff)
    codes = sorted(Invitation.objects.values_list("code", flat=True))
    counts = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())

    second = run_import(compound_workbook(), area=tree.C1, by=people.community_staff)

    assert first.status == second.status == Status.DONE
    assert (second.created_count, second.changed_count, second.skipped_count) == (0, 0, 8)
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == counts
    assert sorted(Invitation.objects.values_list("code", flat=True)) == codes


def test_a_corrected_workbook_updates_in_place_by_stable_codes(tree, people, run_import):
    run_import(compound_workbook(), area=tree.C1, by=people.community_staff)
    household = Household.objects.get(building__code="K9-1", room="102")
    corrected = compound_workbook()
    corrected["区域"][1] = ["K9", "C1", "小区", "桂花苑小区", "后湖大道99号"]
    corrected["住户"][2] = ["K9-1", "1", "102", "91.5"]
    corrected["居民"][1] = ["张三丰", "13812345678", "K9-1", "1", "102", "家庭成员"]

    job = run_import(corrected, area=tree.C1, by=people.community_staff)

    assert (job.created_count, job.changed_count, job.skipped_count) == (0, 3, 5)
    assert Area.objects.get(code="K9").name == "桂花苑小区"
    household.refresh_from_db()
    assert household.floor_area == Decimal("91.50")
    invitation = Invitation.objects.get(phone="+8613812345678")
    assert (invitation.household, invitation.relation) == (household, "family")
    assert Household.objects.filter(building__code="K9-1").count() == 2


def test_rows_that_stop_fitting_between_check_and_confirm_roll_the_whole_import_back(
    tree, people, run_import, admin_user, django_capture_on_commit_callbacks
):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)
    # Someone registers a district-level place with the same code meanwhile.
    services.create_area(parent=tree.S2, code="K9-2", name="抢注", level=3, by=admin_user)
    before = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_import(job=job, by=people.community_staff)
    job.refresh_from_db()

    assert job.status == Status.FAILED
    assert "nothing was imported" in job.error
    assert "Row 4: K9-2 is outside 安居社区" in job.error
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == before
    assert job.rows.filter(outcome="create").count() == 8  # the dry run's report stays


# --- Progress, cancel ------------------------------------------------------------------------------


def test_cancelling_a_running_import_leaves_nothing(tree, people, run_import, monkeypatch):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)
    services.confirm_import(job=job, by=people.community_staff)
    real_process = runner.process

    def cancel_after_the_first_chunk(job, book, *, commit, on_chunk, chunk_size=2):
        def cancel_then_report(done, counts):
            services.cancel_import(job=job, by=people.community_staff)
            on_chunk(done, counts)

        return real_process(job, book, commit=commit, on_chunk=cancel_then_report, chunk_size=2)

    monkeypatch.setattr(services.imports, "process", cancel_after_the_first_chunk)
    before = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())

    job = services.run_import(job=job)

    assert job.status == Status.CANCELLED
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == before


def test_a_checked_import_can_be_cancelled_and_then_not_confirmed(tree, people, run_import):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)

    services.cancel_import(job=job, by=people.community_staff)
    job.refresh_from_db()

    assert job.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        services.confirm_import(job=job, by=people.community_staff)


def test_confirming_twice_imports_once(tree, people, run_import):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff)

    again = services.confirm_import(job=job, by=people.community_staff)

    assert again.status == Status.DONE
    assert Household.objects.filter(building__code__startswith="K9").count() == 3


def test_checking_costs_the_same_queries_whatever_the_number_of_rows(tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(rooms):
        sheets = {"住户": [HOUSEHOLDS, *[["B2", "1", str(room), "70"] for room in rooms]]}
        job = ImportJob.objects.create(
            area=tree.C1, created_by=people.community_staff, original_name="h.xlsx"
        )
        job.file.save("h.xlsx", workbook_upload(sheets))
        with CaptureQueriesContext(connection) as captured:
            services.check_import(job=job)
        return len(captured)

    assert queries_for(range(1000, 1010)) == queries_for(range(2000, 2100))


# --- Invitations -----------------------------------------------------------------------------------


@pytest.fixture
def invitation(tree, people, run_import) -> Invitation:
    run_import(compound_workbook(), area=tree.C1, by=people.community_staff)
    return Invitation.objects.get(phone="+8613812345678")


def test_claiming_an_invitation_links_the_account_verified_at_once(invitation, people):
    person = UserFactory(full_name="", phone=None)

    residency = services.claim_invitation(user=person, code=invitation.display_code.lower())

    assert (residency.household, residency.status, residency.relation) == (
        invitation.household,
        "verified",
        "owner",
    )
    assert residency.decided_by == people.community_staff
    person.refresh_from_db()
    assert (person.full_name, person.phone) == ("张三丰", "+8613812345678")
    invitation.refresh_from_db()
    assert (invitation.claimed_by, invitation.claimed_at is not None) == (person, True)
    assert person.has_perm("communities.view_household", invitation.household)


def test_an_invitation_is_used_once(invitation):
    first, second = UserFactory(), UserFactory()
    services.claim_invitation(user=first, code=invitation.code)

    again = services.claim_invitation(user=first, code=invitation.code)
    with pytest.raises(ValidationError) as refused:
        services.claim_invitation(user=second, code=invitation.code)

    assert again.user == first
    assert refused.value.message_dict == {"code": ["This code has already been used."]}
    assert not second.residencies.exists()


def test_an_expired_or_wrong_code_is_refused_clearly(invitation):
    import datetime

    from django.utils import timezone

    invitation.expires_at = timezone.now() - datetime.timedelta(days=1)
    invitation.save()
    person = UserFactory()

    with pytest.raises(ValidationError) as expired:
        services.claim_invitation(user=person, code=invitation.code)
    with pytest.raises(ValidationError) as wrong:
        services.claim_invitation(user=person, code="ABCDE-FGHJK")

    assert "This code expired on" in expired.value.message_dict["code"][0]
    assert "No invitation has this code" in wrong.value.message_dict["code"][0]
    assert not person.residencies.exists()


def test_importing_an_expired_invitation_again_gives_it_a_new_code(
    invitation, tree, people, run_import
):
    import datetime

    from django.utils import timezone

    invitation.expires_at = timezone.now() - datetime.timedelta(days=1)
    invitation.save()
    old_code = invitation.code

    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff)

    invitation.refresh_from_db()
    assert job.changed_count == 1
    assert invitation.code != old_code and invitation.is_open()
    assert services.claim_invitation(user=UserFactory(), code=invitation.code).status == "verified"


def test_erasing_a_person_clears_the_name_and_number_staff_imported(invitation):
    person = UserFactory()
    services.claim_invitation(user=person, code=invitation.code)
    waiting = Invitation.objects.get(phone="+8613987654321")
    stranger = UserFactory(phone="+8613987654321")

    services.erase_person(user=person)
    services.erase_person(user=stranger)

    invitation.refresh_from_db()
    waiting.refresh_from_db()
    assert (invitation.full_name, invitation.phone) == ("", None)
    assert (waiting.full_name, waiting.phone) == ("", None)


def test_a_pending_claim_of_the_same_household_becomes_verified(invitation, tree):
    person = UserFactory()
    claim = services.claim_household(
        user=person,
        community=tree.C1,
        building=invitation.household.building,
        unit="1",
        room="101",
        relation="owner",
    )

    residency = services.claim_invitation(user=person, code=invitation.code)

    assert residency.pk == claim.pk and residency.status == "verified"


def test_the_claim_page_fills_the_code_from_the_qr_link_and_links_the_household(client, invitation):
    person = UserFactory()
    client.force_login(person)
    url = reverse("communities:invitation_claim")

    page = client.get(url, {"code": invitation.code})
    wrong = client.post(url, {"code": "WRONG-CODE0"})
    right = client.post(url, {"code": invitation.display_code})

    assert invitation.code in page.content.decode()
    assert wrong.status_code == 400 and "No invitation has this code" in wrong.content.decode()
    assert right.status_code == 302
    assert person.residencies.verified().get().household == invitation.household


def test_the_print_sheet_shows_codes_and_qr_codes_but_masked_names(client, invitation, people):
    client.force_login(people.community_staff)

    page = client.get(reverse("communities:import_job_invitations", args=[invitation.job_id]))

    html = page.content.decode()
    assert invitation.display_code in html
    assert "data:image/svg+xml" in html
    assert "张**" in html and "张三丰" not in html
    client.force_login(people.owners_member)
    assert (
        client.get(
            reverse("communities:import_job_invitations", args=[invitation.job_id])
        ).status_code
        == 404
    )


# --- Exports ---------------------------------------------------------------------------------------


def _xlsx_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_exports_come_back_in_the_template_layout_and_import_unchanged(
    client, tree, people, run_import
):
    run_import(compound_workbook(), area=tree.C1, by=people.community_staff)
    client.force_login(people.community_staff)

    households = client.get(reverse("communities:area_export", args=["K9", "households", "xlsx"]))
    residents = client.get(reverse("communities:area_export", args=["K9", "residents", "csv"]))

    rows = _xlsx_rows(households)
    assert rows[0] == HOUSEHOLDS
    assert rows[1] == ["Building code", "Unit", "Room", "Floor area (m²)"]
    assert rows[2:] == [
        ["K9-1", "1", "101", 88.5],
        ["K9-1", "1", "102", 90],
        ["K9-2", None, "201", 120.25],
    ]
    assert residents.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(residents.content.decode("utf-8-sig"))))
    assert lines[0] == RESIDENTS
    assert lines[2] == ["张三丰", "13812345678", "K9-1", "1", "101", "业主"]
    again = run_import(
        {"住户": _xlsx_rows(households), "居民": lines},
        area=tree.C1,
        by=people.community_staff,
    )
    assert (again.status, again.created_count, again.changed_count) == (Status.DONE, 0, 0)


def test_exports_mask_personal_data_unless_the_role_needs_it(client, tree, people):
    url = reverse("communities:area_export", args=["K1", "memberships", "csv"])

    def phones_seen_by(person):
        client.force_login(person)
        response = client.get(url)
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return [line[3] for line in lines[2:]]

    full = people.owners_member.phone.removeprefix("+86")
    assert phones_seen_by(people.community_staff) == [full]
    assert phones_seen_by(people.owners_member) == [f"{full[:3]}****{full[-4:]}"]
    client.force_login(people.stranger)
    assert client.get(url).status_code == 403


def test_a_template_has_chinese_headers_english_headers_and_an_example_that_is_skipped(
    client, tree, people, run_import
):
    client.force_login(people.community_staff)

    response = client.get(reverse("communities:import_template", args=["all"]))

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["说明", "区域", "住户"]
    households = [list(row) for row in book["住户"].iter_rows(values_only=True)]
    assert households[0] == HOUSEHOLDS
    assert households[1][0] == "Building code"
    assert households[2] == ["420102-001-001-01-03", "1", "101", "88.50"]
    sheets = {
        name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames
    }
    job = run_import(sheets, area=tree.C1, by=people.community_staff, confirm=False)
    assert job.rejected_count == 0 and job.skipped_count == len(book.sheetnames) - 1
    assert "example row" in job.rows.first().message


# --- Pages ---------------------------------------------------------------------------------------


def test_the_report_shows_rejected_rows_first_and_every_row_on_request(
    client, tree, people, run_import
):
    sheets = {"住户": [HOUSEHOLDS, ["B1", "1", "301", "60"], ["B1", "1", "302", "abc"]]}
    job = run_import(sheets, area=tree.C1, by=people.community_staff)
    client.force_login(people.community_staff)

    first = client.get(job.get_absolute_url()).content.decode()
    every = client.get(job.get_absolute_url(), {"outcome": "all"}).content.decode()

    assert "B1 1-302" in first and "B1 1-301" not in first
    assert "B1 1-302" in every and "B1 1-301" in every


def test_the_import_page_is_for_those_who_manage_the_area(client, tree, people):
    url = reverse("communities:area_imports", args=[tree.C1.code])

    client.force_login(people.owners_member)
    assert client.get(url).status_code == 403
    client.force_login(people.community_staff)
    page = client.get(url)
    area_page = client.get(tree.C1.get_absolute_url())

    assert page.status_code == 200
    assert reverse("communities:import_template", args=["households"]) in page.content.decode()
    assert url in area_page.content.decode()


def test_uploading_a_wrong_file_answers_400_with_the_reason(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people.community_staff)

    response = client.post(
        reverse("communities:area_imports", args=[tree.C1.code]),
        {"file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff")},
    )

    assert response.status_code == 400
    assert "Upload an Excel workbook" in response.content.decode()


def test_a_job_is_seen_by_its_starter_and_the_staff_above_only(client, tree, people, run_import):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)
    url = job.get_absolute_url()

    seen = {}
    for role in ("community_staff", "street_staff", "owners_member", "stranger"):
        client.force_login(getattr(people, role))
        seen[role] = client.get(url).status_code

    assert seen == {
        "community_staff": 200,
        "street_staff": 200,
        "owners_member": 404,
        "stranger": 404,
    }


def test_the_progress_partial_polls_while_running_and_reloads_the_page_when_done(
    client, tree, people, run_import
):
    job = run_import(compound_workbook(), area=tree.C1, by=people.community_staff, confirm=False)
    client.force_login(people.community_staff)
    url = reverse("communities:import_job_progress", args=[job.pk])
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING, rows_done=3)

    running = client.get(url, headers={"HX-Request": "true"})
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKED, rows_done=8)
    finished = client.get(url, headers={"HX-Request": "true"})

    html = running.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<progress id="import-progress-bar" max="8" value="3">' in html
    assert "3 of 8 rows" in html
    assert finished.headers["HX-Refresh"] == "true"


# --- A whole community, end to end ---------------------------------------------------------------


def test_a_community_of_40_buildings_and_3000_households_imports_through_the_pages(
    client, tree, people, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from communities.imports.sample import Sizes, community_workbook

    workbook = community_workbook(
        parent_code="S1",
        code="C7",
        name="和谐社区",
        sizes=Sizes(compounds=4, buildings=40, households=3000, residents=3000),
    )
    client.force_login(people.street_staff)

    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            reverse("communities:area_imports", args=[tree.S1.code]),
            {"file": SimpleUploadedFile("和谐社区.xlsx", workbook)},
        )
    job = ImportJob.objects.get()
    checked = client.get(job.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("communities:import_job_confirm", args=[job.pk]))
    progress = client.get(reverse("communities:import_job_progress", args=[job.pk]))
    report = client.get(job.get_absolute_url())

    assert uploaded.status_code == 302 and uploaded.url == job.get_absolute_url()
    assert "Confirm and import" in checked.content.decode()
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.created_count, job.rejected_count) == (
        Status.DONE,
        6045,
        6045,
        0,
    )
    assert (
        '<progress id="import-progress-bar" max="6045" value="6045">' in progress.content.decode()
    )
    assert "What was imported" in report.content.decode()
    assert "Print 3000 invitations" in report.content.decode()
    community = Area.objects.get(code="C7")
    assert Area.objects.get_parent(community) == tree.S1
    assert Area.objects.under(community).of_level(Area.Level.BUILDING).count() == 40
    assert Household.objects.filter(building__path__startswith=community.path).count() == 3000
    assert (
        Invitation.objects.filter(household__building__path__startswith=community.path).count()
        == 3000
    )
    households_page = client.get(reverse("communities:household_list", args=["C7-01-01"]))
    assert households_page.status_code == 200 and "101" in households_page.content.decode()
    assert "C7-01" in client.get(community.get_absolute_url()).content.decode()
