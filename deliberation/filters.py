import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Organization
from deliberation.models import Category, Commitment, Issue, Lane
from deliberation.search import matching


class StaffQueueFilter(django_filters.FilterSet):
    """The staff queue: always starts from `Issue.objects.handled_by(user)`; only these fields
    and orderings are accepted."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Issue.Status.choices)
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Kind of problem"), queryset=Category.objects.all(), to_field_name="code"
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Issue.Channel.choices)
    # Bounded: a number past the database's integer range would overflow in the query.
    assigned_to = django_filters.NumberFilter(
        label=_("Responsible organisation"),
        field_name="assigned_to_id",
        min_value=1,
        max_value=2**63 - 1,
        decimal_places=0,
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="only_overdue")
    submitted_after = django_filters.DateFilter(
        label=_("Reported from"), field_name="submitted_at", lookup_expr="date__gte"
    )
    submitted_before = django_filters.DateFilter(
        label=_("Reported until"), field_name="submitted_at", lookup_expr="date__lte"
    )
    order = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("submitted_at", "age"), ("deadline", "deadline")),
        field_labels={"submitted_at": _("Age"), "deadline": _("Deadline")},
    )

    class Meta:
        model = Issue
        fields = []

    def search(self, queryset, name, value):
        return matching(queryset, value)

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.needs_action().filter(deadline__lt=timezone.now())


class PublicIssueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("open")), ("done", _("resolved or closed"))],
        method="by_stage",
    )

    class Meta:
        model = Issue
        fields = []

    def search(self, queryset, name, value):
        return matching(queryset, value)

    def by_stage(self, queryset, name, value):
        done = Q(status__in=[Issue.Status.RESOLVED, Issue.Status.CLOSED])
        return queryset.filter(done) if value == "done" else queryset.exclude(done)


class CommitmentFilter(django_filters.FilterSet):
    """An area's or an organisation's commitments: always starts from
    `Commitment.objects.visible_to(user)`; only these fields and orderings are accepted."""

    STAGES = (
        ("on_track", _("on track")),
        ("overdue", _("overdue")),
        ("fulfilled", _("fulfilled")),
        ("partly", _("partly fulfilled")),
        ("not_fulfilled", _("not fulfilled")),
    )

    q = django_filters.CharFilter(label=_("Search"), method="search")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=STAGES, method="by_stage")
    kind = django_filters.ChoiceFilter(
        label=_("Made by"), field_name="organization__kind", choices=Organization.Kind.choices
    )
    order = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("due_on", "due"), ("made_at", "made")),
        field_labels={"due_on": _("Due date"), "made_at": _("Date made")},
    )

    class Meta:
        model = Commitment
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def by_stage(self, queryset, name, value):
        today = timezone.localdate()
        if value == "on_track":
            return queryset.on_track(today)
        if value == "overdue":
            return queryset.overdue(today)
        return queryset.filter(status=value)
