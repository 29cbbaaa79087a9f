"""Public commitments (公开承诺): each one's page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from communities.models import Area
from deliberation.models import Commitment


def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(
        Commitment.objects.visible_to(request.user).select_related("organization", "area"), pk=pk
    )
    return render(
        request,
        "deliberation/commitment_detail.html",
        {
            "commitment": commitment,
            "ancestors": Area.objects.above(commitment.area),
            "issues": commitment.issues.visible_to(request.user).select_related("area"),
        },
    )
