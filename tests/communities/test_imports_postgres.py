"""A running import is cancelled from another connection, as the page's button does while a
worker imports: the cancel does not wait for the import's transaction, and nothing stays."""

import os
import threading

import pytest
from django.db import connection, connections

from communities import services
from communities.imports import runner
from communities.models import Area, Household, ImportJob, Invitation
from tests.communities.test_imports import compound_workbook
from tests.factories import workbook_upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_cancelling_from_another_connection_never_waits_for_the_import(tree, people, monkeypatch):
    job = services.start_import(
        area=tree.C1,
        upload=workbook_upload(compound_workbook()),
        by=people.community_staff,
        language="en",
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    # The worker below takes the import, as a Celery worker would.
    monkeypatch.setattr(services.imports, "enqueue_after_commit", lambda *args: None)
    services.confirm_import(job=job, by=people.community_staff)
    job.refresh_from_db()
    halfway, cancelled = threading.Event(), threading.Event()
    real_process = runner.process

    def two_rows_a_chunk(job, book, *, commit, on_chunk, chunk_size=2):
        def wait_for_the_cancel(done, counts):
            halfway.set()
            assert cancelled.wait(30)
            on_chunk(done, counts)

        return real_process(job, book, commit=commit, on_chunk=wait_for_the_cancel, chunk_size=2)

    monkeypatch.setattr(services.imports, "process", two_rows_a_chunk)
    before = (Area.objects.count(), Household.objects.count(), Invitation.objects.count())
    outcome = {}

    def worker():
        try:
            outcome["job"] = services.run_import(job=ImportJob.objects.get(pk=job.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    assert halfway.wait(30)
    # The import's transaction has written rows that point to the job: a plain FOR UPDATE on
    # the job would wait for the whole import. With a lock timeout, waiting is an error.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
    try:
        services.cancel_import(job=job, by=people.community_staff)
    finally:
        cancelled.set()
        thread.join(60)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert outcome["job"].status == ImportJob.Status.CANCELLED
    assert (Area.objects.count(), Household.objects.count(), Invitation.objects.count()) == before
