"""Residents' issues, and (as they land) meetings, polls, topics and commitments.

One module per concept; every model is importable from here, as Django and callers expect.
"""

from deliberation.models.commitments import (
    Commitment,
    CommitmentPhoto,
    CommitmentQuerySet,
    CommitmentReminder,
    CommitmentUpdate,
)
from deliberation.models.issues import (
    Category,
    FunnelCount,
    HouseholdVisit,
    Issue,
    IssueEvent,
    IssuePhoto,
    IssueQuerySet,
    Lane,
    Summons,
    Support,
)
from deliberation.models.polls import (
    Poll,
    PollChoice,
    PollOption,
    PollQuerySet,
    PollReceipt,
    ResultRow,
)
from deliberation.models.timeline import TimelineSeal
from deliberation.models.topics import Topic, TopicComment, TopicQuerySet

__all__ = [
    "Category",
    "Commitment",
    "CommitmentPhoto",
    "CommitmentQuerySet",
    "CommitmentReminder",
    "CommitmentUpdate",
    "FunnelCount",
    "HouseholdVisit",
    "Issue",
    "IssueEvent",
    "IssuePhoto",
    "IssueQuerySet",
    "Lane",
    "Poll",
    "PollChoice",
    "PollOption",
    "PollQuerySet",
    "PollReceipt",
    "ResultRow",
    "Summons",
    "Support",
    "TimelineSeal",
    "Topic",
    "TopicComment",
    "TopicQuerySet",
]
