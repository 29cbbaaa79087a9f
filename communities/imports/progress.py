"""Progress of an import that runs inside one long transaction.

The confirmed import commits whole or not at all, so nothing it writes, its own job row
included, is visible to the page until the end. It reports the rows done through the cache
instead (Redis in production, shared by the worker and the web servers); the page reads the
cache while the job is importing and the database otherwise.
"""

from django.core.cache import cache

TIMEOUT = 6 * 60 * 60


def _key(job_id: int) -> str:
    return f"import-job-progress:{job_id}"


def report(job_id: int, rows_done: int) -> None:
    cache.set(_key(job_id), rows_done, TIMEOUT)


def rows_done(job) -> int:
    if job.status == job.Status.IMPORTING:
        return min(cache.get(_key(job.pk), 0), job.rows_total)
    return job.rows_done


def forget(job_id: int) -> None:
    cache.delete(_key(job_id))
