from django import forms
from django.utils.translation import gettext_lazy as _

from communities.forms import AreaChoiceField
from communities.models import Area, Organization
from volunteers.models import Activity, Skill

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """The phone's own date and time picker; without it, "2025-05-01T09:00" typed by hand."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class ActivityForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Organiser"))
    area = AreaChoiceField(
        Area.objects.none(),
        label=_("For"),
        help_text=_("The organisation's own area or a place under it."),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=Activity.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What volunteers will do and what to bring."),
    )
    place = forms.CharField(label=_("Meeting place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=10_000,
        help_text=_("Who signs up when every place is taken goes on the waiting list."),
    )
    points_per_hour = forms.IntegerField(label=_("Points per hour"), min_value=0, initial=10)
    points_per_activity = forms.IntegerField(
        label=_("Points for taking part"),
        min_value=0,
        initial=0,
        help_text=_("Given once on top of the hours, when the organiser confirms them."),
    )

    def __init__(self, *args, organizations, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda area: (
            f"{'　' * max(area.level - Area.Level.STREET, 0)}{area.name}"
        )


class HoursForm(forms.Form):
    # The range (more than 0, at most 24) is the service's rule; here only "is it a number".
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=2)


class ScanForm(forms.Form):
    token = forms.UUIDField(
        label=_("Volunteer's check-in code"),
        error_messages={
            "invalid": _("This is not a volunteer's check-in code. Scan the QR code again.")
        },
        help_text=_("Scan the QR code on the volunteer's phone; the scanner app fills this in."),
    )


class ListedForm(forms.Form):
    listed = forms.BooleanField(label=_("Show me on leaderboards"), required=False)


class PickupForm(forms.Form):
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class SkillForm(forms.Form):
    name = forms.CharField(
        label=_("Skill"),
        max_length=60,
        help_text=_("Such as plumbing, calligraphy, first aid, English, law."),
    )
    description = forms.CharField(
        label=_("What I can offer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Skill.Visibility.choices,
        initial=Skill.Visibility.STAFF,
        help_text=_("By listing a skill you agree that these people may find you by it."),
    )


class TalentSearchForm(forms.Form):
    query = forms.CharField(label=_("Skill"), max_length=60, required=False)
    area = AreaChoiceField(Area.objects.none(), label=_("Living in"), required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].empty_label = _("All my areas")
        self.fields["area"].label_from_instance = lambda area: (
            f"{'　' * max(area.level - Area.Level.STREET, 0)}{area.name}"
        )


class InviteForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    activity = forms.ModelChoiceField(Activity.objects.none(), label=_("Activity"))

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities


class NominationForm(forms.Form):
    neighbour = forms.CharField(
        label=_("Your neighbour's username or mobile number"),
        max_length=150,
        help_text=_("Ask your neighbour: only verified residents of your community can be found."),
    )
    reason = forms.CharField(
        label=_("Why they are a good neighbour"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("award", "award"), ("decline", "decline")])
