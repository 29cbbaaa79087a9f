"""Thin Celery wrappers: load by id, call a service. Each is safe to run twice."""

import datetime

from celery import shared_task

from communities import services
from communities.models import ImportJob


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def email_notification(notification_id: int) -> int:
    """Mail one inbox message, if it is due by mail and not mailed yet."""
    return services.send_due_emails(notification_id=notification_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def email_notifications_of(key: str) -> int:
    """Mail the messages of one fan-out (a notice, a meeting), in batches."""
    return services.send_due_emails(key=key)


@shared_task
def send_due_emails(older_than_seconds: int = 120) -> int:
    """The mail sweep: messages due by mail that no task mailed (the broker was down)."""
    return services.send_due_emails(older_than=datetime.timedelta(seconds=older_than_seconds))


@shared_task
def deliver_notice_task(notice_id: int) -> int:
    return services.deliver_notice(notice_id=notice_id)


@shared_task
def deliver_due_notices() -> int:
    """The outbox sweep: scheduled notices whose time has come, and deliveries never run."""
    return services.deliver_due_notices()


@shared_task
def send_daily_digests() -> int:
    return services.send_daily_digests()


@shared_task(acks_late=True)
def check_import_job(job_id: int) -> None:
    """The dry run of an uploaded workbook (communities.services.check_import)."""
    services.check_import(job=ImportJob.objects.get(pk=job_id))


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    """A confirmed import, in one transaction (communities.services.run_import)."""
    services.run_import(job=ImportJob.objects.get(pk=job_id))
