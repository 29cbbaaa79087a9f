"""On PostgreSQL, many threads writing to the same timelines at once: every entry is kept, each
links to the one before it, none two to the same predecessor."""

import io
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connections

from communities import services as community_services
from deliberation import services
from deliberation.models import CommitmentUpdate, IssueEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
    ),
]

THREADS = 12
ROUNDS = 5


def _in_threads(work) -> list[BaseException]:
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(worker: int) -> None:
        try:
            for round_ in range(ROUNDS):
                work(worker, round_)
        except BaseException as error:  # the test reports every failure, not just the first
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(run, range(THREADS)))
    return errors


def _contiguous(places) -> bool:
    return sorted(places) == list(range(1, len(places) + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_progress_remarks_and_answers_keep_one_chain(commit, people, supervisor):
    commitment = commit()

    def work(worker: int, round_: int) -> None:
        if worker % 3 == 0:
            remark = services.remark_on_commitment(
                commitment=commitment, by=supervisor, text=f"监督意见 {worker}-{round_}"
            )
            services.answer_remark(remark=remark, by=people.firm_staff, text="收到")
        else:
            services.report_progress(
                commitment=commitment,
                by=people.firm_staff,
                progress=50,
                text=f"进展 {worker}-{round_}",
                submission_key=uuid.uuid4(),
            )

    assert _in_threads(work) == []
    places = list(
        CommitmentUpdate.objects.filter(commitment=commitment).values_list("seq", flat=True)
    )
    assert len(places) == 1 + THREADS * ROUNDS + (THREADS // 3) * ROUNDS
    assert _contiguous(places)
    out = io.StringIO()
    call_command("verify_timeline", stdout=out)
    assert "0 breaks" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_on_one_issue_keep_one_chain(report, people, tree, admin_user):
    community_services.assign_area_role(
        user=people.stranger, area=tree.C1, kind="mediator", by=admin_user
    )
    issue = report(category="private", title="邻里纠纷")
    services.assign_mediator(issue=issue, mediator=people.stranger, by=people.community_staff)

    def work(worker: int, round_: int) -> None:
        services.record_mediation_outcome(
            issue=issue, outcome="mediated", by=people.stranger, note=f"第{worker}-{round_}次调解"
        )

    assert _in_threads(work) == []
    places = list(IssueEvent.objects.filter(issue=issue).values_list("seq", flat=True))
    assert len(places) == 1 + THREADS * ROUNDS and _contiguous(places)
    out = io.StringIO()
    call_command("verify_timeline", stdout=out)
    assert "0 breaks" in out.getvalue()
