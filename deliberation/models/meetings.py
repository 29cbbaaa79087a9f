"""Consultation meetings of the parties (议事协商): the catalogue that says who must sit at the
table for a kind of matter, the meeting with its parties, invitations, reminders and agenda, the
motions and ballots taken in it, its minutes and its resolutions.

Ballots follow the polls' two tables (ADR 0011): a `MotionReceipt` says that someone (a person, a
party or a household) voted and never what; a `MotionBallot` says what one ballot chose and,
only for an open vote, who cast it. A secret ballot's choice row leads back to nobody. Counting is
`deliberation.counting.count`, called once when the vote closes; its outcome is stored on the
motion and nothing is tallied before.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import (
    Area,
    Booking,
    Household,
    Membership,
    Notice,
    Organization,
    subtree_q,
)
from deliberation.counting import Choice, Rule
from deliberation.models.commitments import Commitment
from deliberation.models.issues import Issue
from deliberation.models.topics import Topic

# Invitees are reminded this many minutes before a meeting unless its organiser says otherwise.
DEFAULT_REMINDER_OFFSETS = (24 * 60, 60)
# The organiser is reminded when a held meeting still has no published minutes after this.
MINUTES_DUE_AFTER = datetime.timedelta(days=3)


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


class Party(models.TextChoices):
    """The sides that sit at the table (五方联动 and its variants). Most are an organisation of
    the area; residents' representatives, merchants and the developer may be people only."""

    PARTY_ORGANIZATION = "party_organization", _("party organisation")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    PROPERTY_FIRM = "property_firm", _("property-service firm")
    RESIDENTS = "residents", _("residents' representatives")
    SELF_MANAGEMENT_GROUP = "self_management_group", _("self-management group")
    COMMUNITY = "community", _("community (street office)")
    DEPARTMENT = "department", _("government department")
    SOCIAL_ORGANIZATION = "social_organization", _("social organisation")
    RESIDENT_UNIT = "resident_unit", _("resident unit")
    MERCHANTS = "merchants", _("merchants")
    DEVELOPER = "developer", _("developer")

    @classmethod
    def of_organization_kind(cls, kind: str) -> Party | None:
        """The party an organisation of this kind speaks for at the table."""
        return _PARTY_OF_KIND.get(kind)


_PARTY_OF_KIND = {
    Organization.Kind.PARTY_COMMITTEE: Party.PARTY_ORGANIZATION,
    Organization.Kind.PARTY_GENERAL_BRANCH: Party.PARTY_ORGANIZATION,
    Organization.Kind.PARTY_BRANCH: Party.PARTY_ORGANIZATION,
    Organization.Kind.PARTY_GROUP: Party.PARTY_ORGANIZATION,
    Organization.Kind.RESIDENTS_COMMITTEE: Party.RESIDENTS_COMMITTEE,
    Organization.Kind.OWNERS_COMMITTEE: Party.OWNERS_COMMITTEE,
    Organization.Kind.PROPERTY_FIRM: Party.PROPERTY_FIRM,
    Organization.Kind.SELF_MANAGEMENT_GROUP: Party.SELF_MANAGEMENT_GROUP,
    Organization.Kind.GOVERNMENT_OFFICE: Party.COMMUNITY,
    Organization.Kind.DEPARTMENT: Party.DEPARTMENT,
    Organization.Kind.SOCIAL_ORGANIZATION: Party.SOCIAL_ORGANIZATION,
    Organization.Kind.RESIDENT_UNIT: Party.RESIDENT_UNIT,
}


class ConsultationMatter(models.Model):
    """An entry of an area's consultation catalogue (议事协商指导目录): for a kind of matter, the
    level of the tree it is decided at, the parties that must be present, and how its motions
    are counted by default. A street's or community's catalogue applies to its whole subtree."""

    class Kind(models.TextChoices):
        PARKING = "parking", _("parking")
        FEES = "fees", _("property fees")
        RENOVATION = "renovation", _("renovation and repairs")
        MAINTENANCE_FUNDS = "maintenance_funds", _("maintenance funds")
        COMMON_PARTS = "common_parts", _("use of common parts")
        ENVIRONMENT = "environment", _("environment and greening")
        SAFETY = "safety", _("safety")
        DISPUTE = "dispute", _("disputes between neighbours")
        SERVICES = "services", _("services for residents")
        OTHER = "other", _("other")

    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="consultation_matters",
        verbose_name=_("catalogue of"),
        help_text=_("The street or community whose catalogue this is; it applies beneath it."),
    )
    kind = models.CharField(_("kind of matter"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("matter"), max_length=120)
    description = models.TextField(_("what it covers"), max_length=2000, blank=True)
    level = models.PositiveSmallIntegerField(
        _("decided at the level of"),
        choices=Area.Level.choices,
        help_text=_("The level of the tree where a meeting on this matter is held."),
    )
    # A list of `Party` values; JSON rather than a table because it is read and written whole.
    required_parties = models.JSONField(_("parties that must be present"), default=list)
    default_rule = models.CharField(
        _("counting rule for its motions"),
        max_length=32,
        choices=Rule.choices,
        default=Rule.SIMPLE_MAJORITY,
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation matter")
        verbose_name_plural = _("consultation catalogue")
        ordering = ["area__path", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["area", "title"], name="matter_unique_in_catalogue"),
        ]

    def __str__(self) -> str:
        return self.title

    def required_party_labels(self) -> list[str]:
        return [str(Party(value).label) for value in self.required_parties if value in Party]


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now=None) -> MeetingQuerySet:
        return self.filter(ends_at__gte=now or timezone.now()).exclude(
            status=Meeting.Status.CANCELLED
        )

    def visible_to(self, user) -> MeetingQuerySet:
        """Confirmed meetings are public notices of the area; a draft or a cancelled one is seen
        by its organiser's members, those who manage its area and its invitees."""
        public = Q(status__in=Meeting.PUBLIC_STATUSES)
        if not user.is_authenticated:
            return self.filter(public)
        if user.is_superuser:
            return self
        from communities.reach import managed_paths

        organizers = Membership.objects.active().filter(user=user).values("organization_id")
        return self.filter(
            public
            | Q(organization_id__in=organizers)
            | subtree_q(managed_paths(user), "area__path")
            | Q(invitations__user=user)
        ).distinct()


class Meeting(models.Model):
    """A consultation meeting organised by an organisation for an area at its level."""

    class Kind(models.TextChoices):
        JOINT = "joint", _("joint meeting of the parties")
        OWNERS_ASSEMBLY = "owners_assembly", _("owners' assembly")
        RESIDENTS_COUNCIL = "residents_council", _("residents' council")
        HEARING = "hearing", _("hearing")

    class Status(models.TextChoices):
        DRAFT = "draft", _("being planned")
        CONFIRMED = "confirmed", _("confirmed")
        IN_PROGRESS = "in_progress", _("in session")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    PUBLIC_STATUSES = (Status.CONFIRMED, Status.IN_PROGRESS, Status.HELD)

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("organiser"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("for")
    )
    matter = models.ForeignKey(
        ConsultationMatter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("matter in the catalogue"),
    )
    kind = models.CharField(
        _("kind of meeting"), max_length=32, choices=Kind.choices, default=Kind.JOINT
    )
    title = models.CharField(_("name of the meeting"), max_length=120)
    description = models.TextField(_("purpose"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting",
        verbose_name=_("room booking"),
    )
    online_url = models.URLField(_("online meeting link"), blank=True)
    location_note = models.CharField(_("where, in words"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    reminder_offsets = models.JSONField(
        _("reminders (minutes before)"), default=default_reminder_offsets
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # RFC 5545: the same UID for every version of the event, SEQUENCE raised on each reschedule.
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The catalogue's required parties that were not at the table when the organiser confirmed
    # anyway: the record that they were told and went ahead.
    confirmed_without = models.JSONField(
        _("confirmed without these required parties"), default=list, blank=True
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["area", "starts_at"], name="meeting_area_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:meeting_detail", kwargs={"pk": self.pk})

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES


class MeetingParty(models.Model):
    """A side at the table: which party, the organisation that speaks for it (if any), and how
    many of its representatives make it present (its quorum)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="parties")
    party = models.CharField(_("party"), max_length=32, choices=Party.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    label = models.CharField(
        _("as named on the agenda"),
        max_length=120,
        blank=True,
        help_text=_("For a party that is not an organisation, e.g. 3号楼居民代表."),
    )
    quorum = models.PositiveSmallIntegerField(
        _("representatives needed"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("party at the meeting")
        verbose_name_plural = _("parties at the meeting")
        ordering = ["meeting", "party", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "party", "organization"],
                condition=Q(organization__isnull=False),
                name="meeting_party_organization_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "party", "label"],
                condition=Q(organization__isnull=True),
                name="meeting_party_label_once",
            ),
        ]

    def __str__(self) -> str:
        return self.label or (
            self.organization.name if self.organization else self.get_party_display()
        )


class Invitation(models.Model):
    """A person asked to the meeting, for the party they represent (or as an observer), and
    their answer."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("not answered")
        YES = "yes", _("will attend")
        NO = "no", _("cannot attend")
        MAYBE = "maybe", _("may attend")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
        verbose_name=_("person"),
    )
    party = models.ForeignKey(
        MeetingParty,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("represents"),
        help_text=_("Empty for an observer, who neither counts for a party nor votes for one."),
    )
    answer = models.CharField(
        _("answer"), max_length=16, choices=Answer.choices, default=Answer.PENDING
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The secret of the person's calendar feed link is on their account, not here.

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["meeting", "party", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.user_id}"


class MeetingReminder(models.Model):
    """A reminder waiting to be sent: to an invitee before the meeting, or to the organiser's
    author when a held meeting has no minutes. Sent by a periodic task, at most once; a
    reschedule deletes the unsent ones and plans new ones."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("before the meeting")
        MINUTES_DUE = "minutes_due", _("minutes are due")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_reminders"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.BEFORE)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting reminder")
        verbose_name_plural = _("meeting reminders")
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="meeting_reminder_due"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind", "due_at"], name="meeting_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.user_id} · {self.due_at:%Y-%m-%d %H:%M}"


class AgendaItem(models.Model):
    """An item of the agenda, with its time box, optionally bringing residents' issues or an
    online topic to the table."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("item"), max_length=120)
    description = models.TextField(_("details"), max_length=2000, blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("time (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    issues = models.ManyToManyField(
        Issue, blank=True, related_name="agenda_items", verbose_name=_("residents' issues")
    )
    topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("from the online topic"),
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Someone present at the meeting, for the party they represent (empty: an observer)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendance"
    )
    party = models.ForeignKey(
        MeetingParty,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("for"),
    )
    arrived_at = models.DateTimeField(_("arrived at"), default=timezone.now)
    # Set when the person leaves before the end; they no longer count for their party's quorum.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "party", "arrived_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.user_id}"


class Motion(models.Model):
    """A proposal put to the vote under an agenda item, with how it is voted and counted. The
    result is written once, when the vote closes."""

    class VotingUnit(models.TextChoices):
        PERSON = "person", _("one vote per person present")
        PARTY = "party", _("one voice per party")
        HOUSEHOLD = "household", _("one vote per household (owners, with floor area)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("not yet put to the vote")
        OPEN = "open", _("voting")
        CLOSED = "closed", _("decided")

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="motions")
    title = models.CharField(_("motion"), max_length=200)
    text = models.TextField(_("text"), max_length=4000, blank=True)
    rule = models.CharField(
        _("counting rule"), max_length=32, choices=Rule.choices, default=Rule.SIMPLE_MAJORITY
    )
    voting_unit = models.CharField(
        _("who votes"), max_length=16, choices=VotingUnit.choices, default=VotingUnit.PERSON
    )
    secret = models.BooleanField(_("secret ballot"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("voting closed"), null=True, blank=True)
    # The electorate, fixed when voting opens: who may vote cannot change under a running vote.
    electorate_headcount = models.PositiveIntegerField(null=True, blank=True, editable=False)
    electorate_floor_area = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    # Written at close from `counting.count`: the tally and the decision with its reasons.
    passed = models.BooleanField(_("passed"), null=True, editable=False)
    outcome = models.JSONField(_("tally"), null=True, blank=True, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["agenda_item", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rule__in=[Rule.OWNERS_SPECIAL, Rule.OWNERS_ORDINARY])
                | Q(voting_unit="household"),
                name="motion_owners_rule_counts_households",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MotionElector(models.Model):
    """One of those entitled to vote on a motion, fixed when voting opens: a person present for a
    party, a party present, or an owners' household with the floor area it had then. A ballot is
    taken only from the electorate, so the count never sees more voters or area than it had."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="electorate")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    party = models.ForeignKey(
        MeetingParty, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    floor_area = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electorate")
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "user"],
                condition=Q(user__isnull=False),
                name="motion_elector_person_once",
            ),
            models.UniqueConstraint(
                fields=["motion", "party"],
                condition=Q(party__isnull=False, user__isnull=True),
                name="motion_elector_party_once",
            ),
            models.UniqueConstraint(
                fields=["motion", "household"],
                condition=Q(household__isnull=False),
                name="motion_elector_household_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.user_id or self.party_id or self.household_id}"


class MotionReceipt(models.Model):
    """That a ballot was cast on a motion: by whom (a person), for which party or household
    where the motion counts those, and whether counting staff entered it from paper. Never
    what was chosen."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="motion_receipts",
    )
    party = models.ForeignKey(
        MeetingParty, on_delete=models.PROTECT, null=True, blank=True, related_name="receipts"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="motion_receipts"
    )
    on_paper = models.BooleanField(_("paper ballot"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cast_at = models.DateTimeField(_("voted at"), default=timezone.now)

    class Meta:
        verbose_name = _("ballot receipt")
        verbose_name_plural = _("ballot receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "voter"],
                condition=Q(voter__isnull=False, party__isnull=True, household__isnull=True),
                name="motion_one_ballot_per_person",
            ),
            models.UniqueConstraint(
                fields=["motion", "party"],
                condition=Q(party__isnull=False),
                name="motion_one_voice_per_party",
            ),
            models.UniqueConstraint(
                fields=["motion", "household"],
                condition=Q(household__isnull=False),
                name="motion_one_ballot_per_household",
            ),
            models.CheckConstraint(
                condition=Q(voter__isnull=False) | Q(household__isnull=False),
                name="motion_receipt_names_a_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.voter_id or self.household_id}"


class MotionBallot(models.Model):
    """What one ballot chose, with the floor area and weight it carries. A random key and no
    time, so a secret ballot's row cannot be paired with its receipt; `voter` is filled only
    for an open vote."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=16, choices=Choice.choices)
    floor_area = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    weight = models.PositiveIntegerField(default=1)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Open votes only.",
    )
    party = models.ForeignKey(
        MeetingParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Open votes only.",
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="motion_ballot_weight"),
            models.CheckConstraint(condition=Q(floor_area__gte=0), name="motion_ballot_area"),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.choice}"


class Minutes(models.Model):
    """What was said and decided, written during or after the meeting, confirmed by each party
    present, then published on the area's notice board."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField(_("minutes"), max_length=20000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("last written"), default=timezone.now)
    # Once submitted the text is frozen for the parties to confirm; a change starts again.
    submitted_at = models.DateTimeField(_("sent for confirmation"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notice = models.OneToOneField(
        Notice, on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting_minutes"
    )

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)


class MinutesConfirmation(models.Model):
    """A party present at the meeting agrees that the minutes say what happened."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="confirmations")
    party = models.ForeignKey(MeetingParty, on_delete=models.CASCADE, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("confirmation of the minutes")
        verbose_name_plural = _("confirmations of the minutes")
        constraints = [
            models.UniqueConstraint(fields=["minutes", "party"], name="minutes_confirmed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_id} · {self.party_id}"


class Resolution(models.Model):
    """What the meeting decided someone will do by when. Published, it becomes a public
    commitment of the responsible organisation, which carries the linked issues forward."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    motion = models.ForeignKey(
        Motion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("from the motion"),
    )
    text = models.CharField(_("what will be done"), max_length=200)
    responsible = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("who will do it"),
    )
    due_on = models.DateField(_("by"))
    issues = models.ManyToManyField(
        Issue, blank=True, related_name="resolutions", verbose_name=_("residents' issues")
    )
    commitment = models.OneToOneField(
        Commitment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolution",
        verbose_name=_("public commitment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text


def new_feed_key() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A person's calendar feed of their meetings. Calendar apps cannot sign in, so the link's
    key is the credential; the person can replace it, which stops the old link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_feed"
    )
    key = models.CharField(max_length=64, unique=True, default=new_feed_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user_id)
