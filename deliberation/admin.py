from django.contrib import admin

from communities.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from deliberation.models import (
    Category,
    Commitment,
    CommitmentPhoto,
    CommitmentReminder,
    CommitmentUpdate,
    FunnelCount,
    HouseholdVisit,
    Issue,
    IssueEvent,
    IssuePhoto,
    Poll,
    PollOption,
    Summons,
    Support,
    TimelineSeal,
    Topic,
    TopicComment,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "default_lane",
        "responsible_kind",
        "is_public",
        "is_mediation",
        "active",
        "position",
    ]
    list_filter = ["default_lane", "responsible_kind", "is_public", "is_mediation", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class IssueEventInline(ReadOnlyInline):
    model = IssueEvent
    fields = readonly_fields = [
        "seq",
        "at",
        "kind",
        "actor_role",
        "from_status",
        "to_status",
        "note",
    ]


class IssuePhotoInline(ReadOnlyInline):
    model = IssuePhoto
    fields = readonly_fields = ["image", "width", "height", "uploaded_at"]


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-mostly: every step of an issue's life goes through deliberation.services, so the
    timeline and the counters stay true. Change the category's settings, not issues, here."""

    list_display = [
        "pk",
        "title",
        "category",
        "area",
        "handling_area",
        "status",
        "lane",
        "deadline",
        "submitted_at",
    ]
    list_filter = ["status", "lane", "channel", "is_public", "category"]
    search_fields = ["title", "description", "area__name", "area__code"]
    list_select_related = ["category", "area", "handling_area"]
    date_hierarchy = "submitted_at"
    inlines = [IssueEventInline, IssuePhotoInline]
    readonly_fields = [field.name for field in Issue._meta.fields]


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["issue", "kind", "actor_role", "at"]
    list_filter = ["kind"]
    search_fields = ["issue__title", "actor_role", "note"]
    list_select_related = ["issue"]


@admin.register(Summons)
class SummonsAdmin(admin.ModelAdmin):
    list_display = ["issue", "organization", "summoned_at", "checked_in_at"]
    list_filter = ["checked_in_at"]
    search_fields = ["issue__title", "organization__name"]
    raw_id_fields = ["issue", "organization", "checked_in_by"]


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    list_display = ["issue", "user", "at"]
    list_filter = ["at"]
    search_fields = ["issue__title", "user__username"]
    raw_id_fields = ["issue", "user"]


@admin.register(IssuePhoto)
class IssuePhotoAdmin(admin.ModelAdmin):
    list_display = ["issue", "width", "height", "uploaded_at"]
    list_filter = ["uploaded_at"]
    search_fields = ["issue__title"]
    raw_id_fields = ["issue", "event"]


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(admin.ModelAdmin):
    list_display = ["household", "visitor", "visited_at"]
    list_filter = ["visited_at"]
    search_fields = ["household__building__name", "visitor__full_name", "needs_heard"]
    raw_id_fields = ["household", "visitor"]


@admin.register(FunnelCount)
class FunnelCountAdmin(admin.ModelAdmin):
    list_display = [
        "area",
        "month",
        "collected",
        "accepted",
        "committed",
        "resolved",
        "resolved_on_time",
    ]
    list_filter = ["month"]
    search_fields = ["area__name", "area__code"]
    raw_id_fields = ["area"]


class CommitmentUpdateInline(ReadOnlyInline):
    model = CommitmentUpdate
    fk_name = "commitment"
    fields = readonly_fields = ["seq", "at", "kind", "actor_role", "progress", "result", "text"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Made and kept through deliberation.services, so progress and the issues it answers stay
    true; the admin reads the record."""

    list_display = ["title", "organization", "area", "due_on", "status", "progress"]
    list_filter = ["status"]
    search_fields = ["title", "description", "organization__name", "area__name"]
    list_select_related = ["organization", "area"]
    date_hierarchy = "made_at"
    inlines = [CommitmentUpdateInline]


@admin.register(CommitmentUpdate)
class CommitmentUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A commitment's timeline, append-only and hash-chained: read here, never edited."""

    list_display = ["commitment", "seq", "kind", "actor_role", "progress", "at"]
    list_filter = ["kind"]
    search_fields = ["text", "commitment__title"]
    list_select_related = ["commitment"]
    raw_id_fields = ["commitment", "answer_to"]


@admin.register(CommitmentPhoto)
class CommitmentPhotoAdmin(admin.ModelAdmin):
    list_display = ["update", "width", "height", "uploaded_at"]
    list_filter = ["uploaded_at"]
    search_fields = ["update__commitment__title"]
    raw_id_fields = ["update"]


@admin.register(CommitmentReminder)
class CommitmentReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written and sent by the periodic task; read here."""

    list_display = ["commitment", "due_at", "sent_at"]
    list_filter = ["due_at", "sent_at"]
    search_fields = ["commitment__title"]
    list_select_related = ["commitment"]


@admin.register(TimelineSeal)
class TimelineSealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each day's head hash of the public timelines; `manage.py verify_timeline` checks them."""

    list_display = ["day", "hash", "entries", "sealed_at"]
    list_filter = ["day"]
    search_fields = ["hash"]
    date_hierarchy = "day"


class PollOptionInline(ReadOnlyInline):
    model = PollOption
    fields = readonly_fields = ["position", "label", "votes"]
    show_change_link = False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Polls are run through deliberation.services. Ballots are not in the admin at all: who
    voted and what was chosen are two tables nobody browses, and counts exist only from the
    close, on the options (empty until then)."""

    list_display = [
        "title",
        "organization",
        "area",
        "voting_unit",
        "opens_at",
        "closes_at",
        "closed_at",
        "ballots_cast",
    ]
    list_filter = ["voting_unit", "owners_only"]
    search_fields = ["title", "area__name", "area__code", "organization__name"]
    list_select_related = ["organization", "area"]
    date_hierarchy = "opens_at"
    inlines = [PollOptionInline]
    readonly_fields = [field.name for field in Poll._meta.fields]


class TopicCommentInline(ReadOnlyInline):
    model = TopicComment
    fk_name = "topic"
    fields = readonly_fields = ["created_at", "parent", "body", "hidden_at", "hidden_reason"]


@admin.register(PollOption)
class PollOptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Options with their counts, which stay empty until the poll closes."""

    list_display = ["label", "poll", "position", "votes"]
    list_filter = ["poll__voting_unit"]
    search_fields = ["label", "poll__title"]
    list_select_related = ["poll"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Topics are opened, moderated and closed on the site, through deliberation.services."""

    list_display = ["title", "organization", "area", "opens_on", "closes_on", "closed_at"]
    list_filter = ["opens_on", "closed_at"]
    search_fields = ["title", "question", "area__name", "organization__name"]
    list_select_related = ["organization", "area"]
    date_hierarchy = "opens_on"
    inlines = [TopicCommentInline]
    readonly_fields = [field.name for field in Topic._meta.fields]


@admin.register(TopicComment)
class TopicCommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["topic", "created_at", "hidden_at"]
    list_filter = ["hidden_at"]
    search_fields = ["topic__title", "body", "hidden_reason"]
    list_select_related = ["topic"]
