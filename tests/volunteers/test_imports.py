"""The volunteers' sheet, registered with communities' import framework from volunteers."""

import pytest

from communities import services
from communities.imports import get_sheet
from communities.models import ImportJob
from tests.factories import UserFactory, workbook_upload
from volunteers.models import PointsAccount, Skill

VOLUNTEERS = ["姓名", "手机号码", "所在社区代码", "技能特长"]


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    def run(rows, *, area, by):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start_import(
                area=area,
                upload=workbook_upload({"志愿者": [VOLUNTEERS, *rows]}),
                by=by,
                language="en",
            )
        job.refresh_from_db()
        if job.status == ImportJob.Status.CHECKED:
            with django_capture_on_commit_callbacks(execute=True):
                services.confirm_import(job=job, by=by)
            job.refresh_from_db()
        return job

    return run


def test_the_volunteers_sheet_is_registered_by_the_volunteers_app():
    assert get_sheet("volunteers").__module__ == "volunteers.imports"


def test_volunteers_get_a_points_account_and_skills_seen_by_staff_only(tree, people, run_import):
    barber = UserFactory(phone="+8613600000001")

    job = run_import(
        [["李师傅", "13600000001", "C1", "理发、家电维修"]], area=tree.C1, by=people.community_staff
    )

    assert job.status == ImportJob.Status.DONE
    assert PointsAccount.objects.filter(user=barber).exists()
    assert sorted(Skill.objects.filter(user=barber).values_list("name", "visibility")) == [
        ("家电维修", "staff"),
        ("理发", "staff"),
    ]


def test_importing_volunteers_again_changes_nothing_and_new_skills_are_added(
    tree, people, run_import
):
    UserFactory(phone="+8613600000001")
    run_import([["", "13600000001", "C1", "理发"]], area=tree.C1, by=people.community_staff)

    same = run_import([["", "13600000001", "C1", "理发"]], area=tree.C1, by=people.community_staff)
    more = run_import(
        [["", "13600000001", "C1", "理发、修伞"]], area=tree.C1, by=people.community_staff
    )

    assert (same.created_count, same.changed_count, same.skipped_count) == (0, 0, 1)
    assert (more.changed_count, more.rows.get().message) == (1, "Skills added: 修伞")
    assert Skill.objects.count() == 2


def test_volunteer_rows_are_refused_with_their_reasons(tree, people, run_import):
    UserFactory(phone="+8613600000001")
    UserFactory(phone="+8613600000002")

    job = run_import(
        [
            ["", "13600000009", "C1", "理发"],
            ["", "13600000001", "C3", "理发"],
            ["", "13600000002", "K1", "理发"],
        ],
        area=tree.C1,
        by=people.community_staff,
    )

    assert job.status == ImportJob.Status.REFUSED
    assert [row.message for row in job.rows.order_by("number")] == [
        "No account has the mobile number 13600000009. Ask the person to sign up (or add the "
        "number to their profile) first, then import again.",
        "C3 is outside 安居社区, where you may import.",
        "K1 is not a community.",
    ]
    assert not PointsAccount.objects.exists()
