"""Refuse, once for every view, a NUL byte in the address or its query string.

PostgreSQL refuses NUL in any text it is given, so such a value would end as a server error
wherever a view hands it to a lookup (an area code, a board, a service code); forms already
refuse it in what is posted. The answer speaks the caller's format: the error page, the API's
`{"detail": ...}`, or Open311's error document.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _holds_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class RefuseNulBytes:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        message = _("The address holds a NUL character, which no page accepts.")
        if request.path.startswith("/open311/"):
            if request.path.endswith(".xml"):
                body = (
                    '<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code>'
                    f"<description>{escape(message)}</description></error></errors>"
                )
                return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
            body = json.dumps([{"code": 400, "description": message}], ensure_ascii=False)
            return HttpResponse(body, status=400, content_type="application/json")
        if request.path.startswith("/api/"):
            body = json.dumps({"detail": message}, ensure_ascii=False)
            return HttpResponse(body, status=400, content_type="application/json")
        return render(request, "400.html", {"reason": message}, status=400)
