"""Every write to volunteers' activities and points.

The points ledger keeps four promises: a balance is the sum of its entries; it never goes below
zero; an entry is never edited or deleted, only reversed, and at most once; a retried award with
the same idempotency key counts once. Every change to an account locks its row first, so
concurrent awards and redemptions on one account are applied one after another.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.models import Area, Notification, Organization, Residency, User
from volunteers.models import (
    Activity,
    LedgerEntry,
    Nomination,
    PointsAccount,
    Redemption,
    Reminder,
    Reward,
    SignUp,
    Skill,
)

REMINDERS_BEFORE = (datetime.timedelta(hours=24), datetime.timedelta(hours=1))
Kind = LedgerEntry.Kind


def _require(user: User, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You may not do this here."))


# --- The ledger -----------------------------------------------------------------------------------


def _locked_account(user: User) -> PointsAccount:
    """The person's account, created on first use, locked for the rest of the transaction."""
    try:
        return PointsAccount.objects.select_for_update().get(user=user)
    except PointsAccount.DoesNotExist:
        PointsAccount.objects.bulk_create([PointsAccount(user=user)], ignore_conflicts=True)
        return PointsAccount.objects.select_for_update().get(user=user)


def _post(
    account: PointsAccount,
    *,
    kind: str,
    points: int,
    reason: str,
    by: User | None,
    **source,
) -> LedgerEntry:
    """Write one entry and move the cached balance with it. The caller holds the row lock."""
    if account.balance + points < 0:
        raise ValidationError(
            _("Not enough points: %(balance)s available, %(needed)s needed.")
            % {"balance": account.balance, "needed": -points},
            code="insufficient_points",
        )
    entry = LedgerEntry.objects.create(
        account=account, kind=kind, points=points, reason=reason[:200], by=by, **source
    )
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    account.balance += points
    return entry


@transaction.atomic
def award_points(
    *,
    user: User,
    points: int,
    reason: str,
    by: User | None,
    idempotency_key: str,
    sign_up: SignUp | None = None,
) -> LedgerEntry:
    """Give points. A retry with the same key returns the entry the first call wrote."""
    if points <= 0:
        raise ValidationError({"points": _("An award must be a positive number of points.")})
    account = _locked_account(user)
    # Checked under the lock, so a concurrent retry on this account has finished writing.
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    return _post(
        account,
        kind=Kind.AWARD,
        points=points,
        reason=reason,
        by=by,
        sign_up=sign_up,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def reverse_entry(*, entry: LedgerEntry, by: User, reason: str) -> LedgerEntry:
    """Undo an entry by writing its opposite. Each entry can be reversed once; reversing an award
    whose points were already spent is refused, because the balance would go below zero."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    account = _locked_account(entry.account.user)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    _require(by, "volunteers.adjust_points", account.user)
    if entry.kind == Kind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; make a new entry instead."))
    if entry.kind == Kind.REDEMPTION:
        raise ValidationError(
            _("Cancel the redemption instead: it returns the item to the shelf too.")
        )
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry has already been reversed."), code="already_reversed")
    try:
        with transaction.atomic():
            return _post(
                account,
                kind=Kind.REVERSAL,
                points=-entry.points,
                reason=reason.strip(),
                by=by,
                reverses=entry,
                sign_up=entry.sign_up,
                redemption=entry.redemption,
            )
    except IntegrityError as error:  # the one-to-one on `reverses` caught a race
        raise ValidationError(
            _("This entry has already been reversed."), code="already_reversed"
        ) from error


@transaction.atomic
def adjust_points(*, user: User, points: int, reason: str, by: User) -> LedgerEntry:
    """A correction by staff, with a reason. It may not take the balance below zero."""
    _require(by, "volunteers.adjust_points", user)
    if points == 0:
        raise ValidationError({"points": _("An adjustment moves at least one point.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the points are adjusted.")})
    return _post(
        _locked_account(user), kind=Kind.ADJUSTMENT, points=points, reason=reason.strip(), by=by
    )


# --- The rewards shelf ----------------------------------------------------------------------------


@transaction.atomic
def redeem_reward(*, reward: Reward, user: User) -> Redemption:
    """Take the points and one item in one transaction, and give a pickup code. Locks the account
    first and then the item, always in that order, so two redemptions never deadlock."""
    account = _locked_account(user)
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.active:
        raise ValidationError(_("This reward is no longer on the shelf."))
    if reward.stock < 1:
        raise ValidationError(
            _("%(name)s is out of stock.") % {"name": reward.name}, code="out_of_stock"
        )
    if account.balance < reward.cost:
        raise ValidationError(
            _("Not enough points: %(balance)s available, %(needed)s needed.")
            % {"balance": account.balance, "needed": reward.cost},
            code="insufficient_points",
        )
    redemption = Redemption.objects.create(reward=reward, user=user, points=reward.cost)
    _post(
        account,
        kind=Kind.REDEMPTION,
        points=-reward.cost,
        reason=reward.name,
        by=user,
        redemption=redemption,
    )
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    return redemption


@transaction.atomic
def hand_over(*, redemption: Redemption, code: str, by: User) -> Redemption:
    """Staff give the item to the volunteer who shows the pickup code."""
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward")
        .get(pk=redemption.pk)
    )
    _require(by, "volunteers.manage_reward", redemption.reward)
    if redemption.status != Redemption.Status.WAITING:
        raise ValidationError(_("This redemption is not waiting to be picked up."))
    if code.strip() != redemption.pickup_code:
        raise ValidationError({"code": _("The pickup code does not match.")})
    redemption.status = Redemption.Status.HANDED_OVER
    redemption.handed_over_at = timezone.now()
    redemption.handed_over_by = by
    redemption.save(update_fields=["status", "handed_over_at", "handed_over_by"])
    return redemption


@transaction.atomic
def cancel_redemption(*, redemption: Redemption, by: User) -> Redemption:
    """Return the points (a reversal) and the item to the shelf, together."""
    account = _locked_account(redemption.user)
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward")
        .get(pk=redemption.pk)
    )
    if not (
        by.pk == redemption.user_id or by.has_perm("volunteers.manage_reward", redemption.reward)
    ):
        raise PermissionDenied(_("You may not cancel this redemption."))
    if redemption.status != Redemption.Status.WAITING:
        raise ValidationError(_("Only a redemption waiting to be picked up can be cancelled."))
    entry = redemption.entries.get(kind=Kind.REDEMPTION)
    _post(
        account,
        kind=Kind.REVERSAL,
        points=-entry.points,
        reason=_("Redemption cancelled"),
        by=by,
        reverses=entry,
        redemption=redemption,
    )
    Reward.objects.select_for_update().filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    redemption.status = Redemption.Status.CANCELLED
    redemption.save(update_fields=["status"])
    return redemption


# --- Activities -----------------------------------------------------------------------------------

# What an organiser decides about an activity; status and sign-ups belong to other services.
ACTIVITY_FIELDS = frozenset(
    {
        "title",
        "kind",
        "description",
        "place",
        "starts_at",
        "ends_at",
        "capacity",
        "points_per_hour",
        "points_per_activity",
    }
)


@transaction.atomic
def create_activity(*, organization: Organization, area: Area, by: User, **fields) -> Activity:
    """Announce an activity, open for sign-up. It is for the organisation's own area or a place
    under it, starts in the future and ends after it starts."""
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"create_activity() got unexpected fields: {', '.join(sorted(unknown))}")
    activity = Activity(organization=organization, area=area, **fields)
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("Choose the organisation's own area or a place under it.")}
        )
    if not by.has_perm("volunteers.manage_activity", activity):
        raise PermissionDenied(_("You may not organise activities for this organisation."))
    errors: dict[str, str] = {}
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at and starts_at <= timezone.now():
        errors["starts_at"] = _("The activity must start in the future.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The activity must end after it starts.")
    if errors:
        raise ValidationError(errors)
    # The checks above give the clear messages; full_clean catches lengths and choices.
    activity.full_clean(validate_constraints=False)
    activity.save()
    return activity


@transaction.atomic
def set_leaderboard_listing(*, user: User, listed: bool) -> PointsAccount:
    """The person alone decides whether their (masked) name appears on public leaderboards."""
    account, _created = PointsAccount.objects.get_or_create(user=user)
    PointsAccount.objects.filter(pk=account.pk).update(listed=listed)
    account.listed = listed
    return account


@transaction.atomic
def sign_up(*, activity: Activity, user: User) -> SignUp:
    """A place if one is free, else the waiting list. Signing up twice gives the same sign-up."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != Activity.Status.OPEN:
        raise ValidationError(_("This activity was cancelled."))
    if activity.starts_at <= timezone.now():
        raise ValidationError(_("This activity has already started."))
    existing = activity.sign_ups.exclude(status=SignUp.Status.CANCELLED).filter(user=user).first()
    if existing:
        return existing
    taken = activity.sign_ups.filter(status=SignUp.Status.CONFIRMED).count()
    status = SignUp.Status.CONFIRMED if taken < activity.capacity else SignUp.Status.WAITING
    entry = SignUp.objects.create(activity=activity, user=user, status=status)
    if status == SignUp.Status.CONFIRMED:
        _schedule_reminders(entry)
    return entry


def _schedule_reminders(entry: SignUp) -> None:
    now = timezone.now()
    Reminder.objects.bulk_create(
        [
            Reminder(sign_up=entry, due_at=entry.activity.starts_at - before)
            for before in REMINDERS_BEFORE
            if entry.activity.starts_at - before > now
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def cancel_sign_up(*, sign_up: SignUp, by: User) -> SignUp:
    """Free the place; the first person on the waiting list gets it."""
    activity = Activity.objects.select_for_update().get(pk=sign_up.activity_id)
    sign_up = SignUp.objects.select_for_update().get(pk=sign_up.pk)
    if not (by.pk == sign_up.user_id or by.has_perm("volunteers.manage_activity", activity)):
        raise PermissionDenied(_("You may not cancel this sign-up."))
    if sign_up.status == SignUp.Status.CANCELLED:
        return sign_up
    if sign_up.checked_in_at:
        raise ValidationError(_("You were already checked in; ask the organiser."))
    freed_a_place = sign_up.status == SignUp.Status.CONFIRMED
    sign_up.status = SignUp.Status.CANCELLED
    sign_up.save(update_fields=["status"])
    sign_up.reminders.filter(sent_at__isnull=True).delete()
    if freed_a_place:
        waiting = (
            activity.sign_ups.filter(status=SignUp.Status.WAITING)
            .order_by("signed_up_at", "pk")
            .first()
        )
        if waiting:
            waiting.status = SignUp.Status.CONFIRMED
            waiting.save(update_fields=["status"])
            _schedule_reminders(waiting)
    return sign_up


@transaction.atomic
def check_in(*, sign_up: SignUp, by: User) -> SignUp:
    """The organiser checks a volunteer in, from the list or by their QR code."""
    sign_up = (
        SignUp.objects.select_for_update(of=("self",)).select_related("activity").get(pk=sign_up.pk)
    )
    _require(by, "volunteers.manage_activity", sign_up.activity)
    if sign_up.status != SignUp.Status.CONFIRMED:
        raise ValidationError(
            _(
                "Only a volunteer with a confirmed place can be checked in (this sign-up is %(status)s)."
            )
            % {"status": sign_up.get_status_display()},
            code="not_confirmed",
        )
    if sign_up.checked_in_at is None:
        sign_up.checked_in_at = timezone.now()
        sign_up.save(update_fields=["checked_in_at"])
    return sign_up


@transaction.atomic
def check_in_by_token(*, activity: Activity, token, by: User) -> SignUp:
    """Check in the volunteer whose personal QR code the organiser scanned."""
    _require(by, "volunteers.manage_activity", activity)
    try:
        token = uuid.UUID(str(token).strip())
    except ValueError:
        raise ValidationError(_("This is not a volunteer's check-in code.")) from None
    account = PointsAccount.objects.filter(check_in_token=token).first()
    entry = (
        activity.sign_ups.exclude(status=SignUp.Status.CANCELLED)
        .filter(user_id=account.user_id)
        .first()
        if account
        else None
    )
    if entry is None:
        raise ValidationError(_("This QR code belongs to nobody signed up for this activity."))
    return check_in(sign_up=entry, by=by)


def points_for(activity: Activity, hours: Decimal) -> int:
    exact = Decimal(activity.points_per_hour) * hours + activity.points_per_activity
    return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@transaction.atomic
def confirm_hours(*, sign_up: SignUp, hours: Decimal, by: User) -> LedgerEntry | None:
    """The organiser confirms the hours of a checked-in volunteer; only then do they become
    points. Confirming again with other hours reverses the first award and writes a new one."""
    if hours is None or hours <= 0 or hours > 24:
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    sign_up = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("activity", "user")
        .get(pk=sign_up.pk)
    )
    _require(by, "volunteers.manage_activity", sign_up.activity)
    if sign_up.checked_in_at is None:
        raise ValidationError(
            _("Check the volunteer in before confirming hours."), code="not_checked_in"
        )
    previous = (
        sign_up.entries.filter(kind=Kind.AWARD, reversed_by__isnull=True).order_by("-pk").first()
    )
    if sign_up.hours == hours:
        return previous
    account = _locked_account(sign_up.user)
    if previous:
        with translation.override(settings.LANGUAGE_CODE):
            _post(
                account,
                kind=Kind.REVERSAL,
                points=-previous.points,
                reason=_("Hours corrected"),
                by=by,
                reverses=previous,
                sign_up=sign_up,
            )
    if sign_up.hours is not None:
        # The hours were confirmed before (with or without points): replace them, not add.
        PointsAccount.objects.filter(pk=account.pk).update(hours=F("hours") - sign_up.hours)
    sign_up.hours = hours
    sign_up.hours_confirmed_by = by
    sign_up.save(update_fields=["hours", "hours_confirmed_by"])
    PointsAccount.objects.filter(pk=account.pk).update(hours=F("hours") + hours)
    points = points_for(sign_up.activity, hours)
    if points <= 0:
        return None
    corrections = sign_up.entries.filter(kind=Kind.AWARD).count()
    # The statement is read by the volunteer: write its words in the portal's language, not in
    # the language of the organiser who happened to confirm.
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("%(hours)s h at %(activity)s") % {
            "hours": hours,
            "activity": sign_up.activity.title,
        }
    return _post(
        account,
        kind=Kind.AWARD,
        points=points,
        reason=reason,
        by=by,
        sign_up=sign_up,
        idempotency_key=f"sign-up-{sign_up.pk}-award-{corrections + 1}",
    )


@transaction.atomic
def send_due_reminders(*, now=None) -> int:
    """The periodic task: each reminder whose time has come is sent once, and only for a place
    still confirmed in an activity that was not cancelled."""
    from communities.services import notify

    now = now or timezone.now()
    due = (
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(sent_at__isnull=True, due_at__lte=now)
        .select_related("sign_up__activity", "sign_up__user")
    )
    sent = 0
    for reminder in due:
        entry = reminder.sign_up
        if (
            entry.status == SignUp.Status.CONFIRMED
            and entry.activity.status == Activity.Status.OPEN
        ):
            activity = entry.activity
            notify(
                user=entry.user,
                key=f"activity-reminder-{reminder.pk}",
                title=_("Reminder: %(title)s at %(time)s")
                % {
                    "title": activity.title,
                    "time": timezone.localtime(activity.starts_at).strftime("%m-%d %H:%M"),
                },
                body=activity.place,
                url=activity.get_absolute_url(),
            )
            sent += 1
        reminder.sent_at = now
        reminder.save(update_fields=["sent_at"])
    return sent


# --- Talent pool and recognition ------------------------------------------------------------------


@transaction.atomic
def add_skill(*, user: User, name: str, description: str = "", visibility: str) -> Skill:
    """A person lists their own skill in the talent pool; listing it is their consent to be found
    by the people `visibility` names. Listing the same skill again updates it."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to list your skills."))
    name, description = (name or "").strip(), (description or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Name your skill.")
    elif len(name) > 60:
        errors["name"] = _("Keep the skill's name to 60 characters.")
    if len(description) > 300:
        errors["description"] = _("Keep the description to 300 characters.")
    if visibility not in Skill.Visibility.values:
        errors["visibility"] = _("Choose who may see this skill.")
    if errors:
        raise ValidationError(errors)
    skill = Skill.objects.select_for_update().filter(user=user, name__iexact=name).first()
    if skill is None:
        try:
            with transaction.atomic():
                return Skill.objects.create(
                    user=user, name=name, description=description, visibility=visibility
                )
        except IntegrityError:  # listed at the same moment from another tab: update that one
            skill = Skill.objects.select_for_update().get(user=user, name=name)
    skill.name, skill.description, skill.visibility = name, description, visibility
    skill.save(update_fields=["name", "description", "visibility"])
    return skill


@transaction.atomic
def remove_skill(*, skill: Skill, by: User) -> None:
    """Only the person who listed a skill takes it off the talent pool."""
    if skill.user_id != by.pk:
        raise PermissionDenied(_("Only the person who listed a skill may remove it."))
    Skill.objects.filter(pk=skill.pk).delete()


@transaction.atomic
def invite_to_activity(*, activity: Activity, user: User, by: User) -> Notification:
    """The organiser invites someone they found in the talent pool. The inbox message is keyed by
    activity and person, so inviting twice notifies once."""
    from communities.services import notify
    from volunteers.selectors import skills_visible_to

    activity = Activity.objects.select_related("organization", "area").get(pk=activity.pk)
    _require(by, "volunteers.manage_activity", activity)
    if activity.status != Activity.Status.OPEN:
        raise ValidationError(_("This activity was cancelled."))
    if activity.starts_at <= timezone.now():
        raise ValidationError(_("This activity has already started."))
    if not skills_visible_to(by).filter(user=user).exists():
        raise PermissionDenied(_("Invite only people you can find in the talent pool."))
    # The message is read by the invitee: the portal's language, not the organiser's.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("You are invited: %(title)s on %(time)s") % {
            "title": activity.title,
            "time": timezone.localtime(activity.starts_at).strftime("%m-%d %H:%M"),
        }
    return notify(
        user=user,
        key=f"activity-invite-{activity.pk}-{user.pk}",
        title=title,
        body=activity.place,
        url=activity.get_absolute_url(),
    )


def _lives_in(user: User, area: Area) -> bool:
    # Asked of the database, not `reach`, whose answers are memoised on the user object.
    return (
        Residency.objects.verified()
        .filter(user=user, household__building__path__startswith=area.path)
        .exists()
    )


@transaction.atomic
def nominate(*, nominee: User, by: User, area: Area, reason: str) -> Nomination:
    """A verified resident proposes a neighbour of the same community as good neighbour (好邻居):
    never themselves, with a reason, and once per neighbour a year."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why your neighbour deserves it.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason to 2000 characters.")})
    if nominee.pk == by.pk:
        raise ValidationError(_("You cannot nominate yourself."), code="self")
    if area.level != Area.Level.COMMUNITY or not _lives_in(by, area):
        raise ValidationError(
            _("Only verified residents of this community may nominate here."), code="not_resident"
        )
    if not _lives_in(nominee, area):
        raise ValidationError(
            _("You can only nominate a verified resident of your own community."),
            code="not_neighbour",
        )
    already = _("You have already nominated this neighbour this year.")
    year = timezone.localdate().year
    if Nomination.objects.filter(nominee=nominee, nominated_by=by, year=year).exists():
        raise ValidationError(already, code="already_nominated")
    try:
        with transaction.atomic():
            return Nomination.objects.create(
                nominee=nominee, nominated_by=by, area=area, year=year, reason=reason
            )
    except IntegrityError as error:  # a second submission raced the check above
        raise ValidationError(already, code="already_nominated") from error


@transaction.atomic
def decide_nomination(*, nomination: Nomination, award: bool, by: User) -> Nomination:
    """Staff who manage the area award the title or decline, once; the good neighbour is told."""
    from communities.services import notify

    nomination = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("area", "nominee")
        .get(pk=nomination.pk)
    )
    if not by.has_perm("communities.manage_area", nomination.area):
        raise PermissionDenied(_("Only staff who manage this area may decide."))
    if nomination.status != Nomination.Status.PROPOSED:
        raise ValidationError(_("This nomination was already decided."), code="decided")
    nomination.status = Nomination.Status.AWARDED if award else Nomination.Status.DECLINED
    nomination.decided_by = by
    nomination.save(update_fields=["status", "decided_by"])
    if award:
        with translation.override(settings.LANGUAGE_CODE):
            title = _("You are a good neighbour of %(area)s in %(year)s!") % {
                "area": nomination.area.name,
                "year": nomination.year,
            }
        notify(
            user=nomination.nominee,
            key=f"good-neighbour-{nomination.nominee_id}-{nomination.year}",
            title=title,
            url=reverse("volunteers:good_neighbours"),
        )
    return nomination


@transaction.atomic
def erase_volunteer(*, user: User) -> None:
    """Volunteering's part of an erasure: skills leave the talent pool, the account leaves every
    leaderboard and gets a new check-in token. The ledger stays: it is append-only, and it now
    belongs to an account without a name."""
    Skill.objects.filter(user=user).delete()
    PointsAccount.objects.filter(user=user).update(listed=False, check_in_token=uuid.uuid4())
