"""Each person's inbox: messages put once per key, mailed after commit."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import transaction
from django.utils import timezone

from communities.background import enqueue_after_commit
from communities.models import Notification, User

BULK_BATCH = 2000


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
    an address. Calling it again with the same key changes nothing."""
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            user=user,
            key=key,
            defaults={"title": title[:200], "body": body, "url": url, "kind": kind},
        )
    if created and user.email:
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

    E-mail for these is sent by the digest and mail tasks that read the inbox, not one task per
    person, so 30,000 recipients cost a few dozen INSERTs."""
    covered = 0
    now = timezone.now()
    ids = iter(user_ids)
    while batch := list(islice(ids, BULK_BATCH)):
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
                    )
                    for user_id in batch
                ],
                ignore_conflicts=True,
            )
        covered += len(batch)
    return covered


@transaction.atomic
def mark_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
