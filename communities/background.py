"""Enqueue Celery tasks after commit without ever failing the request that caused them.

If Redis or the worker is down, the resident's write has already committed; the task is logged
and left for the periodic sweep that finds work not yet done (e.g. timeline entries not yet
notified), so what was to be sent goes out once the broker is back.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # the broker is unreachable: the sweep will pick the work up
            logger.warning(
                "Could not enqueue %s%r; the periodic sweep will retry.",
                task.name,
                args,
                exc_info=True,
            )

    transaction.on_commit(send)
