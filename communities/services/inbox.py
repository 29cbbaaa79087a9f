"""Each person's inbox: messages put once per key, mailed after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from communities.models import (
    Notification,
    User,
)


def notify(*, user: User, key: str, title: str, body: str = "", url: str = "") -> Notification:
    """Put a message in the person's inbox once per key, and mail it after commit if they have
    an address. Calling it again with the same key changes nothing."""
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title[:200], "body": body, "url": url}
        )
    if created and user.email:
        from communities.background import enqueue_after_commit
        from communities.tasks import email_notification

        enqueue_after_commit(email_notification, notification.pk)
    return notification


@transaction.atomic
def mark_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
