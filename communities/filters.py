"""Filters of lists in communities: each starts from a `visible_to()` queryset and allows only
the fields named here."""

import django_filters
from django.utils.translation import gettext_lazy as _

from communities.models import Notice, Notification


class NoticeFilter(django_filters.FilterSet):
    """A board: starts from `Notice.objects.visible_to(user).on_board_of(area)`; by kind only."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind of notice"), choices=Notice.Kind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Notice
        fields = []


class NotificationFilter(django_filters.FilterSet):
    """An inbox: starts from the person's own messages; by kind only."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind of message"), choices=Notification.Kind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Notification
        fields = []
