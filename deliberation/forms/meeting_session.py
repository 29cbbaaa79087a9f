"""Forms of a meeting in session and of its minutes. Only the shape of each field: the rules
(who may vote, which organisation may be responsible) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Household, Organization, User
from deliberation.counting import Choice, Rule
from deliberation.models import Issue, Motion


class ObserverForm(forms.Form):
    """A walk-in observer, found by their login name or mobile number."""

    who = forms.CharField(
        label=_("Observer's login name or mobile number"),
        max_length=150,
        error_messages={"required": _("Say who the observer is.")},
    )

    def clean_who(self) -> User:
        text = self.cleaned_data["who"].strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        query = User.objects.filter(is_active=True)
        person = query.filter(username=text).first()
        if person is None and len(digits) == 11:
            person = query.filter(phone__in=[digits, f"+86{digits}"]).first()
        if person is None:
            raise forms.ValidationError(_("Nobody with this login name or mobile number."))
        return person


class MotionForm(forms.Form):
    title = forms.CharField(label=_("Motion"), max_length=200)
    text = forms.CharField(
        label=_("Text"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rule = forms.ChoiceField(
        label=_("Counting rule"),
        choices=[("", _("The matter's rule")), *Rule.choices],
        required=False,
    )
    voting_unit = forms.ChoiceField(
        label=_("Who votes"), choices=Motion.VotingUnit.choices, initial=Motion.VotingUnit.PERSON
    )
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)


class BallotForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes, no or abstain.")},
    )
    household = forms.ModelChoiceField(Household.objects.none(), required=False)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(
            pk__in=[home.pk for home in households]
        )


class PaperBallotForm(forms.Form):
    """A ballot cast on paper, entered by counting staff: for a household or a person."""

    household = forms.ModelChoiceField(
        Household.objects.none(), label=_("Household"), required=False
    )
    voter = forms.ModelChoiceField(User.objects.none(), label=_("Voter"), required=False)
    choice = forms.ChoiceField(
        label=_("Vote on the paper"),
        choices=Choice.choices,
        error_messages={"required": _("Choose yes, no or abstain.")},
    )

    def __init__(self, *args, households, voters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["voter"].queryset = voters


class MinutesForm(forms.Form):
    body = forms.CharField(
        label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12})
    )


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("What will be done"), max_length=120)
    responsible = forms.ModelChoiceField(Organization.objects.none(), label=_("Who will do it"))
    due_on = forms.DateField(label=_("By"), widget=forms.DateInput(attrs={"type": "date"}))
    issues = forms.ModelMultipleChoiceField(
        Issue.objects.none(),
        label=_("Residents' issues it answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    motion = forms.ModelChoiceField(
        Motion.objects.none(), label=_("From the motion"), required=False
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = Organization.objects.filter(
            pk__in=meeting.parties.filter(organization__isnull=False).values("organization_id")
        ).order_by("name")
        self.fields["issues"].queryset = Issue.objects.filter(
            agenda_items__meeting=meeting
        ).distinct()
        self.fields["motion"].queryset = Motion.objects.filter(
            agenda_item__meeting=meeting, status=Motion.Status.CLOSED, passed=True
        )
