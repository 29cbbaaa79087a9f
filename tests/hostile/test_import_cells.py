"""Hypothesis writes the cells of a spreadsheet staff import (places, households, residents):
the text of any cell, as typed in Excel or WPS. The check always ends, as checked or refused,
every refused row says why, and a confirmed import stores exactly what the check accepted."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities import services
from communities.models import Area, Household, ImportJob, ImportRow
from tests.factories import workbook_upload
from tests.hostile import registry
from tests.hostile.test_text_inputs import HOSTILE_STRINGS

cell = st.one_of(
    st.text(max_size=40), st.sampled_from(HOSTILE_STRINGS), st.integers(), st.floats(), st.none()
)
AREAS = ["代码", "上级代码", "层级", "名称", "地址"]
HOUSEHOLDS = ["楼栋代码", "单元", "室号", "建筑面积(㎡)"]
RESIDENTS = ["姓名", "手机号码", "楼栋代码", "单元", "室号", "与户关系"]


def _xlsx_safe(value):
    # openpyxl refuses control characters in a cell, as Excel does: a real workbook has none.
    if isinstance(value, str):
        return "".join(char for char in value if char >= " " or char in "\t\n")
    return value


@pytest.mark.django_db
def test_any_cell_text_is_checked_and_explained_never_crashes(
    tree, people, django_capture_on_commit_callbacks
):
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        areas=st.lists(st.lists(cell, min_size=5, max_size=5), max_size=4),
        households=st.lists(st.lists(cell, min_size=4, max_size=4), max_size=4),
        residents=st.lists(st.lists(cell, min_size=6, max_size=6), max_size=4),
        as_csv=st.booleans(),
    )
    def check(areas, households, residents, as_csv):
        registry.tried("spreadsheet cells: import")
        rows = {
            "区域": [AREAS, *areas],
            "住户": [HOUSEHOLDS, *households],
            "居民": [RESIDENTS, *residents],
        }
        rows = {
            title: [[_xlsx_safe(v) for v in row] for row in sheet] for title, sheet in rows.items()
        }
        upload = workbook_upload(rows)
        if as_csv:
            upload = _as_csv(rows["住户"])
        before = (Area.objects.count(), Household.objects.count())
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start_import(
                area=tree.C1, upload=upload, by=people.community_staff, language="en"
            )
        job.refresh_from_db()

        assert job.status in (ImportJob.Status.CHECKED, ImportJob.Status.REFUSED), job.status
        assert (Area.objects.count(), Household.objects.count()) == before
        refused = job.rows.filter(outcome=ImportRow.Outcome.REJECT)
        assert all(row.message.strip() for row in refused)
        if job.status == ImportJob.Status.REFUSED:
            assert job.error or refused.exists()
        else:
            with django_capture_on_commit_callbacks(execute=True):
                services.confirm_import(job=job, by=people.community_staff)
            job.refresh_from_db()
            assert job.status in (ImportJob.Status.DONE, ImportJob.Status.REFUSED)

    check()


def _as_csv(rows):
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    csv.writer(buffer).writerows(["" if v is None else v for v in row] for row in rows)
    return SimpleUploadedFile("households.csv", buffer.getvalue().encode("utf-8-sig"))
