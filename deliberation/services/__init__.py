"""Every write in deliberation: one function per use case, grouped by concept.

Callers import them from here: `from deliberation import services; services.submit_issue(...)`.
"""

from deliberation.services.commitments import make_commitment
from deliberation.services.issues import (
    RESIDENT,
    SYSTEM,
    accept_issue,
    assign_issue,
    assign_mediator,
    check_in,
    close_resolved_issues,
    escalate_issue,
    escalate_overdue_issues,
    first_tier,
    lane_duration,
    merge_issue,
    rate_issue,
    record_household_visit,
    record_mediation_outcome,
    reject_issue,
    reopen_issue,
    resolve_issue,
    reveal_reporter,
    start_work,
    submit_issue,
    summon_department,
    support_issue,
)

__all__ = [
    "RESIDENT",
    "SYSTEM",
    "accept_issue",
    "assign_issue",
    "assign_mediator",
    "check_in",
    "close_resolved_issues",
    "escalate_issue",
    "escalate_overdue_issues",
    "first_tier",
    "lane_duration",
    "make_commitment",
    "merge_issue",
    "rate_issue",
    "record_household_visit",
    "record_mediation_outcome",
    "reject_issue",
    "reopen_issue",
    "resolve_issue",
    "reveal_reporter",
    "start_work",
    "submit_issue",
    "summon_department",
    "support_issue",
]
