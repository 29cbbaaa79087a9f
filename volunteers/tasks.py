from celery import shared_task

from volunteers import services


@shared_task
def send_due_reminders() -> int:
    return services.send_due_reminders()
