"""An independent GeoReport v2 client, written from the specification
(http://wiki.open311.org/GeoReport_v2) and nothing else: it knows the endpoint's base URL and
an api_key, speaks HTTP through a transport, and parses JSON and XML with the standard library.
It imports no portal code; the tests around it build the portal's side through its services.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.test import Client

from deliberation import services

BASE = "/open311/v2"


@dataclass
class Error(Exception):
    status: int
    errors: list[dict]


class GeoReportClient:
    """The six methods of the specification, in either format. A response that is not 2xx
    must be an error document; the client raises it as `Error`."""

    def __init__(self, transport: Client, base: str, api_key: str | None = None):
        self.http = transport
        self.base = base
        self.api_key = api_key

    # transport ------------------------------------------------------------------------------

    def _get(self, resource: str, fmt: str, params: dict | None = None):
        response = self.http.get(f"{self.base}/{resource}.{fmt}", params or {})
        return self._parse(response, fmt)

    def _post(self, resource: str, fmt: str, data: dict):
        response = self.http.post(f"{self.base}/{resource}.{fmt}", data)
        return self._parse(response, fmt)

    def _parse(self, response, fmt: str):
        content_type = response.headers["Content-Type"]
        if fmt == "json":
            assert content_type.startswith("application/json"), content_type
            body = json.loads(response.content.decode("utf-8"))
        else:
            assert content_type.startswith("text/xml"), content_type
            assert response.content.startswith(b"<?xml"), "the XML declaration comes first"
            assert b"encoding='utf-8'" in response.content.split(b"?>")[0].lower() or (
                b'encoding="utf-8"' in response.content.split(b"?>")[0].lower()
            )
            body = ET.fromstring(response.content)
        if response.status_code >= 400:
            raise Error(response.status_code, self._errors(body, fmt))
        return body

    @staticmethod
    def _errors(body, fmt: str) -> list[dict]:
        if fmt == "json":
            return [
                {"code": int(item["code"]), "description": item["description"]} for item in body
            ]
        assert body.tag == "errors"
        return [
            {"code": int(error.findtext("code")), "description": error.findtext("description")}
            for error in body.findall("error")
        ]

    @staticmethod
    def _records(body, fmt: str, root: str, item: str) -> list[dict]:
        if fmt == "json":
            return body
        assert body.tag == root, body.tag
        return [
            {child.tag: (child.text or "") for child in element} for element in body.findall(item)
        ]

    # methods --------------------------------------------------------------------------------

    def discovery(self, fmt: str = "json") -> dict:
        body = self._get("discovery", fmt)
        if fmt == "json":
            return body
        assert body.tag == "discovery"
        return {
            "changeset": body.findtext("changeset"),
            "endpoints": [
                {
                    "specification": endpoint.findtext("specification"),
                    "url": endpoint.findtext("url"),
                    "type": endpoint.findtext("type"),
                    "formats": [each.text for each in endpoint.find("formats")],
                }
                for endpoint in body.find("endpoints")
            ],
        }

    def services(self, fmt: str = "json") -> list[dict]:
        return self._records(self._get("services", fmt), fmt, "services", "service")

    def service_definition(self, code: str, fmt: str = "json") -> dict:
        body = self._get(f"services/{code}", fmt)
        if fmt == "json":
            return body
        assert body.tag == "service_definition"
        return {
            "service_code": body.findtext("service_code"),
            "attributes": list(body.find("attributes")),
        }

    def post_request(self, fmt: str = "json", **fields) -> list[dict]:
        data = {"api_key": self.api_key, **fields}
        return self._records(self._post("requests", fmt, data), fmt, "service_requests", "request")

    def requests(self, fmt: str = "json", **params) -> list[dict]:
        return self._records(self._get("requests", fmt, params), fmt, "service_requests", "request")

    def request(self, service_request_id: str, fmt: str = "json") -> dict:
        records = self._records(
            self._get(f"requests/{service_request_id}", fmt), fmt, "service_requests", "request"
        )
        assert len(records) == 1
        return records[0]

    def token(self, token: str, fmt: str = "json") -> list[dict]:
        return self._records(self._get(f"tokens/{token}", fmt), fmt, "service_requests", "request")


# --- The portal's side ----------------------------------------------------------------------------


@pytest.fixture
def hotline(people, categories, token_for) -> GeoReportClient:
    """The community's 12345 hotline system, holding a key made by its residents' committee."""
    return GeoReportClient(Client(), BASE, api_key=token_for(people.community_staff))


@pytest.fixture
def public() -> GeoReportClient:
    return GeoReportClient(Client(), BASE)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_specification_and_both_formats(public, db, fmt):
    discovery = public.discovery(fmt)
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert endpoint["url"].endswith("/open311/v2")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_lists_services_with_their_codes_groups_and_keywords(hotline, fmt):
    services_ = {service["service_code"]: service for service in hotline.services(fmt)}
    assert set(services_) == {"lamp", "fire-lane", "dispute"}
    lamp = services_["lamp"]
    assert lamp["service_name"] == "路灯照明"
    assert lamp["type"] == "realtime"
    assert str(lamp["metadata"]).lower() == "false"
    assert lamp["group"] and lamp["keywords"]
    definition = hotline.service_definition("lamp", fmt)
    assert definition["service_code"] == "lamp"
    assert list(definition["attributes"]) == []


def test_a_request_posted_with_a_key_reads_back_in_json_and_xml_and_follows_its_status(
    hotline, public, tree, people, firm
):
    (created,) = hotline.post_request(
        service_code="lamp",
        description="幸福家园1栋门口路灯不亮\n已经一周了。",
        address_id="B1",
        lat="30.6",
        long="114.3",
        email="caller@example.org",
        first_name="王",
        last_name="大爷",
        phone="13900000009",
    )
    request_id = created["service_request_id"]
    assert request_id.isdigit()

    as_json = public.request(request_id, "json")
    as_xml = public.request(request_id, "xml")
    for record in (as_json, as_xml):
        assert record["service_request_id"] == request_id
        assert record["status"] == "open"
        assert record["service_code"] == "lamp"
        assert record["address_id"] == "B1"
        assert record["address"] == "江岸区 百步亭街道 安居社区 幸福家园 1栋"
        assert record["requested_datetime"].endswith("+08:00")
        assert record["expected_datetime"]
        assert "lat" not in record and "long" not in record
    for personal in ("caller@example.org", "13900000009", "大爷"):
        assert personal not in json.dumps(as_json, ensure_ascii=False)
    assert public.token(created["token"])[0]["service_request_id"] == request_id

    from deliberation.models import Issue

    issue = Issue.objects.get(pk=request_id)
    services.accept_issue(issue=issue, by=people.community_staff)
    services.assign_issue(issue=issue, organization=firm, by=people.community_staff)
    assert public.request(request_id, "xml")["agency_responsible"] == firm.name
    services.resolve_issue(issue=issue, by=people.firm_staff, note="已更换灯泡。")

    for fmt in ("json", "xml"):
        resolved = public.request(request_id, fmt)
        assert resolved["status"] == "closed"
        assert resolved["status_notes"] == "已更换灯泡。"
    assert [row["service_request_id"] for row in public.requests("json", status="closed")] == [
        request_id
    ]
    assert public.requests("xml", status="open") == []


def test_requests_filter_by_id_list_service_and_dates(hotline, public, db):
    first = hotline.post_request(service_code="lamp", description="路灯不亮", address_id="B1")
    second = hotline.post_request(
        service_code="fire-lane", description="消防通道堵了", address_id="B2"
    )
    ids = [first[0]["service_request_id"], second[0]["service_request_id"]]
    by_ids = public.requests("json", service_request_id=",".join(ids))
    assert sorted(row["service_request_id"] for row in by_ids) == sorted(ids)
    assert [
        row["service_request_id"] for row in public.requests("xml", service_code="fire-lane")
    ] == [ids[1]]
    assert (
        public.requests("json", start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z")
        == []
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_api_key_gets_the_error_document(public, categories, db, fmt):
    public.api_key = "ngp_not-a-key"
    with pytest.raises(Error) as refused:
        public.post_request(fmt, service_code="lamp", description="路灯不亮", address_id="B1")
    assert refused.value.status == 403
    assert refused.value.errors[0]["code"] == 403
    assert refused.value.errors[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"description": "路灯不亮", "address_id": "B1"}, 400),
        ({"service_code": "no-such-service", "description": "路灯不亮", "address_id": "B1"}, 400),
        ({"service_code": "lamp", "address_id": "B1"}, 400),
        ({"service_code": "lamp", "description": "路灯不亮", "lat": "30.6", "long": "114.3"}, 400),
        ({"service_code": "lamp", "description": "路灯不亮", "address_id": "NOWHERE"}, 400),
        ({"service_code": "lamp", "description": "路灯不亮", "address_id": "B5"}, 403),
        ({"service_code": "lamp", "description": "x" * (1024 * 1024), "address_id": "B1"}, 400),
        ({"service_code": "lamp", "description": "灯" * (1024 * 1024), "address_id": "B1"}, 413),
    ],
)
def test_bad_requests_get_the_error_document_never_a_500(hotline, fmt, fields, status):
    with pytest.raises(Error) as refused:
        hotline.post_request(fmt, **fields)
    assert refused.value.status == status
    assert [error["code"] for error in refused.value.errors] == [status]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "yesterday"}, 400),
        ({"end_date": "2026-13-45T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_request_id": "1,abc"}, 400),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
    ],
)
def test_malformed_queries_get_the_error_document(public, db, fmt, params, status):
    with pytest.raises(Error) as refused:
        public.requests(fmt, **params)
    assert refused.value.status == status


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_request_and_token_are_404_in_the_error_format(public, categories, fmt):
    for call in (
        lambda: public.service_definition("no-such-service", fmt),
        lambda: public.request("99999999", fmt),
        lambda: public.request("99999999999999999999999", fmt),
        lambda: public.token("not-a-token", fmt),
    ):
        with pytest.raises(Error) as missing:
            call()
        assert missing.value.status == 404
