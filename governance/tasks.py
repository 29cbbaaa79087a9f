from celery import shared_task

from governance import privacy


@shared_task
def erase_due_personal_data() -> int:
    return privacy.erase_due_requests()
