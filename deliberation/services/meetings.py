"""Planning consultation meetings (议事协商): the catalogue of matters, the meeting with its room
or link, the parties at the table, invitations and answers, reminders, and the agenda.

Invariants kept here:
- a meeting is planned by members of an organisation that reaches its area, or by staff who
  manage the area, for a matter of the catalogue that applies there and is decided at its level;
- a meeting in a room holds a booking of that room (communities.services.spaces) for its whole
  time, moved with it and given back when it is cancelled;
- "yes" answers never exceed the seats (the meeting row is locked while answering);
- every invitee of a confirmed meeting has one reminder row per offset, replaced when the meeting
  moves and sent at most once (`send_meeting_reminders`);
- each residents' issue brought to a confirmed meeting's agenda item gets one DISCUSSED entry on
  its public timeline, chained like every other entry.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from communities import reach
from communities.models import (
    Area,
    Membership,
    Notification,
    Organization,
    Residency,
    Space,
    User,
    ancestor_paths,
)
from communities.rules import require
from communities.services import notify, notify_many
from communities.services.spaces import (
    book_space,
    booking_organizations,
    cancel_booking,
    reschedule_booking,
)
from deliberation.counting import Rule
from deliberation.models import (
    MINUTES_DUE_AFTER,
    AgendaItem,
    CalendarFeed,
    ConsultationMatter,
    Invitation,
    Issue,
    IssueEvent,
    Meeting,
    MeetingParty,
    MeetingReminder,
    Minutes,
    Party,
    Topic,
)
from deliberation.services.issues import _notify_after_commit, _record

# Booking keys are derived from the meeting's, so a second tap of "plan" books the room once.
MEETING_BOOKING_NAMESPACE = uuid.UUID("0b8e5f0e-4d8c-4b1e-9a51-7c3f2d6e8a10")
REMINDERS_PER_RUN = 500
MAX_REMINDER_OFFSET = 14 * 24 * 60
NAMED_PARTIES = frozenset({Party.RESIDENTS, Party.MERCHANTS, Party.DEVELOPER})
OPEN_STATUSES = (Meeting.Status.DRAFT, Meeting.Status.CONFIRMED)


# --- The catalogue -------------------------------------------------------------------------------


def catalogue_for(area: Area):
    """The matters that apply to the area: its own catalogue and those of every area above it,
    the nearest last (a community's entries refine its street's)."""
    return (
        ConsultationMatter.objects.filter(area__path__in=ancestor_paths(area.path))
        .select_related("area")
        .order_by("area__depth", "position", "title")
    )


def _clean_matter(
    *,
    area: Area,
    title: str,
    level: int,
    required_parties: Sequence[str],
    default_rule: str,
    kind: str,
    description: str,
    exclude_pk: int | None = None,
) -> dict:
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = _("Name the matter.")
    elif ConsultationMatter.objects.filter(area=area, title=title).exclude(pk=exclude_pk).exists():
        errors["title"] = _("The catalogue of %(area)s already has “%(title)s”.") % {
            "area": area.name,
            "title": title,
        }
    if kind not in ConsultationMatter.Kind.values:
        errors["kind"] = _("Choose the kind of matter.")
    if level not in Area.Level.values or level < area.level:
        errors["level"] = _(
            "A matter in the catalogue of %(area)s is decided at its level or below it."
        ) % {"area": area.name}
    unknown = [value for value in required_parties if value not in Party.values]
    if unknown:
        errors["required_parties"] = _("Choose the parties from the list.")
    if default_rule not in Rule.values:
        errors["default_rule"] = _("Choose a counting rule.")
    if len(description) > 2000:
        errors["description"] = _("Keep the description under 2000 characters.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "kind": kind,
        "level": level,
        # In the order of the Party list, each once: the page and the check read it as a set.
        "required_parties": [value for value in Party.values if value in set(required_parties)],
        "default_rule": default_rule,
        "description": description.strip(),
    }


@transaction.atomic
def add_consultation_matter(
    *,
    area: Area,
    title: str,
    kind: str,
    level: int,
    required_parties: Sequence[str],
    by: User,
    default_rule: str = Rule.SIMPLE_MAJORITY,
    description: str = "",
) -> ConsultationMatter:
    """Staff who manage a street or a community add a matter to its catalogue, at the end. The
    title is unique in the catalogue, so a second tap of the form adds nothing."""
    require(by, "deliberation.keep_catalogue", area)
    Area.objects.select_for_update().filter(pk=area.pk).values_list("pk", flat=True).get()
    fields = _clean_matter(
        area=area,
        title=title,
        level=level,
        required_parties=required_parties,
        default_rule=default_rule,
        kind=kind,
        description=description,
    )
    last = area.consultation_matters.aggregate(last=Max("position"))["last"]
    return ConsultationMatter.objects.create(
        area=area,
        position=0 if last is None else last + 1,
        updated_by=by,
        updated_at=timezone.now(),
        **fields,
    )


@transaction.atomic
def change_consultation_matter(
    *,
    matter: ConsultationMatter,
    title: str,
    kind: str,
    level: int,
    required_parties: Sequence[str],
    by: User,
    default_rule: str = Rule.SIMPLE_MAJORITY,
    description: str = "",
) -> ConsultationMatter:
    """Change an entry of the catalogue; meetings already planned keep their matter."""
    matter = (
        ConsultationMatter.objects.select_for_update(of=("self",))
        .select_related("area")
        .get(pk=matter.pk)
    )
    require(by, "deliberation.keep_catalogue", matter.area)
    fields = _clean_matter(
        area=matter.area,
        title=title,
        level=level,
        required_parties=required_parties,
        default_rule=default_rule,
        kind=kind,
        description=description,
        exclude_pk=matter.pk,
    )
    for name, value in fields.items():
        setattr(matter, name, value)
    matter.updated_by, matter.updated_at = by, timezone.now()
    matter.save()
    return matter


@transaction.atomic
def remove_consultation_matter(*, matter: ConsultationMatter, by: User) -> None:
    """Take a matter out of the catalogue. Meetings held on it keep their record; they simply
    no longer name a catalogue entry."""
    matter = (
        ConsultationMatter.objects.select_for_update(of=("self",))
        .select_related("area")
        .get(pk=matter.pk)
    )
    require(by, "deliberation.keep_catalogue", matter.area)
    matter.delete()


@transaction.atomic
def move_consultation_matter(
    *, matter: ConsultationMatter, by: User, up: bool
) -> ConsultationMatter:
    """Move a matter one place up or down its catalogue (the first stays first)."""
    matter = ConsultationMatter.objects.select_related("area").get(pk=matter.pk)
    require(by, "deliberation.keep_catalogue", matter.area)
    entries = list(
        ConsultationMatter.objects.select_for_update()
        .filter(area=matter.area)
        .order_by("position", "title")
    )
    _swap(entries, matter.pk, up)
    return next(entry for entry in entries if entry.pk == matter.pk)


def _swap(entries: list, pk: int, up: bool) -> None:
    """Renumber the rows 0..n-1 with the one of `pk` moved one step, saving those that change."""
    index = next(index for index, entry in enumerate(entries) if entry.pk == pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(entries):
        entries[index], entries[other] = entries[other], entries[index]
    for position, entry in enumerate(entries):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])


def required_parties_missing(meeting: Meeting) -> list[str]:
    """The parties the meeting's matter requires that are not at its table, as Party values in
    the catalogue's order. Empty when the meeting names no matter."""
    if meeting.matter is None:
        return []
    present = set(meeting.parties.values_list("party", flat=True))
    return [value for value in meeting.matter.required_parties if value not in present]


# --- Meetings ------------------------------------------------------------------------------------


def _may_plan(by: User, organization: Organization, area: Area) -> bool:
    return (
        by.is_superuser
        or organization.pk in reach.organization_ids(by)
        or reach.is_within(area.path, reach.managed_paths(by))
    )


def _check_level(matter: ConsultationMatter | None, area: Area) -> None:
    if matter is None:
        return
    if not catalogue_for(area).filter(pk=matter.pk).exists():
        raise ValidationError(
            {
                "matter": _("“%(matter)s” is not in the catalogue that applies to %(area)s.")
                % {"matter": matter.title, "area": area.name}
            }
        )
    if matter.level != area.level:
        raise ValidationError(
            {
                "matter": _(
                    "“%(matter)s” is decided at the %(right)s level, and %(area)s is a "
                    "%(level)s. Plan the meeting for a %(right)s."
                )
                % {
                    "matter": matter.title,
                    "right": Area.Level(matter.level).label,
                    "area": area.name,
                    "level": Area.Level(area.level).label,
                }
            }
        )


def _check_when(
    starts_at: datetime.datetime, ends_at: datetime.datetime, *, errors: dict[str, str]
) -> None:
    if starts_at is None or ends_at is None:
        errors["starts_at"] = _("Say when the meeting starts and ends.")
        return
    if starts_at <= timezone.now():
        errors["starts_at"] = _("This time has already passed. Choose a time from now on.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("A meeting must end after it starts.")


def _clean_offsets(offsets: Iterable[int] | None) -> list[int]:
    values = sorted({int(offset) for offset in offsets or ()}, reverse=True)
    if any(offset < 1 or offset > MAX_REMINDER_OFFSET for offset in values):
        raise ValidationError(
            {"reminder_offsets": _("Reminders go out between a minute and 14 days before.")}
        )
    return values


def _space_serves(space: Space, area: Area) -> bool:
    """A room of the meeting's area, of a place above it (the community's 睦邻驿站 for one of
    its compounds) or of a place under it."""
    return space.area.path in ancestor_paths(area.path) or space.area.path.startswith(area.path)


def _booking_organization(by: User, organization: Organization, space: Space) -> Organization:
    """The organiser books its room; staff planning for another organisation book for their
    own one that may book the room (the room service only lets members book for theirs)."""
    if by.is_superuser or organization.pk in reach.organization_ids(by):
        return organization
    return booking_organizations(user=by, space=space).first() or organization


_BOOKING_FIELDS = {
    "attendees": "capacity",
    "purpose": "title",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
}


def _as_meeting_error(error: ValidationError) -> ValidationError:
    """The room service's messages, keyed by the meeting form's fields."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"space": error.messages})
    return ValidationError(
        {
            _BOOKING_FIELDS.get(field, "space"): messages
            for field, messages in error.message_dict.items()
        }
    )


@transaction.atomic
def plan_meeting(
    *,
    organization: Organization,
    area: Area,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: User,
    kind: str = Meeting.Kind.JOINT,
    matter: ConsultationMatter | None = None,
    description: str = "",
    space: Space | None = None,
    online_url: str = "",
    location_note: str = "",
    capacity: int | None = None,
    reminder_offsets: Iterable[int] | None = None,
    submission_key: uuid.UUID | None = None,
) -> Meeting:
    """An organisation that reaches the area plans a meeting there, in a room it books, online,
    or at a place named in words. It starts as a draft seen by its organisers; confirming it
    makes it public. The same submission key gives back the first meeting (and one booking)."""
    if submission_key is not None:
        existing = Meeting.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if not _may_plan(by, organization, area):
        raise PermissionDenied(
            _("Only members of %(name)s, or staff who manage %(area)s, plan its meetings.")
            % {"name": organization.name, "area": area.name}
        )
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("%(name)s does not serve %(area)s.") % {"name": organization, "area": area}}
        )
    _check_level(matter, area)
    errors: dict[str, str] = {}
    title, online_url, location_note = title.strip(), online_url.strip(), location_note.strip()
    if not title:
        errors["title"] = _("Give the meeting a title.")
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    _check_when(starts_at, ends_at, errors=errors)
    if capacity is not None and capacity < 1:
        errors["capacity"] = _("A meeting has at least one seat.")
    if space is None and not online_url and not location_note:
        errors["space"] = _("Book a room, give the online link, or say where it is held.")
    if space is not None and not _space_serves(space, area):
        errors["space"] = _("%(room)s does not serve %(area)s.") % {"room": space, "area": area}
    if errors:
        raise ValidationError(errors)
    offsets = _clean_offsets(
        Meeting._meta.get_field("reminder_offsets").default()
        if reminder_offsets is None
        else reminder_offsets
    )
    key = submission_key or uuid.uuid4()
    booking = None
    if space is not None:
        try:
            booking = book_space(
                space=space,
                starts_at=starts_at,
                ends_at=ends_at,
                by=by,
                purpose=title,
                attendees=capacity or 1,
                organization=_booking_organization(by, organization, space),
                submission_key=uuid.uuid5(MEETING_BOOKING_NAMESPACE, str(key)),
            )
        except ValidationError as error:
            raise _as_meeting_error(error) from error
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                organization=organization,
                area=area,
                matter=matter,
                kind=kind,
                title=title,
                description=description.strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                booking=booking,
                online_url=online_url,
                location_note=location_note,
                capacity=capacity,
                reminder_offsets=offsets,
                created_by=by,
                submission_key=key,
            )
    except IntegrityError:
        return Meeting.objects.get(submission_key=submission_key)


def _locked_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("area", "organization", "matter", "booking__space")
        .get(pk=meeting.pk)
    )


def _check_open(meeting: Meeting) -> None:
    if meeting.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This meeting is %(status)s; it can no longer be changed.")
            % {"status": meeting.get_status_display()}
        )


@transaction.atomic
def change_meeting(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    description: str = "",
    online_url: str = "",
    location_note: str = "",
    capacity: int | None = None,
    reminder_offsets: Iterable[int] | None = None,
) -> Meeting:
    """Edit or reschedule a meeting not yet held. A new time moves its room booking under the
    room's rules; any change raises the calendar SEQUENCE. Once confirmed, the unsent reminders
    are planned again for the new time and every invitee is told."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    errors: dict[str, str] = {}
    title, online_url, location_note = title.strip(), online_url.strip(), location_note.strip()
    if not title:
        errors["title"] = _("Give the meeting a title.")
    _check_when(starts_at, ends_at, errors=errors)
    if capacity is not None and capacity < 1:
        errors["capacity"] = _("A meeting has at least one seat.")
    if capacity is not None and capacity < meeting.invitations.filter(answer="yes").count():
        errors["capacity"] = _("More people have said they will attend than this many seats.")
    holds_room = meeting.booking is not None and meeting.booking.holds_slot
    if not holds_room and not online_url and not location_note:
        errors["location_note"] = _("Give the online link, or say where it is held.")
    if errors:
        raise ValidationError(errors)
    offsets = (
        meeting.reminder_offsets if reminder_offsets is None else _clean_offsets(reminder_offsets)
    )
    moved = (starts_at, ends_at) != (meeting.starts_at, meeting.ends_at)
    if holds_room and (moved or (capacity or 1) != meeting.booking.attendees):
        try:
            reschedule_booking(
                booking=meeting.booking,
                starts_at=starts_at,
                ends_at=ends_at,
                by=by,
                attendees=capacity or 1,
            )
        except ValidationError as error:
            raise _as_meeting_error(error) from error
    if not holds_room:
        # A booking that was not approved (or was cancelled) no longer says where it is held.
        meeting.booking = None
    meeting.title, meeting.description = title, description.strip()
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.online_url, meeting.location_note = online_url, location_note
    meeting.capacity, meeting.reminder_offsets = capacity, offsets
    meeting.sequence += 1
    meeting.save()
    if meeting.status == Meeting.Status.CONFIRMED:
        meeting.reminders.filter(kind=MeetingReminder.Kind.BEFORE, sent_at__isnull=True).delete()
        _plan_reminders(meeting)
        with translation.override(settings.LANGUAGE_CODE):
            _tell_invitees(
                meeting,
                what=f"changed-{meeting.sequence}",
                title=(
                    _("“%(title)s” moved to %(when)s") if moved else _("“%(title)s” was changed")
                )
                % {"title": meeting.title, "when": when(meeting)},
                body=_("Open the meeting to see what changed; your calendar updates by itself."),
            )
    return meeting


@transaction.atomic
def confirm_meeting(*, meeting: Meeting, by: User, confirm_anyway: bool = False) -> Meeting:
    """The organiser confirms a draft: it becomes public, its invitees are told and their
    reminders planned, and the issues on its agenda show on their timelines that they will be
    discussed. If a party the matter requires is not at the table, confirming needs
    `confirm_anyway`, and the missing parties are recorded with the meeting."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    if meeting.status == Meeting.Status.CONFIRMED:
        return meeting
    if meeting.status != Meeting.Status.DRAFT:
        raise ValidationError(
            _("This meeting is %(status)s; it can no longer be confirmed.")
            % {"status": meeting.get_status_display()}
        )
    if meeting.starts_at <= timezone.now():
        raise ValidationError(
            {"starts_at": _("This meeting's time has passed. Move it before confirming.")}
        )
    if meeting.booking is not None and not meeting.booking.holds_slot:
        raise ValidationError(
            {
                "space": _(
                    "The booking of %(room)s is %(status)s. Give an online link or a place in "
                    "words under “Change or move”, or cancel and plan the meeting again."
                )
                % {"room": meeting.booking.space, "status": meeting.booking.get_status_display()}
            }
        )
    missing = required_parties_missing(meeting)
    if missing and not confirm_anyway:
        raise ValidationError(
            _("Not at the table yet: %(parties)s. Add them, or confirm anyway.")
            % {"parties": "、".join(str(Party(value).label) for value in missing)},
            code="missing_parties",
        )
    meeting.status = Meeting.Status.CONFIRMED
    meeting.confirmed_at = timezone.now()
    meeting.confirmed_without = missing
    meeting.save(update_fields=["status", "confirmed_at", "confirmed_without"])
    _plan_reminders(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        for item in meeting.agenda.prefetch_related("issues"):
            _record_discussed(meeting, item, item.issues.all(), by=by)
        _tell_invitees(
            meeting,
            what="confirmed",
            title=_("You are invited: “%(title)s”, %(when)s")
            % {"title": meeting.title, "when": when(meeting)},
            body=place(meeting),
        )
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by: User, reason: str) -> Meeting:
    """Call a meeting off, saying why: its room is given back, no reminder goes out any more,
    and every invitee is told the reason. Cancelling twice changes nothing."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    if meeting.status == Meeting.Status.CANCELLED:
        return meeting
    _check_open(meeting)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the meeting is cancelled; invitees are told.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    if meeting.booking is not None and meeting.booking.holds_slot:
        cancel_booking(booking=meeting.booking, by=by, reason=reason)
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence"])
    meeting.reminders.filter(sent_at__isnull=True).delete()
    with translation.override(settings.LANGUAGE_CODE):
        _tell_invitees(
            meeting,
            what="cancelled",
            title=_("Cancelled: “%(title)s”, %(when)s")
            % {"title": meeting.title, "when": when(meeting)},
            body=_("Reason: %(reason)s") % {"reason": reason},
        )
    return meeting


# --- Parties and invitations ---------------------------------------------------------------------


@transaction.atomic
def add_party(
    *,
    meeting: Meeting,
    by: User,
    party: str = "",
    organization: Organization | None = None,
    label: str = "",
    quorum: int = 1,
) -> MeetingParty:
    """Seat a party at the table: an organisation that reaches the meeting's area (its party
    follows from its kind), or a named group of people (residents' representatives, merchants,
    the developer). Adding the same party twice gives back the first."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    label = label.strip()
    if quorum is None or quorum < 1:
        raise ValidationError({"quorum": _("At least one representative makes a party present.")})
    if organization is not None:
        party = party or Party.of_organization_kind(organization.kind) or ""
        if not party:
            raise ValidationError(
                {
                    "organization": _("%(name)s is not a party of a consultation.")
                    % {"name": organization}
                }
            )
        if not organization.reaches(meeting.area):
            raise ValidationError(
                {
                    "organization": _("%(name)s does not serve %(area)s.")
                    % {"name": organization, "area": meeting.area}
                }
            )
        found = {"organization": organization}
    else:
        if party not in NAMED_PARTIES:
            raise ValidationError(
                {"organization": _("Choose the organisation that speaks for this party.")}
            )
        found = {"organization": None, "label": label}
    existing = meeting.parties.filter(party=party, **found).first()
    if existing:
        return existing
    return MeetingParty.objects.create(
        meeting=meeting, party=party, organization=organization, label=label, quorum=quorum
    )


@transaction.atomic
def remove_party(*, party: MeetingParty, by: User) -> None:
    """Take a party from the table; its invitees stay invited, as observers."""
    meeting = _locked_meeting(party.meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    party.invitations.update(party=None)
    party.delete()


def invitable_people(meeting: Meeting, party: MeetingParty | None):
    """Who may be invited for the party: the active members of its organisation, or, for a
    named group, the verified residents of the meeting's area."""
    members = Membership.objects.active()
    residents = Residency.objects.verified().filter(
        household__building__path__startswith=meeting.area.path
    )
    if party is not None and party.organization_id is not None:
        return User.objects.filter(
            pk__in=members.filter(organization_id=party.organization_id).values("user_id")
        )
    if party is not None:
        return User.objects.filter(pk__in=residents.values("user_id"))
    # Observers: residents, and members of the parties or of any organisation seated on the
    # area, above it or under it (street staff, a department sent to listen).
    path = meeting.area.path
    seated = Organization.objects.filter(
        Q(area__path__in=ancestor_paths(path)) | Q(area__path__startswith=path)
    ).values("pk")
    parties = meeting.parties.exclude(organization=None).values("organization_id")
    return User.objects.filter(
        Q(pk__in=residents.values("user_id"))
        | Q(pk__in=members.filter(organization_id__in=parties).values("user_id"))
        | Q(pk__in=members.filter(organization_id__in=seated).values("user_id"))
    )


@transaction.atomic
def invite(
    *, meeting: Meeting, user: User, by: User, party: MeetingParty | None = None
) -> Invitation:
    """Invite a person for a party they may represent (a member of its organisation; for
    residents' representatives, a verified resident of the area), or as an observer. Inviting
    someone again gives back their invitation; once the meeting is confirmed the new invitee is
    told at once and reminded like the others."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    if party is not None and party.meeting_id != meeting.pk:
        raise ValidationError({"party": _("Choose a party of this meeting.")})
    if not invitable_people(meeting, party).filter(pk=user.pk).exists():
        raise ValidationError(
            {
                "user": _("%(name)s cannot represent %(party)s.") % {"name": user, "party": party}
                if party is not None
                else _("Invite members of the parties or residents of %(area)s.")
                % {"area": meeting.area.name}
            }
        )
    invitation, created = Invitation.objects.get_or_create(
        meeting=meeting, user=user, defaults={"party": party, "invited_by": by}
    )
    if created and meeting.status == Meeting.Status.CONFIRMED:
        _plan_reminders(meeting, user_ids=[user.pk])
        with translation.override(settings.LANGUAGE_CODE):
            _tell(
                meeting,
                user_ids=[user.pk],
                what="confirmed",
                title=_("You are invited: “%(title)s”, %(when)s")
                % {"title": meeting.title, "when": when(meeting)},
                body=place(meeting),
            )
    return invitation


@transaction.atomic
def uninvite(*, invitation: Invitation, by: User) -> None:
    """Withdraw an invitation; the person's reminders go with it."""
    meeting = _locked_meeting(invitation.meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    meeting.reminders.filter(user_id=invitation.user_id, sent_at__isnull=True).delete()
    invitation.delete()


@transaction.atomic
def answer_invitation(*, invitation: Invitation, by: User, answer: str) -> Invitation:
    """The invitee answers yes, no or maybe, and may change their mind until the meeting
    starts. "Yes" is refused when every seat is taken: the meeting row is locked while counting,
    so two last answers never both get the last seat."""
    meeting = _locked_meeting(invitation.meeting)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    require(by, "deliberation.answer_invitation", invitation)
    if answer not in (Invitation.Answer.YES, Invitation.Answer.NO, Invitation.Answer.MAYBE):
        raise ValidationError({"answer": _("Answer yes, no or maybe.")})
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if meeting.status not in OPEN_STATUSES or meeting.starts_at <= timezone.now():
        raise ValidationError(_("This meeting has begun; answers are closed."))
    if invitation.answer == answer:
        return invitation
    if answer == Invitation.Answer.YES and meeting.capacity is not None:
        taken = meeting.invitations.filter(answer=Invitation.Answer.YES).count()
        if taken >= meeting.capacity:
            raise ValidationError(
                {
                    "answer": _(
                        "The meeting is full: all %(count)s seats are taken. Answer “maybe” "
                        "and the organiser will know you would like to come."
                    )
                    % {"count": meeting.capacity}
                },
                code="full",
            )
    invitation.answer = answer
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answer", "answered_at"])
    return invitation


# --- Reminders -----------------------------------------------------------------------------------


def _plan_reminders(meeting: Meeting, user_ids: Iterable[int] | None = None) -> int:
    """One BEFORE row per invitee and offset whose time is still ahead."""
    now = timezone.now()
    if user_ids is None:
        user_ids = meeting.invitations.values_list("user_id", flat=True)
    rows = [
        MeetingReminder(
            meeting=meeting,
            user_id=user_id,
            kind=MeetingReminder.Kind.BEFORE,
            due_at=meeting.starts_at - datetime.timedelta(minutes=offset),
        )
        for user_id in user_ids
        for offset in meeting.reminder_offsets
        if meeting.starts_at - datetime.timedelta(minutes=offset) > now
    ]
    MeetingReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _plan_minutes_reminders(now: datetime.datetime) -> int:
    """A held meeting without published minutes MINUTES_DUE_AFTER after it ended: a row for
    each active member of its organiser. The unique key makes each planned once."""
    overdue = (
        Meeting.objects.filter(status=Meeting.Status.HELD, ends_at__lte=now - MINUTES_DUE_AFTER)
        .exclude(pk__in=Minutes.objects.filter(published_at__isnull=False).values("meeting_id"))
        .exclude(reminders__kind=MeetingReminder.Kind.MINUTES_DUE)
        .values_list("pk", "organization_id", "ends_at")[:REMINDERS_PER_RUN]
    )
    rows = [
        MeetingReminder(
            meeting_id=meeting_id,
            user_id=user_id,
            kind=MeetingReminder.Kind.MINUTES_DUE,
            due_at=ends_at + MINUTES_DUE_AFTER,
        )
        for meeting_id, organization_id, ends_at in overdue
        for user_id in Membership.objects.active()
        .filter(organization_id=organization_id)
        .values_list("user_id", flat=True)
        .distinct()
    ]
    MeetingReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def send_meeting_reminders(*, now: datetime.datetime | None = None) -> int:
    """The periodic task: send each reminder whose time has come through the inbox (and by
    e-mail where the person asked for meeting mail). Rows are locked with SKIP LOCKED, so a
    second runner takes other rows; each is stamped when sent and its message keyed by the row,
    so nothing is sent twice. A reminder for a cancelled meeting, one already begun, or an
    invitee who said no is dropped instead; a minutes reminder is dropped once the minutes are
    published. Returns how many went out."""
    now = now or timezone.now()
    _plan_minutes_reminders(now)
    due = list(
        MeetingReminder.objects.select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True, due_at__lte=now)
        .order_by("due_at")[:REMINDERS_PER_RUN]
    )
    meetings = Meeting.objects.select_related("booking__space").in_bulk(
        {reminder.meeting_id for reminder in due}
    )
    declined = set(
        Invitation.objects.filter(meeting_id__in=meetings, answer=Invitation.Answer.NO).values_list(
            "meeting_id", "user_id"
        )
    )
    published = set(
        Minutes.objects.filter(meeting_id__in=meetings, published_at__isnull=False).values_list(
            "meeting_id", flat=True
        )
    )
    sent, dropped = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in due:
            meeting = meetings[reminder.meeting_id]
            if reminder.kind == MeetingReminder.Kind.BEFORE:
                if (
                    meeting.status != Meeting.Status.CONFIRMED
                    or meeting.starts_at <= now
                    or (meeting.pk, reminder.user_id) in declined
                ):
                    dropped.append(reminder.pk)
                    continue
                title = _("Reminder: “%(title)s”, %(when)s") % {
                    "title": meeting.title,
                    "when": when(meeting),
                }
                body = place(meeting)
            else:
                if meeting.pk in published or meeting.status != Meeting.Status.HELD:
                    dropped.append(reminder.pk)
                    continue
                title = _("The minutes of “%(title)s” are due") % {"title": meeting.title}
                body = _(
                    "The meeting ended on %(day)s and its minutes are not published yet. Write "
                    "them and send them to the parties for confirmation."
                ) % {"day": formats.date_format(timezone.localdate(meeting.ends_at), "DATE_FORMAT")}
            notify(
                user=reminder.user,
                key=f"meeting-reminder-{reminder.pk}",
                title=title,
                body=body,
                url=meeting.get_absolute_url(),
                kind=Notification.Kind.MEETING,
            )
            sent.append(reminder.pk)
    MeetingReminder.objects.filter(pk__in=dropped).delete()
    MeetingReminder.objects.filter(pk__in=sent).update(sent_at=now)
    return len(sent)


# --- The agenda ----------------------------------------------------------------------------------


def attachable_issues(meeting: Meeting, user: User):
    """Residents' issues of the meeting's area (or under it) that the organiser can see."""
    return Issue.objects.visible_to(user).under(meeting.area)


def attachable_topics(meeting: Meeting, user: User):
    return Topic.objects.visible_to(user).concerning(meeting.area)


def _clean_item(
    meeting: Meeting,
    *,
    by: User,
    title: str,
    minutes: int,
    description: str,
    issues: Iterable[Issue],
    topic: Topic | None,
) -> tuple[dict, list[Issue]]:
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = _("Name the agenda item.")
    if minutes is None or not 1 <= minutes <= 600:
        errors["minutes"] = _("Give the item between 1 and 600 minutes.")
    if len(description) > 2000:
        errors["description"] = _("Keep the details under 2000 characters.")
    issue_ids = {issue.pk for issue in issues}
    allowed = list(attachable_issues(meeting, by).filter(pk__in=issue_ids).order_by("pk"))
    if len(allowed) != len(issue_ids):
        errors["issues"] = _("Bring only residents' issues of %(area)s to this meeting.") % {
            "area": meeting.area.name
        }
    if topic is not None and not attachable_topics(meeting, by).filter(pk=topic.pk).exists():
        errors["topic"] = _("Bring only online topics of %(area)s to this meeting.") % {
            "area": meeting.area.name
        }
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "minutes": minutes,
        "description": description.strip(),
        "topic": topic,
    }, allowed


@transaction.atomic
def add_agenda_item(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    minutes: int = 15,
    description: str = "",
    issues: Iterable[Issue] = (),
    topic: Topic | None = None,
) -> AgendaItem:
    """Add an item with its time box at the end of the agenda, bringing residents' issues of
    the area or an online topic to the table. The same title twice is one item (a double
    submit). Once the meeting is confirmed, each issue's timeline says it will be discussed."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    fields, issues = _clean_item(
        meeting,
        by=by,
        title=title,
        minutes=minutes,
        description=description,
        issues=issues,
        topic=topic,
    )
    existing = meeting.agenda.filter(title=fields["title"]).first()
    if existing:
        return existing
    last = meeting.agenda.aggregate(last=Max("position"))["last"]
    item = AgendaItem.objects.create(
        meeting=meeting, position=0 if last is None else last + 1, **fields
    )
    item.issues.set(issues)
    if meeting.status == Meeting.Status.CONFIRMED:
        with translation.override(settings.LANGUAGE_CODE):
            _record_discussed(meeting, item, issues, by=by)
    return item


@transaction.atomic
def change_agenda_item(
    *,
    item: AgendaItem,
    by: User,
    title: str,
    minutes: int,
    description: str = "",
    issues: Iterable[Issue] = (),
    topic: Topic | None = None,
) -> AgendaItem:
    """Change an item; issues newly brought to a confirmed meeting get their timeline entry,
    those already there are not told twice."""
    meeting = _locked_meeting(item.meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    fields, issues = _clean_item(
        meeting,
        by=by,
        title=title,
        minutes=minutes,
        description=description,
        issues=issues,
        topic=topic,
    )
    before = set(item.issues.values_list("pk", flat=True))
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    item.issues.set(issues)
    if meeting.status == Meeting.Status.CONFIRMED:
        with translation.override(settings.LANGUAGE_CODE):
            _record_discussed(meeting, item, [i for i in issues if i.pk not in before], by=by)
    return item


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, by: User, up: bool) -> AgendaItem:
    meeting = _locked_meeting(item.meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    entries = list(meeting.agenda.select_for_update().order_by("position", "id"))
    _swap(entries, item.pk, up)
    return next(entry for entry in entries if entry.pk == item.pk)


@transaction.atomic
def remove_agenda_item(*, item: AgendaItem, by: User) -> None:
    """Take an item off the agenda. Timeline entries already written stay: they are public
    history, and the issue was on the agenda when they were written."""
    meeting = _locked_meeting(item.meeting)
    require(by, "deliberation.organise_meeting", meeting)
    _check_open(meeting)
    item.delete()
    entries = list(meeting.agenda.select_for_update().order_by("position", "id"))
    for position, entry in enumerate(entries):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])


def _record_discussed(
    meeting: Meeting, item: AgendaItem, issues: Iterable[Issue], *, by: User
) -> None:
    note = _("Discussed at “%(meeting)s” on %(day)s (agenda item: %(item)s).") % {
        "meeting": meeting.title,
        "day": formats.date_format(timezone.localdate(meeting.starts_at), "DATE_FORMAT"),
        "item": item.title,
    }
    for issue in issues:
        event = _record(
            issue,
            kind=IssueEvent.Kind.DISCUSSED,
            by=by,
            role=meeting.organization.name,
            note=note,
            organization=meeting.organization,
            area=meeting.area,
        )
        _notify_after_commit(issue, event)


# --- Calendar feed -------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_of(*, user: User) -> CalendarFeed:
    """The person's feed, made the first time they ask for it."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def replace_calendar_feed(*, user: User) -> CalendarFeed:
    """A new secret link; the old one stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def meetings_of(user: User):
    """The meetings a person is invited to or organises (as a member of the organiser); a
    cancelled one stays, so calendars that have it learn it is off."""
    organizations = Membership.objects.active().filter(user=user).values("organization_id")
    return (
        Meeting.objects.filter(
            Q(pk__in=Invitation.objects.filter(user=user).values("meeting_id"))
            | Q(organization_id__in=organizations)
        )
        .select_related("area", "organization", "booking__space")
        .order_by("starts_at", "pk")
    )


# --- Words ---------------------------------------------------------------------------------------


def when(meeting: Meeting) -> str:
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    day = formats.date_format(start, "SHORT_DATE_FORMAT")
    return f"{day} {start:%H:%M}–{end:%H:%M}"


def place(meeting: Meeting) -> str:
    parts = []
    if meeting.booking is not None:
        space = meeting.booking.space
        parts.append(f"{space.name} {space.location}".strip())
    if meeting.location_note:
        parts.append(meeting.location_note)
    if meeting.online_url:
        parts.append(meeting.online_url)
    return " · ".join(parts)


def _tell_invitees(meeting: Meeting, *, what: str, title: str, body: str) -> None:
    _tell(
        meeting,
        user_ids=list(meeting.invitations.values_list("user_id", flat=True)),
        what=what,
        title=title,
        body=body,
    )


def _tell(meeting: Meeting, *, user_ids: list[int], what: str, title: str, body: str) -> None:
    notify_many(
        user_ids=user_ids,
        key=f"meeting-{meeting.pk}-{what}",
        title=title,
        body=body,
        url=meeting.get_absolute_url(),
        kind=Notification.Kind.MEETING,
    )
