"""Writes to residents' claims, profiles, memberships, roles and party registrations."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import reach
from communities.models import (
    Area,
    AreaRole,
    Household,
    Invitation,
    Membership,
    Organization,
    PartyRegistration,
    Residency,
    User,
)
from communities.phones import normalize_mobile
from communities.rules import require as _require


@transaction.atomic
def claim_household(
    *, user: User, community: Area, building: Area, unit: str, room: str, relation: str
) -> Residency:
    """A resident says where they live; staff of that community will verify it.

    Claiming twice gives back the open claim instead of a second one.
    """
    if not community.contains(building) or building.level != Area.Level.BUILDING:
        raise ValidationError({"building": _("This building is not in the community you chose.")})
    household = Household.objects.filter(
        building=building, unit=unit.strip(), room=room.strip()
    ).first()
    if household is None:
        raise ValidationError(
            {
                "room": _(
                    "No household %(unit)s %(room)s is registered in this building. Check the "
                    "unit and room, or ask your residents' committee."
                )
                % {"unit": unit, "room": room}
            }
        )
    open_claim = Residency.objects.filter(
        user=user,
        household=household,
        status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED],
    ).first()
    if open_claim:
        return open_claim
    return Residency.objects.create(user=user, household=household, relation=relation)


def _decide(residency: Residency, *, by: User, status: str, note: str) -> Residency:
    residency = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("household__building")
        .get(pk=residency.pk)
    )
    _require(by, "communities.decide_residency", residency)
    if residency.status != Residency.Status.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    residency.status = status
    residency.decided_by = by
    residency.decided_at = timezone.now()
    residency.decision_note = note
    residency.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    reach.forget(residency.user)
    return residency


@transaction.atomic
def verify_residency(*, residency: Residency, by: User) -> Residency:
    """Staff of the building's community confirm that the claimant lives there."""
    return _decide(residency, by=by, status=Residency.Status.VERIFIED, note="")


@transaction.atomic
def reject_residency(*, residency: Residency, by: User, reason: str) -> Residency:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the claim is rejected.")})
    return _decide(residency, by=by, status=Residency.Status.REJECTED, note=reason.strip())


@transaction.atomic
def set_mobile_number(*, user: User, raw_phone: str) -> User:
    """Store the number as +86 and 11 digits; one account per number."""
    phone = normalize_mobile(raw_phone) if raw_phone.strip() else None
    if phone and User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise ValidationError({"phone": _("This mobile number belongs to another account.")})
    user.phone = phone
    user.save(update_fields=["phone"])
    return user


@transaction.atomic
def set_display_preferences(*, user: User, large_text: bool, high_contrast: bool) -> User:
    user.large_text = large_text
    user.high_contrast = high_contrast
    user.save(update_fields=["large_text", "high_contrast"])
    return user


@transaction.atomic
def add_membership(
    *,
    organization: Organization,
    user: User,
    position: str,
    title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    by: User,
) -> Membership:
    """Give a person a post; a person may hold posts in several organisations (交叉任职)."""
    _require(by, "communities.manage_area", organization.area)
    starts_on = starts_on or timezone.localdate()
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("A term cannot end before it starts.")})
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organization=organization,
        position=position,
        starts_on=starts_on,
        defaults={"title": title, "ends_on": ends_on},
    )
    reach.forget(user)
    return membership


@transaction.atomic
def end_membership(*, membership: Membership, on: datetime.date, by: User) -> Membership:
    _require(by, "communities.manage_area", membership.organization.area)
    if on < membership.starts_on:
        raise ValidationError({"ends_on": _("A term cannot end before it starts.")})
    membership.ends_on = on
    membership.save(update_fields=["ends_on"])
    reach.forget(membership.user)
    return membership


@transaction.atomic
def assign_area_role(*, user: User, area: Area, kind: str, by: User) -> AreaRole:
    """Name a building head, mediator, public supervisor... on a node of the tree."""
    _require(by, "communities.manage_area", area)
    role, _created = AreaRole.objects.get_or_create(user=user, area=area, kind=kind, ends_on=None)
    return role


@transaction.atomic
def register_party_member(
    *, user: User, community: Area, home_organization: str, show_publicly: bool
) -> PartyRegistration:
    """党员报到: a party member reports to the community they live in. Registering again updates."""
    if community.level != Area.Level.COMMUNITY:
        raise ValidationError({"community": _("Choose the community you live in.")})
    if not home_organization.strip():
        raise ValidationError(
            {"home_organization": _("Name the party organisation that keeps your membership.")}
        )
    registration, created = PartyRegistration.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "community": community,
            "home_organization": home_organization.strip(),
            "show_publicly": show_publicly,
        },
    )
    if not created:
        moved = registration.community_id != community.pk
        registration.community = community
        registration.home_organization = home_organization.strip()
        registration.show_publicly = show_publicly
        if moved:
            registration.status = PartyRegistration.Status.PENDING
            registration.confirmed_by = None
        registration.save()
    return registration


@transaction.atomic
def confirm_party_registration(*, registration: PartyRegistration, by: User) -> PartyRegistration:
    _require(by, "communities.confirm_partyregistration", registration)
    registration.status = PartyRegistration.Status.CONFIRMED
    registration.confirmed_by = by
    registration.save(update_fields=["status", "confirmed_by"])
    return registration


def normalize_invitation_code(raw: str) -> str:
    """ABCDE-FGHJK as typed: lower case, spaces, hyphens, full-width letters all accepted."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or "")).upper()


@transaction.atomic
def claim_invitation(*, user: User, code: str) -> Residency:
    """A person enters the code staff gave them: their account is linked to the household as a
    verified resident at once, because staff already vouched for who lives there. A code is used
    once; an expired or used one is refused. Claiming again with one's own code gives back the
    same residency."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("household__building")
        .filter(code=normalize_invitation_code(code))
        .first()
    )
    if invitation is None:
        raise ValidationError(
            {"code": _("No invitation has this code. Check the letters and digits on your slip.")}
        )
    if invitation.claimed_at is not None:
        mine = Residency.objects.verified().filter(user=user, household=invitation.household)
        if invitation.claimed_by_id == user.pk and mine.exists():
            return mine.get()
        raise ValidationError({"code": _("This code has already been used.")})
    if not invitation.is_open():
        raise ValidationError(
            {
                "code": _(
                    "This code expired on %(date)s. Ask your residents' committee for a new one."
                )
                % {"date": timezone.localtime(invitation.expires_at).date().isoformat()}
            }
        )
    now = timezone.now()
    residency = (
        Residency.objects.select_for_update()
        .filter(
            user=user,
            household=invitation.household,
            status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED],
        )
        .first()
    ) or Residency(user=user, household=invitation.household, relation=invitation.relation)
    if residency.status != Residency.Status.VERIFIED:
        residency.status = Residency.Status.VERIFIED
        residency.decided_by = invitation.created_by
        residency.decided_at = now
        residency.decision_note = _("Invitation %(code)s") % {"code": invitation.display_code}
        residency.save()
    invitation.claimed_by, invitation.claimed_at = user, now
    invitation.save(update_fields=["claimed_by", "claimed_at"])
    _fill_profile_from(invitation, user)
    reach.forget(user)
    return residency


def _fill_profile_from(invitation: Invitation, user: User) -> None:
    """What staff knew (name, number) fills the person's profile where it is still empty."""
    fields = []
    if not user.full_name and invitation.full_name:
        user.full_name = invitation.full_name
        fields.append("full_name")
    if (
        not user.phone
        and invitation.phone
        and not User.objects.filter(phone=invitation.phone).exists()
    ):
        user.phone = invitation.phone
        fields.append("phone")
    if fields:
        user.save(update_fields=fields)
