from django.conf import settings

from communities import reach


def shell(request) -> dict:
    """Display preferences for the base template: the profile for residents, a cookie for visitors."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large_text, high_contrast = user.large_text, user.high_contrast
    else:
        large_text = request.COOKIES.get("large_text") == "1"
        high_contrast = request.COOKIES.get("high_contrast") == "1"
    return {
        "manages_somewhere": bool(user is not None and reach.managed_paths(user)),
        "works_a_grid": bool(user is not None and reach.grid_paths(user)),
        "acts_somewhere": bool(
            user is not None and (reach.acting_paths(user) or user.is_superuser)
        ),
        "unread_notifications": (
            user.notifications.unread().count() if user is not None and user.is_authenticated else 0
        ),
        "portal_name": settings.PORTAL_NAME,
        "large_text": large_text,
        "high_contrast": high_contrast,
    }
