from django import template

from communities.phones import mask_mobile

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """+8613812345678 → 138 1234 5678, the way people read a number aloud."""
    if not value:
        return "—"
    local = value.removeprefix("+86")
    return f"{local[:3]} {local[3:7]} {local[7:]}" if len(local) == 11 else value


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_mobile(value or "") or "—"
