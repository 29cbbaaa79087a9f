"""Each person's inbox: messages put once per key, mailed after commit to those who want them.

Mail has its own outbox: a message written for someone who wants its kind by e-mail gets an
`email_due_at`, and `send_due_emails` mails those not yet mailed, in batches over one connection,
stamping each under a row lock. The task enqueued after commit usually sends them at once; the
periodic sweep sends what a stopped broker or worker left behind.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable
from itertools import islice

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.background import enqueue_after_commit
from communities.models import (
    DigestSend,
    Notification,
    NotificationPreference,
    User,
    wants_email,
)

logger = logging.getLogger(__name__)

BULK_BATCH = 2000
EMAIL_BATCH = 200
DIGEST_LISTED = 30
_MAIL_ERRORS = (OSError, smtplib.SMTPException)


def _email_kinds(user_ids) -> dict[int, list[str] | None]:
    """For each of these people who gave an address: the kinds they want by mail (None when
    they never chose). One query, whatever the number of people."""
    return dict(
        User.objects.filter(pk__in=user_ids)
        .exclude(email="")
        .values_list("pk", "notification_preference__email_kinds")
    )


def notify(
    *,
    user: User,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    kind: str = Notification.Kind.GENERAL,
) -> Notification:
    """Put a message in the person's inbox once per key, and mail it after commit if they have
    an address and want this kind by mail. Calling it again with the same key changes nothing."""
    now = timezone.now()
    kinds = _email_kinds([user.pk])
    by_mail = user.pk in kinds and wants_email(kinds[user.pk], kind)
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            user=user,
            key=key,
            defaults={
                "title": title[:200],
                "body": body,
                "url": url,
                "kind": kind,
                "email_due_at": now if by_mail else None,
            },
        )
    if created and by_mail:
        from communities.tasks import email_notification

        enqueue_after_commit(email_notification, notification.pk)
    return notification


def notify_many(
    *,
    user_ids: Iterable[int],
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    kind: str = Notification.Kind.GENERAL,
) -> int:
    """The same message to many people in bulk inserts of BULK_BATCH rows, once per person and
    key: running it again (a retried task) adds nothing. Returns how many people it covered.

    Each batch costs two statements: which of its people want this kind by mail, and the insert
    (their messages carry `email_due_at`). One mail task per key sends them after commit, in
    batches, so 30,000 recipients cost a few dozen statements, not a task each."""
    covered = 0
    now = timezone.now()
    ids = iter(user_ids)
    while batch := list(islice(ids, BULK_BATCH)):
        kinds = _email_kinds(batch)
        with transaction.atomic():
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=user_id,
                        key=key,
                        title=title[:200],
                        body=body,
                        url=url,
                        kind=kind,
                        created_at=now,
                        email_due_at=(
                            now if user_id in kinds and wants_email(kinds[user_id], kind) else None
                        ),
                    )
                    for user_id in batch
                ],
                batch_size=BULK_BATCH,
                ignore_conflicts=True,
            )
        covered += len(batch)
    if covered:
        from communities.tasks import email_notifications_of

        enqueue_after_commit(email_notifications_of, key)
    return covered


# --- Reading -----------------------------------------------------------------------------------


@transaction.atomic
def mark_notification_read(*, user: User, notification: Notification) -> Notification:
    """Only the recipient reads their message; reading it again keeps the first time."""
    if notification.user_id != user.pk:
        raise PermissionDenied(_("You may not do this here."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_notifications_read(*, user: User, kind: str | None = None) -> int:
    """Everything unread in the person's inbox (of one kind, when given) is read now."""
    unread = Notification.objects.filter(user=user).unread()
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_notification_preferences(
    *, user: User, email_kinds: Iterable[str], daily_digest: bool
) -> NotificationPreference:
    """Which kinds of message also go by e-mail, and whether a daily digest does. Kept even
    without an address: mail goes out once the person gives one."""
    email_kinds = sorted(set(email_kinds))
    unknown = set(email_kinds) - set(Notification.Kind.values)
    if unknown:
        raise ValidationError({"email_kinds": _("Choose among the kinds of message listed.")})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "email_kinds": email_kinds,
            "daily_digest": daily_digest,
            "updated_at": timezone.now(),
        },
    )
    return preference


# --- Mail --------------------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _mail_text(notification: Notification) -> str:
    return f"{notification.body}\n\n{absolute_url(notification.url)}".strip()


def message_id(notification: Notification) -> str:
    """One Message-ID per inbox message, the same on every attempt. A mail is stamped sent in
    the transaction that sent it, so a worker killed between the SMTP server's answer and the
    commit sends it again; the copy carries the same Message-ID, which mail servers and clients
    use to drop it."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<notification-{notification.pk}@{domain}>"


def _send(rows: list[Notification]) -> tuple[list[int], Exception | None]:
    """Mail each row over one connection; which were sent, and the error that stopped it."""
    sent: list[int] = []
    try:
        with get_connection() as connection:
            for notification in rows:
                EmailMessage(
                    subject=notification.title,
                    body=_mail_text(notification),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[notification.user.email],
                    headers={"Message-ID": message_id(notification)},
                    connection=connection,
                ).send()
                sent.append(notification.pk)
    except _MAIL_ERRORS as error:
        return sent, error
    return sent, None


def send_due_emails(
    *,
    key: str | None = None,
    notification_id: int | None = None,
    older_than: datetime.timedelta = datetime.timedelta(0),
) -> int:
    """Mail the messages due by mail and not mailed yet (of one key or one message, when
    given), EMAIL_BATCH at a time. Each batch locks its rows (skipping those another worker
    holds) and stamps those it sent, so a message is mailed once; a mail server that fails
    midway keeps the stamps of what went out, and the error is raised for the task to retry."""
    total = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            due = Notification.objects.mail_due(now - older_than)
            if key is not None:
                due = due.filter(key=key)
            if notification_id is not None:
                due = due.filter(pk=notification_id)
            rows = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .order_by("email_due_at", "pk")[:EMAIL_BATCH]
            )
            if not rows:
                return total
            addressed = [row for row in rows if row.user.email]
            Notification.objects.filter(
                pk__in=[row.pk for row in rows if not row.user.email]
            ).update(email_due_at=None)  # the address was removed since: nothing to send
            sent, error = _send(addressed)
            Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        total += len(sent)
        if error is not None:
            raise error


def send_daily_digests(*, now: datetime.datetime | None = None) -> int:
    """Once a day, from NOTIFICATION_DIGEST_HOUR on, each person who asked for a digest is
    mailed the unread messages that came since their last one and were not mailed on their
    own. The send log (one row per person and day) makes a retried or repeated run send
    nothing twice. Returns how many digests went out."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    people = (
        User.objects.filter(notification_preference__daily_digest=True)
        .exclude(email="")
        .exclude(digests__day=local.date())
        .order_by("pk")
    )
    sent = 0
    for user in people.iterator(chunk_size=500):
        try:
            sent += _send_digest(user=user, now=now)
        except _MAIL_ERRORS:
            logger.warning("Could not mail the digest of user %s; next run retries.", user.pk)
    return sent


@transaction.atomic
def _send_digest(*, user: User, now: datetime.datetime) -> int:
    day = timezone.localtime(now).date()
    since = user.digests.order_by("-day").values_list("sent_at", flat=True).first()
    messages = (
        user.notifications.unread()
        .filter(emailed_at__isnull=True, created_at__gt=since or now - datetime.timedelta(days=1))
        .filter(created_at__lte=now)
        .order_by("-created_at", "-pk")
    )
    count = messages.count()
    if not count:
        return 0
    try:
        with transaction.atomic():
            DigestSend.objects.create(user=user, day=day, sent_at=now, messages=count)
    except IntegrityError:  # another run sent today's digest a moment ago
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            f"· {message.title}\n  {absolute_url(message.url)}".rstrip()
            for message in messages[:DIGEST_LISTED]
        ]
        if count > DIGEST_LISTED:
            lines.append(_("… and %(count)s more.") % {"count": count - DIGEST_LISTED})
        lines.append(
            "\n"
            + _("All your messages: %(url)s") % {"url": absolute_url(reverse("communities:inbox"))}
        )
        EmailMessage(
            subject=_("%(count)s new messages, %(day)s") % {"count": count, "day": day},
            body="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        ).send()
    return 1
