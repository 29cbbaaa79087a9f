from django.contrib import admin
from django.db import models

from communities.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from deliberation.models import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Category,
    Commitment,
    CommitmentPhoto,
    CommitmentReminder,
    CommitmentUpdate,
    ConsultationMatter,
    FunnelCount,
    HouseholdVisit,
    Invitation,
    Issue,
    IssueEvent,
    IssuePhoto,
    Meeting,
    MeetingParty,
    MeetingReminder,
    Minutes,
    MinutesConfirmation,
    Motion,
    MotionElector,
    Poll,
    PollOption,
    Resolution,
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


@admin.register(ConsultationMatter)
class ConsultationMatterAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "kind", "level", "default_rule", "position"]
    list_filter = ["kind", "level", "default_rule"]
    search_fields = ["title", "description", "area__name", "area__code"]
    list_select_related = ["area"]
    raw_id_fields = ["area"]


class MeetingPartyInline(ReadOnlyInline):
    model = MeetingParty
    fields = readonly_fields = ["party", "organization", "label", "quorum"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = readonly_fields = ["position", "title", "minutes", "topic"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Meetings are planned, held and minuted through deliberation.services, which keep their
    bookings, reminders and ballots right; the admin reads the record."""

    list_display = ["title", "organization", "area", "kind", "starts_at", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "description", "organization__name", "area__name"]
    list_select_related = ["organization", "area"]
    date_hierarchy = "starts_at"
    inlines = [MeetingPartyInline, AgendaItemInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(MeetingParty)
class MeetingPartyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "party", "organization", "label", "quorum"]
    list_filter = ["party"]
    search_fields = ["meeting__title", "organization__name", "label"]
    list_select_related = ["meeting", "organization"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "user", "party", "answer", "invited_at"]
    list_filter = ["answer"]
    search_fields = ["meeting__title", "user__username"]
    list_select_related = ["meeting", "user", "party"]


@admin.register(MeetingReminder)
class MeetingReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written and sent by the periodic task; read here."""

    list_display = ["meeting", "user", "kind", "due_at", "sent_at"]
    list_filter = ["kind", "due_at", "sent_at"]
    search_fields = ["meeting__title", "user__username"]
    list_select_related = ["meeting", "user"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "position", "title", "minutes"]
    list_filter = ["meeting__status"]
    search_fields = ["title", "description", "meeting__title"]
    list_select_related = ["meeting"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "user", "party", "arrived_at"]
    list_filter = ["arrived_at"]
    search_fields = ["meeting__title", "user__username"]
    list_select_related = ["meeting", "user", "party"]


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A motion and, once closed, its stored tally. Its ballots are not in the admin at all,
    as for polls (ADR 0011): who voted and what was chosen are never browsed."""

    list_display = ["title", "agenda_item", "rule", "voting_unit", "secret", "status", "passed"]
    list_filter = ["status", "rule", "voting_unit", "secret"]
    search_fields = ["title", "text", "agenda_item__meeting__title"]
    list_select_related = ["agenda_item"]


@admin.register(MotionElector)
class MotionElectorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was entitled to vote on a motion, fixed when voting opened (not what they chose)."""

    list_display = ["motion", "user", "party", "household", "floor_area"]
    list_filter = ["motion__voting_unit"]
    search_fields = ["motion__title", "user__username"]
    list_select_related = ["motion", "user", "party", "household"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "updated_at", "submitted_at", "published_at"]
    list_filter = ["published_at"]
    search_fields = ["meeting__title", "body"]
    list_select_related = ["meeting"]


@admin.register(MinutesConfirmation)
class MinutesConfirmationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["minutes", "party", "confirmed_by", "confirmed_at"]
    list_filter = ["confirmed_at"]
    search_fields = ["minutes__meeting__title", "confirmed_by__username"]
    list_select_related = ["minutes", "party", "confirmed_by"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["text", "meeting", "responsible", "due_on", "commitment"]
    list_filter = ["due_on"]
    search_fields = ["text", "meeting__title", "responsible__name"]
    list_select_related = ["meeting", "responsible", "commitment"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A person's calendar link. The key is a credential: the admin shows whose it is, never
    the key. Deleting it stops a leaked link; the person gets a new one the next time they
    open "My meetings"."""

    list_display = ["user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = readonly_fields = ["user", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
