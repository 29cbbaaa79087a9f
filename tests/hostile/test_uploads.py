"""Every entry of the hostile corpus (tests/hostile/corpus.py) thrown at every upload endpoint,
through the pages, as a person would post it: issue photos, commitment evidence, notice
attachments and spreadsheet imports.

No answer is a server error; a refusal is a 400 that says why and writes nothing to the database
or to storage; what is accepted is stored only as a checked or re-encoded copy under a random
name, which the same checks accept again and which holds no script, archive or metadata.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from communities.documents import clean_document
from communities.imports.reader import check_package
from communities.models import Area, ImportJob, Notice, NoticeAttachment
from deliberation import services
from deliberation.models import CommitmentUpdate, Issue, IssuePhoto
from tests.hostile import registry
from tests.hostile.corpus import ACCEPT, CHECKED_AND_REFUSED, CORPUS, REFUSE, Hostile

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|pdf|docx|xlsx)$")
UNSAFE_BYTES = (b"<script", b"<svg", b"<html", b"<?php", b"PK\x03\x04", b"javascript:")


@pytest.fixture(autouse=True)
def in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(entry: Hostile) -> SimpleUploadedFile:
    return SimpleUploadedFile(entry.filename, entry.data, content_type=entry.content_type)


def files_under(*roots: Path) -> set[Path]:
    return {path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()}


def assert_refused_in_words(response, form_name: str = "form") -> None:
    assert response.status_code == 400
    errors = response.context[form_name].errors
    assert errors, "a refusal names its reason"
    assert all(str(message).strip() for messages in errors.values() for message in messages)


def assert_safe_picture(path: Path) -> None:
    data = path.read_bytes()
    assert not any(marker in data.lower() for marker in (m.lower() for m in UNSAFE_BYTES))
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as picture:
        picture.verify()
    with Image.open(io.BytesIO(data)) as picture:
        assert len(picture.getexif()) == 0
        assert not {"comment", "icc_profile", "Comment", "exif"} & picture.info.keys()


def assert_safe_stored(path: Path, media_root: Path) -> None:
    assert path.resolve().is_relative_to(media_root.resolve())
    assert STORED_NAME.match(path.name), path.name
    if path.suffix in (".jpg", ".png"):
        assert_safe_picture(path)
    else:
        # What is kept is what the checks accept, checked again from storage.
        again = clean_document(SimpleUploadedFile("again" + path.suffix, path.read_bytes()))
        assert again.kind == path.suffix.lstrip(".")


def assert_clean_shown_name(name: str) -> None:
    assert "/" not in name and "\\" not in name and ".." not in name.split(".")[0:1]
    assert not any(unicodedata.category(char).startswith("C") for char in name)


# --- Issue photos --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CORPUS, ids=repr)
def test_a_hostile_photo_on_an_issue_report(client, tree, people, categories, settings, entry):
    registry.tried("upload: issue photo")
    client.force_login(people.resident)
    before = files_under(settings.MEDIA_ROOT)
    data = {
        "title": "小区路灯不亮",
        "description": "3号楼门口的路灯坏了一周。",
        "category": categories["lamp"].code,
        "area": tree.B1.code,
        "submission_key": str(uuid.uuid4()),
        "photos": [upload(entry)],
    }

    response = client.post(reverse("deliberation:report_issue"), data)

    if entry.photo == REFUSE:
        assert_refused_in_words(response)
        assert "photos" in response.context["form"].errors
        assert not Issue.objects.exists() and not IssuePhoto.objects.exists()
        assert files_under(settings.MEDIA_ROOT) == before
    else:
        assert entry.photo == ACCEPT
        assert response.status_code == 302
        photo = IssuePhoto.objects.get()
        stored = Path(photo.image.path)
        assert files_under(settings.MEDIA_ROOT) - before == {stored}
        assert_safe_stored(stored, settings.MEDIA_ROOT)


# --- Commitment evidence -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CORPUS, ids=repr)
def test_a_hostile_photo_as_commitment_evidence(client, commitment, people, settings, entry):
    registry.tried("upload: commitment evidence")
    client.force_login(people.firm_staff)
    before = files_under(settings.MEDIA_ROOT)
    updates = CommitmentUpdate.objects.count()
    data = {
        "progress-progress": "40",
        "progress-text": "已更换两盏路灯",
        "progress-submission_key": str(uuid.uuid4()),
        "progress-photos": [upload(entry)],
    }

    response = client.post(
        reverse("deliberation:commitment_act", args=[commitment.pk, "progress"]), data
    )

    if entry.photo == REFUSE:
        assert_refused_in_words(response, "progress_form")
        assert CommitmentUpdate.objects.count() == updates
        assert files_under(settings.MEDIA_ROOT) == before
    else:
        assert response.status_code == 302
        assert CommitmentUpdate.objects.count() == updates + 1
        (stored,) = files_under(settings.MEDIA_ROOT) - before
        assert_safe_stored(stored, settings.MEDIA_ROOT)


# --- Notice attachments --------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CORPUS, ids=repr)
def test_a_hostile_attachment_on_a_notice(client, tree, people, settings, entry):
    registry.tried("upload: notice attachment")
    client.force_login(people.owners_member)
    organization = people.owners_member.memberships.get().organization
    before = files_under(settings.MEDIA_ROOT)
    data = {
        "organization": organization.pk,
        "kind": "announcement",
        "title": "停水通知",
        "body": "周六9点至12点停水。",
        "publish_at": "",
        "unpublish_at": "",
        "submission_key": str(uuid.uuid4()),
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "attachments": [upload(entry)],
    }

    response = client.post(reverse("communities:notice_create", args=[tree.K1.code]), data)

    if entry.document == REFUSE:
        assert_refused_in_words(response)
        assert "attachments" in response.context["form"].errors
        assert not Notice.objects.exists()
        assert files_under(settings.MEDIA_ROOT) == before
    else:
        assert response.status_code == 302
        attachment = NoticeAttachment.objects.get()
        stored = Path(attachment.file.path)
        assert files_under(settings.MEDIA_ROOT) - before == {stored}
        assert_safe_stored(stored, settings.MEDIA_ROOT)
        assert_clean_shown_name(attachment.name)
        download = client.get(attachment.get_absolute_url())
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"


# --- Spreadsheet imports -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CORPUS, ids=repr)
def test_a_hostile_workbook_for_import(
    client, tree, people, settings, django_capture_on_commit_callbacks, entry
):
    registry.tried("upload: spreadsheet import")
    client.force_login(people.community_staff)
    areas = Area.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:area_imports", args=[tree.C1.code]), {"file": upload(entry)}
        )

    assert files_under(settings.MEDIA_ROOT) == set(), "workbooks never go where media is served"
    assert Area.objects.count() == areas, "nothing is imported before staff confirm"
    if entry.workbook == REFUSE:
        assert_refused_in_words(response)
        assert not ImportJob.objects.exists()
        assert files_under(settings.IMPORTS_ROOT) == set()
        return
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert_clean_shown_name(job.original_name)
    (stored,) = files_under(settings.IMPORTS_ROOT)
    if stored.suffix == ".xlsx":
        with stored.open("rb") as kept:
            check_package(kept, max_unpacked_bytes=500 * 1024 * 1024)
    page = client.get(response["Location"])
    assert page.status_code == 200
    if entry.workbook == CHECKED_AND_REFUSED:
        assert job.status == ImportJob.Status.REFUSED
        assert job.error or job.rejected_count, "the check says why"
    else:
        assert entry.workbook == ACCEPT
        assert job.status == ImportJob.Status.CHECKED


# --- Many files at once --------------------------------------------------------------------------


def test_more_files_than_a_request_may_carry_is_a_400_not_a_crash(client, tree, people, categories):
    registry.tried("upload: too many files", 1)
    client.force_login(people.resident)
    photos = [SimpleUploadedFile(f"{n}.jpg", b"x", content_type="image/jpeg") for n in range(120)]

    response = client.post(
        reverse("deliberation:report_issue"),
        {
            "title": "小区路灯不亮",
            "description": "3号楼门口的路灯坏了一周。",
            "category": categories["lamp"].code,
            "area": tree.B1.code,
            "submission_key": str(uuid.uuid4()),
            "photos": photos,
        },
    )

    assert response.status_code == 400
    assert not Issue.objects.exists()


@pytest.fixture
def commitment(tree, people, firm):
    return services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好小区全部路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        by=people.firm_staff,
    )
