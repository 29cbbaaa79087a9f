"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over residents' issues.

Categories are the services (service_code = the category's code); issues are the service
requests. Both formats the specification names are served, chosen by the suffix it requires
(`services.json`, `services.xml`); errors use its error document in either format.

Who may see what is `Issue.objects.visible_to()`, for the public or for the owner of the
`api_key` sent. A request is filed through `services.submit_issue` by the key's owner, as staff
recording for someone (`recorded_by`, channel "open311", no reporter): the requester's e-mail,
name, phone, device and account are read by nobody and stored nowhere (ADR 0010). Places are
our areas: `address_id` is an area's code; coordinates are accepted and not kept.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.urls import path, register_converter, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, renderers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from communities import services as community_services
from communities.models import Area
from deliberation import services
from deliberation.models import Category, Commitment, Issue, IssueEvent, IssuePhoto
from deliberation.templatetags.issues import next_step
from deliberation.views.issues import reportable_areas

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint last changed in a way a client would notice.
CHANGESET = "2026-12-01T00:00:00+08:00"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
MAX_DESCRIPTION = Issue._meta.get_field("description").max_length
TITLE_LENGTH = Issue._meta.get_field("title").max_length

PHOTOS = IssuePhoto._meta.get_field("image").storage
OPEN = (
    Issue.Status.SUBMITTED,
    Issue.Status.ACCEPTED,
    Issue.Status.ASSIGNED,
    Issue.Status.IN_PROGRESS,
)


# --- Documents and their two formats -------------------------------------------------------------


@dataclass
class Document:
    """What an Open311 method answers: a root element holding rows (`<services><service>…`),
    or a single record (`<discovery>…`). JSON is the rows as a list, or the record."""

    root: str
    item: str = ""
    rows: list[dict] = field(default_factory=list)
    record: dict | None = None

    def as_json(self):
        return self.record if self.record is not None else self.rows


# In XML a list is an element of its own holding one element per entry.
SINGULAR = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


# Characters XML 1.0 cannot carry at all; a description typed with one must not break the list.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else NOT_IN_XML.sub("", str(value))


def _append(parent: ElementTree.Element, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _append(element, SINGULAR.get(name, "item"), inner)
    else:
        element.text = _text(value)


class XMLRenderer(renderers.BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        document: Document = data
        root = ElementTree.Element(document.root)
        if document.record is not None:
            for key, value in document.record.items():
                _append(root, key, value)
        for row in document.rows:
            _append(root, document.item, row)
        return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


class JSONRenderer(renderers.JSONRenderer):
    format = "json"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(data.as_json(), accepted_media_type, renderer_context)


class Open311Error(exceptions.APIException):
    def __init__(self, status_code: int, description: str):
        self.status_code = status_code
        super().__init__(description)


def _error_document(status_code: int, descriptions: list[str]) -> Document:
    return Document(
        "errors",
        "error",
        [{"code": status_code, "description": text} for text in descriptions],
    )


def handle_exception(exc, context):
    """Every refusal in the specification's error format: 400 for bad input, 403 for a wrong
    api_key or a place the key may not file for, 404 for what does not exist, 413 for a body
    over Django's limit, 429 when throttled; never a 500 for anything a client sends."""
    if isinstance(exc, RequestDataTooBig):
        exc = Open311Error(413, _("The request is too large."))
    elif isinstance(exc, Http404):
        exc = Open311Error(404, str(exc) or _("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = Open311Error(403, str(exc) or _("You may not do this here."))
    elif isinstance(exc, DjangoValidationError):
        exc = Open311Error(400, " ".join(exc.messages))
    if not isinstance(exc, exceptions.APIException):
        return None
    descriptions = _flatten(exc.detail)
    headers = {"Retry-After": str(int(exc.wait))} if getattr(exc, "wait", None) else {}
    return Response(
        _error_document(exc.status_code, descriptions), status=exc.status_code, headers=headers
    )


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {text}" for key, value in detail.items() for text in _flatten(value)]
    if isinstance(detail, list):
        return [text for value in detail for text in _flatten(value)]
    return [str(detail)]


def _form(request) -> Mapping:
    """The posted parameters: a form as the specification says (JSON accepted too), and
    nothing else: a JSON list or number is refused."""
    if not isinstance(request.data, Mapping):
        raise Open311Error(400, _("Send the parameters as a form (key=value)."))
    return request.data


class Open311View(APIView):
    renderer_classes = [XMLRenderer, JSONRenderer]
    parser_classes = [parsers.FormParser, parsers.MultiPartParser, parsers.JSONParser]
    # The key is a parameter (api_key), not a header, and a session would need CSRF.
    authentication_classes = []
    permission_classes = [AllowAny]
    # OPTIONS answers 405 in the error format rather than DRF's metadata, which has no XML.
    metadata_class = None

    def get_exception_handler(self):
        return handle_exception

    def caller(self, request):
        """The owner of the api_key sent, or the public. A wrong key is refused, never
        treated as anonymous, so the integration notices."""
        key = _form(request).get("api_key") if request.method == "POST" else None
        key = key or request.query_params.get("api_key")
        if not key:
            return AnonymousUser()
        token = community_services.use_api_token(secret=str(key))
        if token is None:
            raise Open311Error(403, _("The api_key is not valid or was revoked."))
        return token.owner


# --- Discovery and services ---------------------------------------------------------------------


class Discovery(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, format=None):
        base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"format": "xml"}))
        return Response(
            Document(
                "discovery",
                record={
                    "changeset": CHANGESET,
                    "contact": getattr(settings, "OPEN311_CONTACT", "")
                    or str(settings.PORTAL_NAME),
                    "key_service": _(
                        "Staff make an api_key in their profile (/me/tokens/); it files "
                        "requests as their organisation."
                    ),
                    "endpoints": [
                        {
                            "specification": SPECIFICATION,
                            "url": base.rsplit("/", 1)[0],
                            "changeset": CHANGESET,
                            "type": "production",
                            "formats": ["text/xml", "application/json"],
                        }
                    ],
                },
            )
        )


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(lane)s; usually handled by: %(kind)s.")
        % {
            "lane": category.get_default_lane_display(),
            "kind": category.get_responsible_kind_display(),
        },
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(
            [category.default_lane, category.responsible_kind]
            + (["mediation"] if category.is_mediation else [])
        ),
        "group": category.get_responsible_kind_display(),
    }


class ServiceList(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, format=None):
        categories = Category.objects.filter(active=True)
        return Response(Document("services", "service", [_service(each) for each in categories]))


class ServiceDefinition(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, code, format=None):
        category = Category.objects.filter(active=True, code=code).first()
        if category is None:
            raise Open311Error(404, _("No service has the code “%(code)s”.") % {"code": code})
        # No category asks extra questions yet, so every definition has no attributes.
        return Response(
            Document("service_definition", record={"service_code": category.code, "attributes": []})
        )


# --- Service requests ------------------------------------------------------------------------------


def _requests(user):
    """The issues the caller may see, with what a request row needs, in a fixed number of
    queries whatever the number of rows."""
    events = IssueEvent.objects.filter(issue=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Issue.objects.visible_to(user)
        .select_related("category", "area", "handling_area", "assigned_to")
        .annotate(
            last_note=Subquery(events.exclude(note="").values("note")[:1]),
            updated_at=Subquery(events.values("at")[:1]),
            first_photo=Subquery(
                IssuePhoto.objects.filter(issue=OuterRef("pk"), event__isnull=True)
                .order_by("uploaded_at", "pk")
                .values("image")[:1]
            ),
            committed_on=Subquery(
                Commitment.objects.filter(issues=OuterRef("pk"), status=Commitment.Status.ACTIVE)
                .order_by("due_on")
                .values("due_on")[:1]
            ),
        )
    )


def _datetime(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _expected(issue: Issue) -> datetime.datetime | None:
    """A commitment that answers the issue promises a day; otherwise the lane's deadline."""
    if issue.status not in OPEN:
        return None
    if issue.committed_on:
        return datetime.datetime.combine(
            issue.committed_on, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone()
        )
    return issue.deadline


def _request_row(issue: Issue, request, places: dict[str, str]) -> dict:
    row = {
        "service_request_id": str(issue.pk),
        "status": "open" if issue.status in OPEN else "closed",
        "status_notes": issue.last_note or "",
        "service_name": issue.category.name,
        "service_code": issue.category.code,
        "description": issue.description,
        "agency_responsible": issue.assigned_to.name
        if issue.assigned_to
        else issue.handling_area.name,
        "service_notice": next_step(issue),
        "requested_datetime": _datetime(issue.submitted_at),
        "updated_datetime": _datetime(issue.updated_at or issue.submitted_at),
        "expected_datetime": _datetime(_expected(issue)),
        "address": " ".join(
            places[prefix] for prefix in _ancestor_paths(issue.area.path) if prefix in places
        ),
        "address_id": issue.area.code,
        "zipcode": "",
        "media_url": request.build_absolute_uri(PHOTOS.url(issue.first_photo))
        if issue.first_photo
        else "",
    }
    return row


def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(4, len(path) + 1, 4)]


def _rows(issues, request) -> list[dict]:
    issues = list(issues)
    paths = {prefix for issue in issues for prefix in _ancestor_paths(issue.area.path)}
    places = dict(Area.objects.filter(path__in=paths).values_list("path", "name"))
    return [_request_row(issue, request, places) for issue in issues]


def _moment(name: str, raw: str, *, end: bool = False) -> datetime.datetime:
    """A W3C datetime (2026-11-05T08:15:30+08:00 or …Z); a bare date means the whole day, in
    the portal's time zone. Anything else is refused with the expected form."""
    moment = None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a date and time such as 2026-11-05T08:15:30+08:00.")
            % {"name": name},
        )
    if not 2000 <= moment.year <= 2999:
        raise Open311Error(400, _("%(name)s must lie between 2000 and 2999.") % {"name": name})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _ids(raw: str) -> list[int]:
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if (
        not ids
        or len(ids) > MAX_REQUESTS
        or not all(part.isdecimal() and len(part) < 19 for part in ids)
    ):
        raise Open311Error(
            400, _("service_request_id must be one or more numbers separated by commas.")
        )
    return [int(part) for part in ids]


class RequestList(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, format=None):
        """Requests the caller may see, newest first, at most 1000: by id (which overrides
        every other filter, as the specification says), or by service, status and dates
        (the last 90 days unless dates are given)."""
        params = request.query_params
        issues = _requests(self.caller(request))
        if params.get("service_request_id"):
            issues = issues.filter(pk__in=_ids(params["service_request_id"]))
        else:
            issues = self._filtered(issues, params)
        return Response(
            Document(
                "service_requests",
                "request",
                _rows(issues.order_by("-submitted_at", "-pk")[:MAX_REQUESTS], request),
            )
        )

    def _filtered(self, issues, params):
        if params.get("service_code"):
            codes = [code.strip() for code in params["service_code"].split(",") if code.strip()]
            issues = issues.filter(category__code__in=codes)
        if params.get("status"):
            wanted = {word.strip() for word in params["status"].split(",") if word.strip()}
            if not wanted or not wanted <= {"open", "closed"}:
                raise Open311Error(400, _("status must be open, closed, or both."))
            if wanted == {"open"}:
                issues = issues.filter(status__in=OPEN)
            elif wanted == {"closed"}:
                issues = issues.exclude(status__in=OPEN)
        start = _moment("start_date", params["start_date"]) if params.get("start_date") else None
        end = _moment("end_date", params["end_date"], end=True) if params.get("end_date") else None
        if start and end and end < start:
            raise Open311Error(400, _("end_date must come after start_date."))
        if start is None:
            start = (end or timezone.now()) - datetime.timedelta(days=DEFAULT_DAYS)
        issues = issues.filter(submitted_at__gte=start)
        if end is not None:
            issues = issues.filter(submitted_at__lte=end)
        return issues

    @extend_schema(exclude=True)
    def post(self, request, format=None):
        """File a request as the api_key's owner, recording for the requester."""
        data = _form(request)
        user = self.caller(request)
        if not user.is_authenticated:
            raise Open311Error(403, _("An api_key is required to file a request."))
        category = self._category(data.get("service_code"))
        description = str(data.get("description") or "").strip()
        if not description:
            raise Open311Error(400, _("description is required: say what the problem is."))
        if len(description) > MAX_DESCRIPTION:
            raise Open311Error(
                400,
                _("description may be at most %(count)s characters long.")
                % {"count": MAX_DESCRIPTION},
            )
        area = self._place(user, data)
        issue = services.submit_issue(
            title=title_from(description),
            description=description,
            category=category,
            area=area,
            reporter=None,
            recorded_by=user,
            channel=Issue.Channel.OPEN311,
            submission_key=uuid.uuid4(),
        )
        return Response(
            Document(
                "service_requests",
                "request",
                [
                    {
                        "service_request_id": str(issue.pk),
                        "token": str(issue.submission_key),
                        "service_notice": next_step(issue),
                        "account_id": None,
                    }
                ],
            ),
            status=201,
        )

    def _category(self, code) -> Category:
        if not code:
            raise Open311Error(400, _("service_code is required."))
        category = Category.objects.filter(active=True, code=str(code)[:40]).first()
        if category is None:
            raise Open311Error(
                400, _("No service has the code “%(code)s”.") % {"code": str(code)[:40]}
            )
        return category

    def _place(self, user, data) -> Area:
        """The area the request is about: `address_id` is its code; `address_string` may be a
        code too, or a name found once among the places the key files for."""
        places = reportable_areas(user)
        code = str(data.get("address_id") or "").strip()[:32]
        words = str(data.get("address_string") or "").strip()[:200]
        if code:
            area = Area.objects.filter(code=code).first()
            if area is None:
                raise Open311Error(
                    400, _("No place has the address_id “%(code)s”.") % {"code": code}
                )
        elif words:
            matches = list(places.filter(code=words)[:1]) or list(places.filter(name=words)[:2])
            if len(matches) != 1:
                raise Open311Error(
                    400,
                    _(
                        "address_string “%(words)s” names no single place; send address_id, the "
                        "code of a building or compound."
                    )
                    % {"words": words},
                )
            area = matches[0]
        else:
            raise Open311Error(
                400,
                _(
                    "Say where: address_id (the code of a building or compound). Coordinates "
                    "alone are not enough."
                ),
            )
        if not places.filter(pk=area.pk).exists():
            raise Open311Error(403, _("This api_key may not file requests for this place."))
        return area


def title_from(description: str) -> str:
    first_line = description.splitlines()[0].strip()
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1] + "…"


class RequestDetail(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, pk, format=None):
        issue = _requests(self.caller(request)).filter(pk=pk).first()
        if issue is None:
            raise Open311Error(404, _("No request has the id %(id)s.") % {"id": pk})
        return Response(Document("service_requests", "request", _rows([issue], request)))


class TokenDetail(Open311View):
    @extend_schema(exclude=True)
    def get(self, request, token, format=None):
        """Requests are filed at once, so a token (the request's submission key) always
        leads to its id."""
        issue = None
        try:
            key = uuid.UUID(token)
        except ValueError:
            key = None
        if key is not None:
            issue = (
                Issue.objects.visible_to(self.caller(request)).filter(submission_key=key).first()
            )
        if issue is None:
            raise Open311Error(
                404, _("No request has the token %(token)s.") % {"token": token[:40]}
            )
        return Response(
            Document(
                "service_requests",
                "request",
                [{"service_request_id": str(issue.pk), "token": str(issue.submission_key)}],
            )
        )


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:format>", Discovery.as_view(), name="discovery"),
    path("services.<open311_format:format>", ServiceList.as_view(), name="services"),
    path(
        "services/<slug:code>.<open311_format:format>",
        ServiceDefinition.as_view(),
        name="service_definition",
    ),
    path("requests.<open311_format:format>", RequestList.as_view(), name="requests"),
    path("requests/<int:pk>.<open311_format:format>", RequestDetail.as_view(), name="request"),
    path("tokens/<str:token>.<open311_format:format>", TokenDetail.as_view(), name="token"),
]
