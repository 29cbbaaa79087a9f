"""The API's floor, shared by every app: how a request is authenticated, throttled, refused and
paged. DRF imports these classes while it loads its own views, so this module imports no view,
viewset or schema code (the endpoints are in each app's `api.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from communities import services

# --- Authentication ----------------------------------------------------------------------------


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <secret>`: the request acts as the token's owner, with exactly
    the owner's permissions. A wrong or revoked token is refused (401), never treated as
    anonymous, so an integration notices at once."""

    keyword = "Token"

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Token <secret>”.")
            )
        try:
            secret = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = services.use_api_token(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        return token.owner, token

    def authenticate_header(self, request) -> str:
        return self.keyword


# --- Throttling --------------------------------------------------------------------------------


class _RatesFromSettings:
    """DRF reads its rates once, at import; these read them for each request, so deployments
    and tests can change `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` like any other setting."""

    def get_rate(self):
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)


class AnonymousThrottle(_RatesFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    pass


# --- Errors ------------------------------------------------------------------------------------


class TooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


def exception_handler(exc, context):
    """DRF's handler, plus the two exceptions services raise: a `ValidationError` is a 400 with
    its messages keyed by field (or `detail`), a `PermissionDenied` a 403 with its message; a
    body over Django's upload limit is a 413, not the HTML error page."""
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("You may not do this here."))
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


# --- Pagination --------------------------------------------------------------------------------


class PagePagination(BasePagination):
    """Pages of `page_size` rows (at most 100) with links to the next and previous page, and no
    total: counting 200,000 issues costs a scan, and one row more than the page tells whether
    another page follows (as `communities.pagination` does for the pages)."""

    page_size = 25
    max_page_size = 100
    max_page = 9999

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.number = self._whole_number(request, "page", 1, self.max_page)
        size = self._whole_number(request, "page_size", self.page_size, self.max_page_size)
        start = (self.number - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.has_next = len(rows) > size
        return rows[:size]

    def _whole_number(self, request, name: str, default: int, highest: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdecimal() or not 1 <= int(raw) <= highest:
            raise exceptions.ValidationError(
                {name: _("Give a whole number from 1 to %(highest)s.") % {"highest": highest}}
            )
        return int(raw)

    def get_paginated_response(self, data):
        url = self.request.build_absolute_uri()
        previous = None
        if self.number > 1:
            previous = (
                replace_query_param(url, "page", self.number - 1)
                if self.number > 2
                else remove_query_param(url, "page")
            )
        return Response(
            {
                "next": replace_query_param(url, "page", self.number + 1)
                if self.has_next
                else None,
                "previous": previous,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Rows a page, at most {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
