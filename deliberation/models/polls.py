"""Polls (投票) outside meetings: residents choose together, such as a compound's new name.

A secret ballot is two rows written in one transaction: a receipt that says *who* voted (unique
per poll and voter, and per poll and household where the poll counts households) and a choice
that says *what* was chosen, with no link to the voter, no household and no time. Counts are
computed once, at close, and stored on the options; before that nobody reads them (see
docs/adr/0011-secret-ballots-in-two-tables.md).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import (
    Area,
    Household,
    Membership,
    Organization,
    Residency,
    ancestor_paths,
    subtree_q,
)


class PollQuerySet(models.QuerySet):
    def concerning(self, area: Area) -> PollQuerySet:
        """Polls a person looking at `area` should find: those of the area and every area above
        it (their voters include its residents), and those of the places under it."""
        return self.filter(
            Q(area__path__in=ancestor_paths(area.path)) | Q(area__path__startswith=area.path)
        )

    def live(self, now=None) -> PollQuerySet:
        """Opened: published for everyone to see, voting or already closed."""
        return self.filter(opens_at__lte=now or timezone.now())

    def open(self, now=None) -> PollQuerySet:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now, closed_at__isnull=True)

    def due_to_close(self, now=None) -> PollQuerySet:
        return self.filter(closed_at__isnull=True, closes_at__lte=now or timezone.now())

    def due_to_announce(self, now=None) -> PollQuerySet:
        """Open polls whose voters were not told yet (a poll past its time is never announced)."""
        return self.open(now).filter(announced_at__isnull=True)

    def visible_to(self, user) -> PollQuerySet:
        """Opened polls to everyone; a poll not yet open also to the members of the organisation
        running it and to staff who manage its area (the same as `deliberation.view_poll`)."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(opens_at__lte=timezone.now())
        if user.is_authenticated:
            from communities.reach import managed_paths

            visible |= Q(
                organization_id__in=Membership.objects.active()
                .filter(user=user)
                .values("organization_id")
            ) | subtree_q(managed_paths(user), "area__path")
        return self.filter(visible)


@dataclass(frozen=True)
class ResultRow:
    option: PollOption
    votes: int
    share: float  # of the ballots cast, 0 to 1
    leading: bool


class Poll(models.Model):
    """A question put to the residents of an area, with at least two options, open for a time."""

    class VotingUnit(models.TextChoices):
        RESIDENT = "resident", _("one vote per resident")
        HOUSEHOLD = "household", _("one vote per household")

    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("not open yet")
        OPEN = "open", _("open for voting")
        COUNTING = "counting", _("closed, being counted")
        CLOSED = "closed", _("closed")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="polls", verbose_name=_("organiser")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="polls",
        verbose_name=_("for"),
        help_text=_("Verified residents living in this place or under it may vote."),
    )
    topic = models.ForeignKey(
        "Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="polls",
        verbose_name=_("from the topic"),
    )
    title = models.CharField(_("question"), max_length=120)
    description = models.TextField(_("background"), max_length=2000, blank=True)
    voting_unit = models.CharField(
        _("counting"), max_length=16, choices=VotingUnit.choices, default=VotingUnit.RESIDENT
    )
    owners_only = models.BooleanField(_("owners only"), default=False)
    max_choices = models.PositiveSmallIntegerField(_("choices per ballot"), default=1)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set once the eligible voters were told the poll is open; the periodic task finds the rest.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The result, written once at close: before it nothing is counted.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("Who closed it early; empty when it closed on time."),
    )
    ballots_cast = models.PositiveIntegerField(_("ballots cast"), null=True, editable=False)
    eligible_count = models.PositiveIntegerField(
        _("eligible voters"),
        null=True,
        editable=False,
        help_text=_("At close: the eligible residents, or households where it counts them."),
    )
    # The form's one-time token: a double tap on "create" finds the poll the first one made.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = PollQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-opens_at", "-pk"]
        indexes = [
            models.Index(
                fields=["closes_at"], condition=Q(closed_at__isnull=True), name="poll_to_close"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="poll_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__gte=1), name="poll_at_least_one_choice_per_ballot"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, ballots_cast__isnull=True)
                | Q(closed_at__isnull=False, ballots_cast__isnull=False),
                name="poll_counted_once_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:poll_detail", kwargs={"pk": self.pk})

    def phase_at(self, now: datetime.datetime) -> str:
        if self.closed_at is not None:
            return self.Phase.CLOSED
        if now < self.opens_at:
            return self.Phase.UPCOMING
        if now < self.closes_at:
            return self.Phase.OPEN
        return self.Phase.COUNTING

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    def get_phase_display(self) -> str:
        return self.Phase(self.phase).label

    @property
    def is_open(self) -> bool:
        return self.phase == self.Phase.OPEN

    @property
    def closed_early(self) -> bool:
        return self.closed_at is not None and self.closed_at < self.closes_at

    @property
    def per_household(self) -> bool:
        return self.voting_unit == self.VotingUnit.HOUSEHOLD

    def eligible_residencies(self):
        """Verified residencies under the poll's area (owners only, if the poll says so)."""
        residencies = Residency.objects.verified().filter(
            household__building__path__startswith=self.area.path
        )
        if self.owners_only:
            residencies = residencies.filter(relation=Residency.Relation.OWNER)
        return residencies

    def eligible_voter_ids(self):
        return self.eligible_residencies().values_list("user_id", flat=True).order_by().distinct()

    def eligible_unit_count(self) -> int:
        """How many ballots could be cast: eligible people, or households where it counts them."""
        field = "household_id" if self.per_household else "user_id"
        return self.eligible_residencies().values(field).order_by().distinct().count()

    def eligible_households_of(self, user) -> list[Household]:
        """The households for which `user` may vote here, first registered first."""
        if not user.is_authenticated:
            return []
        return list(
            Household.objects.filter(
                pk__in=self.eligible_residencies().filter(user=user).values("household_id")
            ).order_by("pk")
        )

    def results(self) -> list[ResultRow]:
        """The stored count of each option, in the order they were offered; none before close.
        Shares are of the ballots cast, so with several choices per ballot they add up to more
        than 100 %."""
        if self.closed_at is None:
            return []
        options = list(self.options.all())
        top = max((option.votes or 0 for option in options), default=0)
        return [
            ResultRow(
                option=option,
                votes=option.votes or 0,
                share=(option.votes or 0) / self.ballots_cast if self.ballots_cast else 0.0,
                leading=top > 0 and option.votes == top,
            )
            for option in options
        ]

    @property
    def turnout(self) -> float | None:
        if not self.eligible_count or self.ballots_cast is None:
            return None
        return self.ballots_cast / self.eligible_count


class PollOption(models.Model):
    """One of the answers offered. `votes` stays empty until the poll closes."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"))
    votes = models.PositiveIntegerField(_("votes"), null=True, editable=False)

    class Meta:
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "label"], name="poll_option_label_unique"),
            models.UniqueConstraint(
                fields=["poll", "position"], name="poll_option_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PollReceipt(models.Model):
    """That someone voted, and for which household where the poll counts households; never what
    they chose."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_receipts"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="poll_receipts"
    )
    cast_at = models.DateTimeField(_("voted at"))

    class Meta:
        verbose_name = _("ballot receipt")
        verbose_name_plural = _("ballot receipts")
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="poll_one_ballot_per_voter"),
            models.UniqueConstraint(
                fields=["poll", "household"],
                condition=Q(household__isnull=False),
                name="poll_one_ballot_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id} · {self.voter_id}"


class PollChoice(models.Model):
    """What one ballot chose: the option, and nothing that leads back to the voter. A random
    key instead of a counter and no time, so neither the order nor the moment of writing pairs
    it with its receipt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices")

    class Meta:
        verbose_name = _("ballot choice")
        verbose_name_plural = _("ballot choices")

    def __str__(self) -> str:
        return str(self.option_id)
