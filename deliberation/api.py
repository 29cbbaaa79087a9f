"""The JSON API of deliberation: categories, issues (with their timeline, reports and
transitions), commitments, meetings (read only) and the funnel.

Every queryset starts from `visible_to(request.user)`; every write calls the same service the
page calls, with `by=request.user`. The reporter (a name, a phone number, a household) is never
serialised, not even to staff with `deliberation.see_reporter`: an integration that needs to
call a resident back works in the portal, where each look is a person's, not a script's.
"""

from __future__ import annotations

import re
import uuid

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.models import Area, Organization
from deliberation import selectors, services
from deliberation.filters import StaffQueueFilter
from deliberation.forms.issues import candidate_organizations
from deliberation.models import (
    AgendaItem,
    Category,
    Commitment,
    Issue,
    IssueEvent,
    IssuePhoto,
    Meeting,
    MeetingParty,
    Minutes,
)
from deliberation.templatetags.issues import who
from deliberation.views.issues import _may_record_for_others, reportable_areas

# --- Categories --------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "default_lane",
            "responsible_kind",
            "is_public",
            "is_mediation",
        ]


@extend_schema_view(
    list=extend_schema(summary="Kinds of problem"), retrieve=extend_schema(summary="A kind")
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The categories a resident can report under, as the report form offers them."""

    serializer_class = CategorySerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None

    def get_queryset(self):
        return Category.objects.filter(active=True)


# --- Issues ------------------------------------------------------------------------------------


class IssueSerializer(serializers.ModelSerializer):
    """An issue as its public page shows it: no reporter, no household, no recorder."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    handling_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id",
            "title",
            "description",
            "category",
            "area",
            "area_name",
            "handling_area",
            "status",
            "lane",
            "channel",
            "is_public",
            "deadline",
            "is_overdue",
            "escalations",
            "assigned_to",
            "supporters_count",
            "rating",
            "rating_comment",
            "merged_into",
            "submitted_at",
            "accepted_at",
            "assigned_at",
            "resolved_at",
            "closed_at",
            "url",
        ]
        read_only_fields = fields


def _photo_urls(request, photos) -> list[str]:
    return [request.build_absolute_uri(photo.image.url) for photo in photos]


class IssueEventSerializer(serializers.ModelSerializer):
    """A line of the public timeline: who acted as a role's words, never a resident's name."""

    who = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = IssueEvent
        fields = [
            "kind",
            "at",
            "who",
            "from_status",
            "to_status",
            "note",
            "organization",
            "area",
            "photos",
        ]
        read_only_fields = fields

    def get_who(self, event: IssueEvent) -> str:
        return who(event)

    def get_photos(self, event: IssueEvent) -> list[str]:
        return _photo_urls(self.context["request"], event.photos.all())


class IssueDetailSerializer(IssueSerializer):
    photos = serializers.SerializerMethodField()
    timeline = IssueEventSerializer(source="events", many=True, read_only=True)

    class Meta(IssueSerializer.Meta):
        fields = [*IssueSerializer.Meta.fields, "photos", "timeline"]
        read_only_fields = fields

    def get_photos(self, issue: Issue) -> list[str]:
        """Photos sent with the report (those of a step are on its timeline line)."""
        return _photo_urls(
            self.context["request"], [photo for photo in issue.photos.all() if not photo.event_id]
        )


RECORDING_CHANNELS = (Issue.Channel.VISIT, Issue.Channel.MEETING, Issue.Channel.PHONE)
REPORT_CHANNELS = (Issue.Channel.ONLINE, Issue.Channel.QR, *RECORDING_CHANNELS)


class IssueReportSerializer(serializers.Serializer):
    """What the report form asks, without photos. Send a `submission_key` (a UUID you make)
    and a retried request gives back the issue the first one made."""

    title = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=2000)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(active=True)
    )
    area = serializers.CharField(max_length=32, help_text="The code of the building or place.")
    channel = serializers.ChoiceField(
        choices=REPORT_CHANNELS,
        default=Issue.Channel.ONLINE,
        help_text="visit, meeting and phone: staff or a grid worker recording for a resident.",
    )
    submission_key = serializers.UUIDField(required=False)

    def validate_area(self, code: str) -> Area:
        area = reportable_areas(self.context["request"].user).filter(code=code).first()
        if area is None:
            raise serializers.ValidationError(
                _("You can report in your own community, or where you act for an organisation.")
            )
        return area

    def validate_channel(self, channel: str) -> str:
        user = self.context["request"].user
        if channel in RECORDING_CHANNELS and not _may_record_for_others(user):
            raise serializers.ValidationError(_("Only staff and grid workers record for others."))
        return channel


ACTIONS = (
    "accept",
    "reject",
    "assign",
    "start",
    "resolve",
    "escalate",
    "summon",
    "check-in",
    "support",
    "rate",
    "reopen",
    "merge",
)


class TransitionSerializer(serializers.Serializer):
    """One step of the issue's life, as the buttons on its page take it."""

    action = serializers.ChoiceField(choices=ACTIONS)
    note = serializers.CharField(
        max_length=2000,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why (reject, escalate), what was done (resolve), what is still wrong (reopen).",
    )
    organization = serializers.IntegerField(
        required=False, min_value=1, help_text="assign: the responsible organisation's id."
    )
    department = serializers.IntegerField(
        required=False, min_value=1, help_text="summon: the department's id."
    )
    into = serializers.IntegerField(
        required=False, min_value=1, help_text="merge: the issue it duplicates."
    )
    rating = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="rate: 1 to 5 stars."
    )
    comment = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class IssueFilter(StaffQueueFilter):
    """The staff queue's filters, on what the caller may see, plus a place."""

    area = django_filters.CharFilter(
        label=gettext_lazy("Where (an area's code, with everything under it)"),
        method="in_area",
    )

    def in_area(self, queryset, name, value):
        area = Area.objects.filter(code=value).first()
        return queryset.under(area) if area else queryset.none()


def _required(data: dict, name: str) -> int:
    if not data.get(name):
        raise exceptions.ValidationError({name: _("This field is required for this step.")})
    return data[name]


@extend_schema_view(
    list=extend_schema(summary="Issues I may see, with the staff queue's filters"),
    retrieve=extend_schema(summary="An issue and its public timeline"),
    create=extend_schema(
        summary="Report a problem",
        request=IssueReportSerializer,
        responses={201: IssueDetailSerializer, 200: IssueDetailSerializer},
    ),
)
class IssueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """What the caller may see in the browser, and no more: `Issue.objects.visible_to()`."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = IssueFilter

    def get_queryset(self):
        issues = Issue.objects.visible_to(self.request.user).select_related(
            "category", "area", "handling_area", "assigned_to"
        )
        if self.action == "list":
            return issues
        events = IssueEvent.objects.select_related("organization", "area").prefetch_related(
            "photos"
        )
        return issues.prefetch_related(
            Prefetch("events", queryset=events),
            Prefetch("photos", queryset=IssuePhoto.objects.all()),
        )

    def get_serializer_class(self):
        return IssueSerializer if self.action == "list" else IssueDetailSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and not self.request.query_params.get("order"):
            queryset = queryset.order_by("-submitted_at", "-pk")
        return queryset

    def _detail(self, issue: Issue, status_code=status.HTTP_200_OK) -> Response:
        """The issue as the caller now sees it; nothing if the step took it out of their sight."""
        issue = self.get_queryset().filter(pk=issue.pk).first()
        if issue is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(issue).data, status=status_code)

    def create(self, request, *args, **kwargs):
        report = IssueReportSerializer(data=request.data, context={"request": request})
        report.is_valid(raise_exception=True)
        data = report.validated_data
        recording = data["channel"] in RECORDING_CHANNELS
        key = data.get("submission_key") or uuid.uuid4()
        first_time = not Issue.objects.filter(submission_key=key).exists()
        issue = services.submit_issue(
            title=data["title"],
            description=data["description"],
            category=data["category"],
            area=data["area"],
            reporter=None if recording else request.user,
            recorded_by=request.user if recording else None,
            channel=data["channel"],
            submission_key=key,
        )
        if not Issue.objects.visible_to(request.user).filter(pk=issue.pk).exists():
            # Another account's submission key: say nothing of its issue.
            raise exceptions.ValidationError(
                {"submission_key": _("This key was already used; make a new one.")}
            )
        return self._detail(issue, status.HTTP_201_CREATED if first_time else status.HTTP_200_OK)

    @extend_schema(
        summary="Take a step: accept, assign, resolve, rate…",
        request=TransitionSerializer,
        responses=IssueDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        issue = self.get_object()
        step = TransitionSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        data = step.validated_data
        user, note = request.user, data["note"]
        match data["action"]:
            case "accept":
                services.accept_issue(issue=issue, by=user, note=note)
            case "reject":
                services.reject_issue(issue=issue, by=user, reason=note)
            case "assign":
                organization = candidate_organizations(issue).filter(
                    pk=_required(data, "organization")
                )
                if not organization:
                    raise exceptions.ValidationError(
                        {"organization": _("Choose an organisation that serves this place.")}
                    )
                services.assign_issue(
                    issue=issue, organization=organization.get(), by=user, note=note
                )
            case "start":
                services.start_work(issue=issue, by=user, note=note)
            case "resolve":
                services.resolve_issue(issue=issue, by=user, note=note)
            case "escalate":
                services.escalate_issue(issue=issue, by=user, reason=note)
            case "summon":
                department = Organization.objects.filter(
                    pk=_required(data, "department"), kind=Organization.Kind.DEPARTMENT
                ).first()
                if department is None:
                    raise exceptions.ValidationError(
                        {"department": _("Choose a government department.")}
                    )
                services.summon_department(issue=issue, department=department, by=user, reason=note)
            case "check-in":
                services.check_in(issue=issue, by=user, note=note)
            case "support":
                services.support_issue(issue=issue, by=user)
            case "rate":
                services.rate_issue(
                    issue=issue, by=user, rating=_required(data, "rating"), comment=data["comment"]
                )
            case "reopen":
                services.reopen_issue(issue=issue, by=user, evidence=note)
            case "merge":
                into = Issue.objects.visible_to(user).filter(pk=_required(data, "into")).first()
                if into is None:
                    raise exceptions.ValidationError({"into": _("No such issue.")})
                services.merge_issue(issue=issue, into=into, by=user)
        return self._detail(issue)


# --- Commitments -------------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="name", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    issues = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "organization",
            "area",
            "title",
            "description",
            "due_on",
            "status",
            "progress",
            "result_note",
            "is_overdue",
            "made_at",
            "completed_at",
            "issues",
            "url",
        ]
        read_only_fields = fields

    def get_issues(self, commitment: Commitment) -> list[int]:
        """The issues it answers that the caller may see."""
        return [issue.pk for issue in commitment.visible_issues]


@extend_schema_view(
    list=extend_schema(
        summary="Public commitments",
        parameters=[
            OpenApiParameter("area", str, description="Only under this area (its code)."),
            OpenApiParameter("status", str, enum=Commitment.Status.values),
        ],
    ),
    retrieve=extend_schema(summary="A commitment"),
)
class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitmentSerializer

    def get_queryset(self):
        user = self.request.user
        commitments = (
            Commitment.objects.visible_to(user)
            .select_related("organization", "area")
            .prefetch_related(
                Prefetch(
                    "issues",
                    queryset=Issue.objects.visible_to(user).only("pk").order_by("pk"),
                    to_attr="visible_issues",
                )
            )
        )
        area = self.request.query_params.get("area")
        if area:
            commitments = commitments.under(get_object_or_404(Area, code=area))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in Commitment.Status.values:
                raise exceptions.ValidationError({"status": _("Not a status of a commitment.")})
            commitments = commitments.filter(status=wanted)
        return commitments


# --- Meetings ----------------------------------------------------------------------------------


class MeetingPartySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = MeetingParty
        fields = ["party", "organization", "label"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    issues = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = ["position", "title", "description", "minutes", "issues", "topic"]
        read_only_fields = fields

    def get_issues(self, item: AgendaItem) -> list[int]:
        """The issues on the item that the caller may see."""
        return [issue.pk for issue in item.visible_issues]


class MinutesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Minutes
        fields = ["body", "published_at"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as its page shows it to the caller: parties by organisation, never invitees;
    the minutes only once published."""

    organization = serializers.SlugRelatedField(slug_field="name", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    matter = serializers.SlugRelatedField(slug_field="title", read_only=True)
    room = serializers.SerializerMethodField()
    parties = MeetingPartySerializer(many=True, read_only=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)
    minutes = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "uid",
            "sequence",
            "organization",
            "area",
            "matter",
            "kind",
            "title",
            "description",
            "status",
            "starts_at",
            "ends_at",
            "room",
            "location_note",
            "online_url",
            "capacity",
            "cancel_reason",
            "parties",
            "agenda",
            "minutes",
            "url",
        ]
        read_only_fields = fields

    def get_room(self, meeting: Meeting) -> str | None:
        return meeting.booking.space.name if meeting.booking else None

    @extend_schema_field(MinutesSerializer(allow_null=True))
    def get_minutes(self, meeting: Meeting) -> dict | None:
        minutes = getattr(meeting, "minutes", None)
        if minutes is None or minutes.published_at is None:
            return None
        return MinutesSerializer(minutes).data


@extend_schema_view(
    list=extend_schema(
        summary="Consultation meetings, with their agenda and published minutes",
        parameters=[
            OpenApiParameter("area", str, description="Only under this area (its code)."),
            OpenApiParameter("status", str, enum=Meeting.Status.values),
        ],
    ),
    retrieve=extend_schema(summary="A consultation meeting"),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer

    def get_queryset(self):
        user = self.request.user
        meetings = (
            Meeting.objects.visible_to(user)
            .select_related("organization", "area", "matter", "booking__space", "minutes")
            .prefetch_related(
                Prefetch("parties", queryset=MeetingParty.objects.select_related("organization")),
                Prefetch(
                    "agenda",
                    queryset=AgendaItem.objects.prefetch_related(
                        Prefetch(
                            "issues",
                            queryset=Issue.objects.visible_to(user).only("pk").order_by("pk"),
                            to_attr="visible_issues",
                        )
                    ),
                ),
            )
            .order_by("-starts_at", "-pk")
        )
        area = self.request.query_params.get("area")
        if area:
            place = get_object_or_404(Area, code=area)
            meetings = meetings.filter(area__path__startswith=place.path)
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in Meeting.Status.values:
                raise exceptions.ValidationError({"status": _("Not a status of a meeting.")})
            meetings = meetings.filter(status=wanted)
        return meetings


# --- The funnel --------------------------------------------------------------------------------


class FunnelSerializer(serializers.Serializer):
    area = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    collected = serializers.IntegerField()
    accepted = serializers.IntegerField()
    committed = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    rated = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction = serializers.FloatField(allow_null=True)


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField()
    first_month = serializers.DateField(source="first")
    last_month = serializers.DateField(source="last")


class AreaFunnelSerializer(serializers.Serializer):
    period = PeriodSerializer()
    total = FunnelSerializer()
    children = FunnelSerializer(many=True)
    median_hours_to_resolve = serializers.FloatField(allow_null=True)


PERIOD = re.compile(r"^[1-9]\d{3}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")


class FunnelViewSet(viewsets.ViewSet):
    """Collected → accepted → committed → resolved, for an area and each of its children."""

    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9-]*"

    @extend_schema(
        summary="An area's funnel",
        parameters=[
            OpenApiParameter(
                "period",
                str,
                pattern=PERIOD.pattern,
                description="2026, 2026-Q4 or 2026-11; the current quarter when left out.",
            )
        ],
        responses=AreaFunnelSerializer,
    )
    def retrieve(self, request, code=None):
        area = get_object_or_404(Area, code=code)
        key = request.query_params.get("period")
        if key is not None and not PERIOD.match(key):
            raise exceptions.ValidationError(
                {"period": _("Write a year (2026), a quarter (2026-Q4) or a month (2026-11).")}
            )
        period = selectors.Period.from_request(key)
        funnel = {
            "period": period,
            "total": selectors.funnel(area, period),
            "children": selectors.funnel_of_children(area, period),
            "median_hours_to_resolve": selectors.median_hours_to_resolve(area, period),
        }
        return Response(AreaFunnelSerializer(funnel).data)
