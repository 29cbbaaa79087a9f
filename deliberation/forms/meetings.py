"""Forms of meeting planning: the catalogue, the meeting, its parties, invitations and agenda.
The rules (levels, reach, seats, overlaps) are the services'; here only the shape of each field."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Organization, Space, User
from communities.phones import normalize_mobile
from deliberation.counting import Rule
from deliberation.forms.polls import DateTimeInput
from deliberation.models import ConsultationMatter, Invitation, Meeting, MeetingParty, Party, Topic
from deliberation.services.meetings import NAMED_PARTIES

REMINDER_CHOICES = [
    (7 * 24 * 60, _("a week before")),
    (3 * 24 * 60, _("three days before")),
    (24 * 60, _("a day before")),
    (3 * 60, _("three hours before")),
    (60, _("an hour before")),
]


class MatterForm(forms.Form):
    title = forms.CharField(label=_("Matter"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of matter"), choices=ConsultationMatter.Kind.choices)
    level = forms.TypedChoiceField(
        label=_("Decided at"),
        coerce=int,
        choices=[(value, label) for value, label in Area.Level.choices if value >= 2],
        help_text=_("Meetings on this matter are held for a place of this level."),
    )
    required_parties = forms.MultipleChoiceField(
        label=_("Parties that must be present"),
        choices=Party.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    default_rule = forms.ChoiceField(
        label=_("Counting rule for its motions"), choices=Rule.choices, initial=Rule.SIMPLE_MAJORITY
    )
    description = forms.CharField(
        label=_("What it covers"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(forms.Form):
    """Planning a meeting; with `editing`, only what may change once planned."""

    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Organiser"))
    kind = forms.ChoiceField(
        label=_("Kind of meeting"), choices=Meeting.Kind.choices, initial=Meeting.Kind.JOINT
    )
    matter = forms.ModelChoiceField(
        ConsultationMatter.objects.none(),
        label=_("Matter in the catalogue"),
        required=False,
        help_text=_("The catalogue says which parties must be present."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Purpose"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    space = forms.ModelChoiceField(
        Space.objects.none(),
        label=_("Book a room"),
        required=False,
        help_text=_("The room is booked for the meeting's whole time."),
    )
    location_note = forms.CharField(label=_("Or: where, in words"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Online meeting link"), required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        required=False,
        help_text=_("“Will attend” answers stop when the seats are taken."),
    )
    reminder_offsets = forms.TypedMultipleChoiceField(
        label=_("Remind invitees"),
        coerce=int,
        choices=REMINDER_CHOICES,
        initial=[24 * 60, 60],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organizations=(), matters=None, spaces=None, editing=False, **kw):
        super().__init__(*args, **kw)
        if editing:
            for name in ("organization", "kind", "matter", "space", "submission_key"):
                del self.fields[name]
            return
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[organization.pk for organization in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk
        self.fields["matter"].queryset = matters
        self.fields["space"].queryset = spaces


class ConfirmForm(forms.Form):
    confirm_anyway = forms.BooleanField(
        label=_("Confirm anyway, without the missing parties"), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=200)


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.none(), label=_("An organisation of the area"), required=False
    )
    party = forms.ChoiceField(
        label=_("Or a group of people"),
        required=False,
        choices=[("", "—")]
        + [(value, label) for value, label in Party.choices if value in NAMED_PARTIES],
    )
    label = forms.CharField(
        label=_("As named on the agenda"),
        max_length=120,
        required=False,
        help_text=_("For a group, e.g. 3号楼居民代表."),
    )
    quorum = forms.IntegerField(label=_("Representatives needed"), min_value=1, initial=1)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self):
        data = super().clean()
        if not data.get("organization") and not data.get("party"):
            raise forms.ValidationError(_("Choose an organisation or a group of people."))
        return data


class InviteForm(forms.Form):
    """Who is invited: chosen from a list where the place is small, or found by mobile number
    (a community's thousands of residents make no list to scroll on a phone)."""

    LIST_AT_MOST = 300

    party = forms.ModelChoiceField(
        MeetingParty.objects.none(),
        label=_("Represents"),
        required=False,
        empty_label=_("Observer (no party)"),
    )
    user = forms.ModelChoiceField(User.objects.none(), label=_("Person"), required=False)
    phone = forms.CharField(
        label=_("Or their mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, meeting, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["party"].queryset = meeting.parties.select_related("organization")
        self.fields["user"].queryset = people.order_by("full_name", "username")
        if not self.is_bound and people.count() > self.LIST_AT_MOST:
            self.fields["user"].widget = forms.HiddenInput()
            self.fields["phone"].label = _("Their mobile number")

    def clean(self):
        data = super().clean()
        raw = (data.get("phone") or "").strip()
        if raw and not data.get("user"):
            person = self.people.filter(phone=normalize_mobile(raw)).first()
            if person is None:
                raise forms.ValidationError(
                    _("Nobody who may be invited here has this mobile number.")
                )
            data["user"] = person
        if not data.get("user"):
            raise forms.ValidationError(_("Choose the person, or give their mobile number."))
        return data


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            (value, label)
            for value, label in Invitation.Answer.choices
            if value != Invitation.Answer.PENDING
        ]
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=120)
    minutes = forms.IntegerField(label=_("Time (minutes)"), min_value=1, max_value=600, initial=15)
    description = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    issues = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Residents' issues to discuss"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topic = forms.ModelChoiceField(
        Topic.objects.none(), label=_("From the online topic"), required=False
    )

    def __init__(self, *args, issues, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issues"].queryset = issues
        self.fields["topic"].queryset = topics


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
