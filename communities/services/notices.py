"""Writes to the notice board (公示栏): publishing, changing and taking down notices, and
delivering each one to the residents below its area.

Delivery runs through an outbox: `publish_notice` writes a `NoticeDelivery` row in the same
transaction as the notice, and enqueues the delivery after commit only when it is due now. If
the broker is down the row waits; `deliver_due_notices`, a periodic task, sends whatever is due
and not finished, scheduled notices included. Delivering twice writes nothing twice: the row is
locked and finished once, and each inbox message is unique per person and notice.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from communities.background import enqueue_after_commit
from communities.documents import MAX_ATTACHMENTS, Document
from communities.models import (
    Area,
    FinanceLine,
    Membership,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    Notification,
    Organization,
    Residency,
    User,
)
from communities.rules import require
from communities.services.inbox import notify_many

MAX_FINANCE_LINES = 60
MAX_AMOUNT = Decimal("9999999999.99")


@dataclass(frozen=True)
class FinanceItem:
    """A line of a finance disclosure as a form or a caller gives it."""

    direction: str
    item: str
    amount: Decimal


def _check_organization(*, organization: Organization | None, area: Area, by: User | None):
    if organization is None:
        return
    if not organization.reaches(area):
        raise ValidationError(
            {"organization": _("%(name)s does not serve this place.") % {"name": organization}}
        )
    if (
        by is not None
        and not by.is_superuser
        and not Membership.objects.active().filter(user=by, organization=organization).exists()
    ):
        raise PermissionDenied(
            _("Only members of %(name)s can publish for it.") % {"name": organization}
        )


def _check_schedule(publish_at: datetime.datetime, unpublish_at: datetime.datetime | None):
    if unpublish_at is not None and unpublish_at <= publish_at:
        raise ValidationError(
            {"unpublish_at": _("A notice must be taken down after it is published, not before.")}
        )


def _check_finance(kind: str, lines: Sequence[FinanceItem]) -> None:
    if lines and kind != Notice.Kind.FINANCE:
        raise ValidationError(
            {"finance_lines": _("Lines of income and spending belong to a finance disclosure.")}
        )
    if kind == Notice.Kind.FINANCE and not lines:
        raise ValidationError(
            {"finance_lines": _("A finance disclosure lists at least one income or spending.")}
        )
    if len(lines) > MAX_FINANCE_LINES:
        raise ValidationError(
            {"finance_lines": _("A disclosure has at most %(count)s lines.")}
            % {"count": MAX_FINANCE_LINES}
        )
    for line in lines:
        if line.direction not in FinanceLine.Direction.values or not line.item.strip():
            raise ValidationError(
                {"finance_lines": _("Each line needs income or spending, an item and an amount.")}
            )
        try:
            amount = Decimal(line.amount)
        except (InvalidOperation, TypeError):
            amount = Decimal(0)
        if not Decimal("0") < amount <= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(
                {
                    "finance_lines": _(
                        "“%(item)s”: an amount is more than zero, in yuan with at most two "
                        "decimals."
                    )
                    % {"item": line.item.strip()}
                }
            )


def _write_finance_lines(notice: Notice, lines: Sequence[FinanceItem]) -> None:
    notice.finance_lines.all().delete()
    FinanceLine.objects.bulk_create(
        FinanceLine(
            notice=notice,
            position=position,
            direction=line.direction,
            item=line.item.strip()[:120],
            amount=Decimal(line.amount),
        )
        for position, line in enumerate(lines, start=1)
    )


def _attach(notice: Notice, documents: Sequence[Document]) -> None:
    if notice.attachments.count() + len(documents) > MAX_ATTACHMENTS:
        raise ValidationError(
            {
                "attachments": _("A notice has at most %(count)s documents.")
                % {"count": MAX_ATTACHMENTS}
            }
        )
    for document in documents:
        NoticeAttachment.objects.create(
            notice=notice,
            file=document.content,
            name=document.name,
            kind=document.kind,
            size=document.size,
        )


def _deliver_when_due(notice: Notice) -> None:
    if notice.publish_at <= timezone.now():
        from communities.tasks import deliver_notice_task

        enqueue_after_commit(deliver_notice_task, notice.pk)


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
    attachments: Sequence[Document] = (),
    finance_lines: Sequence[FinanceItem] = (),
) -> Notice:
    """Put a notice on the area's board, now or at `publish_at`, and its delivery in the outbox
    in the same transaction. Whoever acts in the area may publish there, for an organisation they
    belong to that serves it; `by=None` is the portal itself publishing what a meeting, poll or
    commitment produced. The same `source_key` gives back the notice already published for it.
    Attachments come checked by `communities.documents`; finance lines only on a disclosure."""
    if by is not None:
        require(by, "communities.publish_notice", area)
    if source_key:
        existing = Notice.objects.filter(source_key=source_key).first()
        if existing:
            return existing
    if not title.strip():
        raise ValidationError({"title": _("Give the notice a title.")})
    publish_at = publish_at or timezone.now()
    _check_schedule(publish_at, unpublish_at)
    _check_organization(organization=organization, area=area, by=by)
    _check_finance(kind, finance_lines)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
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
    _write_finance_lines(notice, finance_lines)
    _attach(notice, attachments)
    NoticeDelivery.objects.create(notice=notice, due_at=publish_at)
    _deliver_when_due(notice)
    return notice


@transaction.atomic
def change_notice(
    *,
    notice: Notice,
    by: User,
    title: str,
    kind: str,
    body: str = "",
    organization: Organization | None = None,
    pinned: bool = False,
    publish_at: datetime.datetime,
    unpublish_at: datetime.datetime | None = None,
    attachments: Sequence[Document] = (),
    remove_attachments: Sequence[NoticeAttachment] = (),
    finance_lines: Sequence[FinanceItem] = (),
) -> Notice:
    """Change a notice that is still scheduled; its delivery moves with its publication time. A
    notice residents may already have read is a public record: it is taken down and a corrected
    one published, never edited."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("area").get(pk=notice.pk)
    require(by, "communities.publish_notice", notice.area)
    now = timezone.now()
    if notice.publish_at <= now:
        raise ValidationError(
            _(
                "This notice is already published and residents may have read it. Take it down "
                "and publish a corrected one."
            )
        )
    if not title.strip():
        raise ValidationError({"title": _("Give the notice a title.")})
    if publish_at < now:
        publish_at = now
    _check_schedule(publish_at, unpublish_at)
    _check_organization(organization=organization, area=notice.area, by=by)
    _check_finance(kind, finance_lines)
    notice.title, notice.kind, notice.body = title.strip(), kind, body.strip()
    notice.organization, notice.pinned = organization, pinned
    notice.publish_at, notice.unpublish_at = publish_at, unpublish_at
    notice.save(
        update_fields=[
            "title",
            "kind",
            "body",
            "organization",
            "pinned",
            "publish_at",
            "unpublish_at",
        ]
    )
    _write_finance_lines(notice, finance_lines)
    for attachment in remove_attachments:
        if attachment.notice_id == notice.pk:
            attachment.file.delete(save=False)
            attachment.delete()
    _attach(notice, attachments)
    NoticeDelivery.objects.update_or_create(notice=notice, defaults={"due_at": publish_at})
    _deliver_when_due(notice)
    return notice


@transaction.atomic
def unpublish_notice(*, notice: Notice, by: User) -> Notice:
    """Take a notice down now. It stays in the record; the board no longer shows it, and if it
    was not delivered yet, nobody is sent it."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("area").get(pk=notice.pk)
    require(by, "communities.publish_notice", notice.area)
    now = timezone.now()
    if notice.unpublish_at is None or notice.unpublish_at > now:
        notice.unpublish_at = max(now, notice.publish_at + datetime.timedelta(microseconds=1))
        notice.save(update_fields=["unpublish_at"])
    NoticeDelivery.objects.filter(notice=notice, finished_at__isnull=True).update(
        finished_at=now, outcome=NoticeDelivery.Outcome.WITHDRAWN
    )
    return notice


def notice_recipients(area: Area) -> QuerySet:
    """The ids of everyone with a verified home in the area or under it, each once, in order."""
    return (
        Residency.objects.verified()
        .filter(household__building__path__startswith=area.path)
        .values_list("user_id", flat=True)
        .order_by("user_id")
        .distinct()
    )


def notice_key(notice: Notice) -> str:
    return f"notice-{notice.pk}"


def deliver_notice(*, notice_id: int, now: datetime.datetime | None = None) -> int:
    """Deliver one notice to every resident under its area, in bulk, once: the outbox row is
    claimed (an attempt is counted), then locked while the inbox rows are written and it is
    finished in the same transaction. A notice taken down before its delivery sends nothing.
    The e-mails of those who want notices by mail follow after commit, in batches (see
    `notify_many`). Returns how many residents it reached."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (
            NoticeDelivery.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(notice_id=notice_id)
            .first()
        )
        if claimed is None:  # delivered, not due, or another worker is on it
            return 0
        claimed.attempts += 1
        claimed.started_at = now
        claimed.save(update_fields=["attempts", "started_at"])
    with transaction.atomic():
        delivery = (
            NoticeDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .due(now)
            .select_related("notice__area")
            .filter(pk=claimed.pk)
            .first()
        )
        if delivery is None:
            return 0
        notice = delivery.notice
        if not notice.is_live(now):
            delivery.outcome = NoticeDelivery.Outcome.WITHDRAWN
        else:
            with translation.override(settings.LANGUAGE_CODE):
                title = _("Notice board of %(area)s: %(title)s") % {
                    "area": notice.area.name,
                    "title": notice.title,
                }
            delivery.recipients = notify_many(
                user_ids=notice_recipients(notice.area).iterator(chunk_size=2000),
                key=notice_key(notice),
                title=title,
                body=Truncator(notice.body).chars(200),
                url=notice.get_absolute_url(),
                kind=Notification.Kind.NOTICE,
            )
            delivery.outcome = NoticeDelivery.Outcome.DELIVERED
        delivery.finished_at = timezone.now()
        delivery.save(update_fields=["recipients", "outcome", "finished_at"])
    return delivery.recipients


def deliver_due_notices(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """The sweep: every delivery whose time has come and that has not finished, scheduled
    notices and those whose task never reached a worker alike. Returns the recipients."""
    now = now or timezone.now()
    due = list(
        NoticeDelivery.objects.due(now)
        .order_by("due_at")
        .values_list("notice_id", flat=True)[:limit]
    )
    return sum(deliver_notice(notice_id=notice_id, now=now) for notice_id in due)
