import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Organization
from deliberation.models import Poll, PollOption

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """The phone's own date and time picker; without it, "2026-12-01T09:00" typed by hand."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class PollForm(forms.Form):
    """What the organiser asks. The rules (two options at least, times in order) are the
    service's; here only the shape of each field."""

    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Organiser"))
    title = forms.CharField(
        label=_("Question"),
        max_length=120,
        help_text=_("As residents will read it, e.g. “Which name should our compound take?”"),
    )
    description = forms.CharField(
        label=_("Background"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why residents are asked, and what happens with the result."),
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("At least two. Residents see them in this order."),
    )
    max_choices = forms.IntegerField(
        label=_("How many options a ballot may choose"), min_value=1, max_value=20, initial=1
    )
    voting_unit = forms.ChoiceField(
        label=_("Who votes"),
        choices=Poll.VotingUnit.choices,
        initial=Poll.VotingUnit.RESIDENT,
        widget=forms.RadioSelect,
        help_text=_(
            "Per household: the first verified resident of a household to vote votes for it."
        ),
    )
    owners_only = forms.BooleanField(label=_("Owners only"), required=False)
    opens_at = forms.DateTimeField(
        label=_("Opens at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave it empty to open the poll now."),
    )
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeInput())
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[organization.pk for organization in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BallotForm(forms.Form):
    """The options as big radio buttons (or check boxes where a ballot may choose several)."""

    def __init__(self, *args, poll: Poll, **kwargs):
        super().__init__(*args, **kwargs)
        options = PollOption.objects.filter(poll=poll).order_by("position")
        if poll.max_choices == 1:
            self.fields["options"] = forms.ModelChoiceField(
                options,
                label=_("Your choice"),
                widget=forms.RadioSelect,
                empty_label=None,
                error_messages={"required": _("Choose an option.")},
            )
        else:
            self.fields["options"] = forms.ModelMultipleChoiceField(
                options,
                label=_("Your choices"),
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Choose up to %(count)s.") % {"count": poll.max_choices},
                error_messages={"required": _("Choose an option.")},
            )

    def clean_options(self) -> list[PollOption]:
        chosen = self.cleaned_data["options"]
        return [chosen] if isinstance(chosen, PollOption) else list(chosen)
