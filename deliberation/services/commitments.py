"""Writes to public commitments (公开承诺 · 践诺)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Area, Membership, Organization, User
from deliberation.models import Commitment, Issue


def _speaks_for(user: User, organization: Organization) -> bool:
    return user.is_superuser or (
        Membership.objects.active().filter(user=user, organization=organization).exists()
    )


@transaction.atomic
def make_commitment(
    *,
    organization: Organization,
    area: Area,
    title: str,
    due_on: datetime.date,
    by: User,
    description: str = "",
    issues: Iterable[Issue] = (),
    submission_key: uuid.UUID | None = None,
) -> Commitment:
    """An organisation promises, in public, to do something for an area by a date. Only its
    members speak for it, only where it serves, and never with a date already past. The same
    submission key gives back the commitment the first submission made."""
    if submission_key is not None:
        existing = Commitment.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if not _speaks_for(by, organization):
        raise PermissionDenied(
            _("Only members of %(name)s can commit it.") % {"name": organization}
        )
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("%(name)s does not serve this place.") % {"name": organization.name}}
        )
    if not title.strip():
        raise ValidationError({"title": _("Say what is promised.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("A commitment cannot be due in the past.")})
    issues = list(issues)
    outside = [issue for issue in issues if not area.contains(issue.area)]
    if outside:
        raise ValidationError(
            {"issues": _("Issue #%(pk)s is not in this place.") % {"pk": outside[0].pk}}
        )
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                organization=organization,
                area=area,
                title=title.strip(),
                description=description.strip(),
                due_on=due_on,
                made_by=by,
                submission_key=submission_key or uuid.uuid4(),
            )
    except IntegrityError:
        return Commitment.objects.get(submission_key=submission_key)
    commitment.issues.set(issues)
    return commitment
