from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from communities import services
from communities.models import ImportJob, Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def email_notification(notification_id: int) -> None:
    """Mail one inbox message. The row is locked and stamped, so a retry never mails twice."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return
        send_mail(
            subject=notification.title,
            message=f"{notification.body}\n\n{notification.url}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])


@shared_task(acks_late=True)
def check_import_job(job_id: int) -> None:
    """The dry run of an uploaded workbook (communities.services.check_import)."""
    services.check_import(job=ImportJob.objects.get(pk=job_id))


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    """A confirmed import, in one transaction (communities.services.run_import)."""
    services.run_import(job=ImportJob.objects.get(pk=job_id))
