"""Writes to the notice board (公示栏): publishing and taking down notices."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Area, Notice, Organization, User
from communities.rules import require


@transaction.atomic
def publish_notice(
    *,
    area: Area,
    title: str,
    by: User | None,
    kind: str = Notice.Kind.ANNOUNCEMENT,
    body: str = "",
    organization: Organization | None = None,
    link_url: str = "",
    source_key: str = "",
    pinned: bool = False,
    publish_at: datetime.datetime | None = None,
    unpublish_at: datetime.datetime | None = None,
) -> Notice:
    """Put a notice on the area's board, now or at `publish_at`. Whoever acts in the area may
    publish there; `by=None` is the portal itself publishing what a meeting, poll or commitment
    produced. The same `source_key` gives back the notice already published for it."""
    if by is not None:
        require(by, "communities.publish_notice", area)
    if source_key:
        existing = Notice.objects.filter(source_key=source_key).first()
        if existing:
            return existing
    if not title.strip():
        raise ValidationError({"title": _("Give the notice a title.")})
    publish_at = publish_at or timezone.now()
    if unpublish_at is not None and unpublish_at <= publish_at:
        raise ValidationError(
            {"unpublish_at": _("A notice must be taken down after it is published, not before.")}
        )
    if organization is not None and not organization.reaches(area):
        raise ValidationError(
            {"organization": _("%(name)s does not serve this place.") % {"name": organization}}
        )
    try:
        with transaction.atomic():
            return Notice.objects.create(
                area=area,
                organization=organization,
                kind=kind,
                title=title.strip(),
                body=body.strip(),
                link_url=link_url,
                source_key=source_key,
                pinned=pinned,
                publish_at=publish_at,
                unpublish_at=unpublish_at,
                published_by=by,
            )
    except IntegrityError:
        # Two publications of the same source raced past the check above; the other one won.
        return Notice.objects.get(source_key=source_key)


@transaction.atomic
def unpublish_notice(*, notice: Notice, by: User) -> Notice:
    """Take a notice down now. It stays in the record; the board no longer shows it."""
    notice = Notice.objects.select_for_update().select_related("area").get(pk=notice.pk)
    require(by, "communities.publish_notice", notice.area)
    now = timezone.now()
    if notice.unpublish_at is None or notice.unpublish_at > now:
        notice.unpublish_at = max(now, notice.publish_at + datetime.timedelta(microseconds=1))
        notice.save(update_fields=["unpublish_at"])
    return notice
