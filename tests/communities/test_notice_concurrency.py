"""Two workers on one delivery (a late task and the sweep) still tell each resident once and
mail each message once: the outbox row and the mail rows are locked, not trusted."""

import os
import threading

import pytest
from django.core import mail
from django.db import connection

from communities import services
from communities.models import NoticeDelivery, Notification
from tests.communities.test_notice_delivery import residents_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
    ),
]

WORKERS = 6


def _race(target) -> list[BaseException]:
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            target()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_one_delivery_tell_each_resident_once(tree, people):
    residents_of(tree.B2, 300, email=True)
    notice = services.publish_notice(area=tree.K1, title="停水通知", by=people.owners_member)
    NoticeDelivery.objects.filter(notice=notice).update(finished_at=None, outcome="")
    Notification.objects.all().delete()
    mail.outbox.clear()

    assert _race(lambda: services.deliver_notice(notice_id=notice.pk)) == []
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert (delivery.outcome, delivery.recipients) == ("delivered", 301)
    assert Notification.objects.filter(key=f"notice-{notice.pk}").count() == 301

    assert _race(services.send_due_emails) == []
    recipients = [address for message in mail.outbox for address in message.to]
    assert len(recipients) == len(set(recipients)) == 301
