import time
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process, on their schedules. "
        "For the embedded set-up (`make run`), where no celery beat runs; production uses beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every task once and stop.")

    def handle(self, *args, once: bool, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        next_run = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, entry in schedule.items():
                if now >= next_run[name]:
                    try:
                        result = _task(entry["task"]).apply().get()
                    except Exception as error:  # keep the loop alive; the next round retries
                        self.stderr.write(f"{name}: {error.__class__.__name__}: {error}")
                    else:
                        if result:
                            self.stdout.write(f"{name}: {result}")
                    next_run[name] = now + float(entry["schedule"])
            if once:
                return
            time.sleep(max(1.0, min(next_run.values()) - time.monotonic()))


def _task(dotted: str):
    """The task by its dotted name, importing its module (Celery registers tasks lazily)."""
    module, name = dotted.rsplit(".", 1)
    return getattr(import_module(module), name)
