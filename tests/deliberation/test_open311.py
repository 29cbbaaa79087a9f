"""The portal's side of Open311: how issues become service requests."""

import datetime
import uuid

from django.utils import timezone

from deliberation import services
from deliberation.photos import clean_photos
from tests.deliberation.test_photos import jpeg, upload


def _request(client, issue) -> dict:
    (row,) = client.get(f"/open311/v2/requests/{issue.pk}.json").json()
    return row


def test_a_rejected_issue_is_closed_with_the_reason_as_its_notes(client, report, people):
    issue = report()
    services.reject_issue(issue=issue, by=people.community_staff, reason="不属于本社区")
    # Rejected issues are not public, so the key of staff who see it is needed.
    from communities import services as community_services

    _token, secret = community_services.create_api_token(owner=people.community_staff, name="x")
    (row,) = client.get(f"/open311/v2/requests/{issue.pk}.json", {"api_key": secret}).json()
    assert (row["status"], row["status_notes"]) == ("closed", "不属于本社区")
    assert row["expected_datetime"] is None


def test_a_commitment_that_answers_an_issue_sets_its_expected_date(client, report, people, tree):
    issue = report()
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert _request(client, issue)["expected_datetime"] == timezone.localtime(
        issue.deadline
    ).isoformat(timespec="seconds")
    services.make_commitment(
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        title="十天内修好",
        due_on=due,
        by=people.community_staff,
        issues=[issue],
        submission_key=uuid.uuid4(),
    )
    assert _request(client, issue)["expected_datetime"] == f"{due.isoformat()}T23:59:59+08:00"


def test_the_agency_is_the_handling_tier_until_an_organisation_takes_it(
    client, report, people, firm, tree
):
    issue = report()
    assert _request(client, issue)["agency_responsible"] == tree.K1.name
    services.accept_issue(issue=issue, by=people.community_staff)
    services.assign_issue(issue=issue, organization=firm, by=people.community_staff)
    assert _request(client, issue)["agency_responsible"] == firm.name


def test_the_media_url_is_the_first_photo_of_the_report(client, report):
    photos = clean_photos([upload(jpeg())])
    issue = report(photos=photos)
    photo = issue.photos.get()
    assert _request(client, issue)["media_url"] == f"http://testserver{photo.image.url}"


def test_listing_requests_costs_the_same_queries_at_any_size(
    client, report, django_assert_max_num_queries
):
    report()
    with django_assert_max_num_queries(3):
        assert len(client.get("/open311/v2/requests.xml").content) > 0
    for number in range(10):
        report(title=f"路灯{number}")
    with django_assert_max_num_queries(3):
        response = client.get("/open311/v2/requests.json")
    assert len(response.json()) == 11


def test_a_description_with_control_characters_still_gives_well_formed_xml(client, report):
    import xml.etree.ElementTree as ET

    report(description="路灯\x0b不亮\x01了")
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.find("request").findtext("description") == "路灯不亮了"


def test_a_json_list_or_a_far_date_is_refused_with_the_error_document(client, db):
    posted = client.post("/open311/v2/requests.json", "[1, 2]", content_type="application/json")
    assert posted.status_code == 400 and posted.json()[0]["code"] == 400
    for far in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"):
        response = client.get("/open311/v2/requests.json", {"end_date": far})
        assert response.status_code == 400
