"""Reads about one person that the portal hands back to them: everything it keeps about them."""

from __future__ import annotations

from communities.models import (
    AreaRole,
    DigestSend,
    Membership,
    Notification,
    NotificationPreference,
    PartyRegistration,
    PersonalDataAccess,
    Residency,
    User,
)


def personal_data(user: User) -> dict:
    """The account, homes, posts, roles, party registration, inbox and its mail settings, and
    who saw the person's contact details: the communities part of "download my data"."""
    registration = PartyRegistration.objects.filter(user=user).select_related("community").first()
    return {
        "account": {
            "username": user.username,
            "full_name": user.full_name,
            "email": user.email,
            "mobile": user.phone or "",
            "joined": user.date_joined,
            "last_login": user.last_login,
            "large_text": user.large_text,
            "high_contrast": user.high_contrast,
        },
        "homes": [
            {
                "household": str(residency.household),
                "relation": residency.get_relation_display(),
                "status": residency.get_status_display(),
                "claimed_at": residency.claimed_at,
                "decided_at": residency.decided_at,
            }
            for residency in Residency.objects.filter(user=user).select_related(
                "household__building"
            )
        ],
        "posts": [
            {
                "organization": membership.organization.name,
                "position": membership.get_position_display(),
                "title": membership.title,
                "starts_on": membership.starts_on,
                "ends_on": membership.ends_on,
            }
            for membership in Membership.objects.filter(user=user).select_related("organization")
        ],
        "roles": [
            {"role": role.get_kind_display(), "area": role.area.name, "since": role.starts_on}
            for role in AreaRole.objects.filter(user=user).select_related("area")
        ],
        "party_registration": registration
        and {
            "community": registration.community.name,
            "party_organization": registration.home_organization,
            "shown_on_board": registration.show_publicly,
            "status": registration.get_status_display(),
        },
        "messages": [
            {"title": note.title, "body": note.body, "at": note.created_at, "read": note.read_at}
            for note in Notification.objects.filter(user=user)
        ],
        "mail_settings": [
            {
                "kinds_by_email": preference.email_kinds,
                "daily_digest": preference.daily_digest,
                "chosen_at": preference.updated_at,
            }
            for preference in NotificationPreference.objects.filter(user=user)
        ],
        "digests_mailed": [
            {"day": digest.day, "messages": digest.messages, "at": digest.sent_at}
            for digest in DigestSend.objects.filter(user=user)
        ],
        "who_saw_my_contact_details": [
            {"by": str(access.viewer), "where": access.context, "at": access.at}
            for access in PersonalDataAccess.objects.filter(person=user).select_related("viewer")
        ],
    }
