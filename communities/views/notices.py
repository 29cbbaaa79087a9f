"""The notice board (公示栏): an area's board and each notice."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from communities.models import Area, Notice

PAGE_SIZE = 20


def area_notices(request: HttpRequest, code: str) -> HttpResponse:
    """The board a resident of this area reads: its own notices and those of every area above."""
    area = get_object_or_404(Area, code=code)
    notices = (
        Notice.objects.visible_to(request.user)
        .on_board_of(area)
        .select_related("area", "organization")
    )
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/notice_board.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area),
            "page": page,
            "may_publish": request.user.has_perm("communities.publish_notice", area),
        },
    )


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("area", "organization"), pk=pk
    )
    return render(
        request,
        "communities/notice_detail.html",
        {"notice": notice, "ancestors": Area.objects.above(notice.area)},
    )
