"""Forms of the public commitments' pages."""

import uuid

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communities.forms import AreaChoiceField
from communities.models import Area, Organization
from deliberation.forms.issues import PhotosField
from deliberation.models import Commitment, CommitmentUpdate, Issue


def served_roots(organization: Organization) -> list[str]:
    """Where the organisation acts: a firm's contracts, or its seat and everything under it."""
    if organization.reaches_by_contract:
        return list(organization.served_areas.values_list("path", flat=True))
    return [organization.area.path]


def places_served(organization: Organization):
    """The places it may commit for: where it acts, down to two levels below (a street: its
    communities and compounds; a firm: its compounds and their buildings)."""
    roots = served_roots(organization)
    deepest = min(max((len(root) // 4 for root in roots), default=0) + 2, Area.Level.BUILDING)
    return Area.objects.under_any(roots).filter(level__lte=deepest)


def _indented(area: Area) -> str:
    return f"{'　' * (area.level - 1)}{area.name}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> reads and sends


class CommitmentForm(forms.Form):
    area = AreaChoiceField(Area.objects.none(), label=_("For which place"))
    title = forms.CharField(
        label=_("What do you promise?"),
        max_length=120,
        help_text=_(
            "In a few words residents understand, e.g. “Repair every lamp in the compound”."
        ),
    )
    due_on = forms.DateField(
        label=_("Done by"), widget=DateInput, help_text=_("The day it will be done, at the latest.")
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How you will do it, and who residents can ask."),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = places_served(organization)
        self.fields["area"].label_from_instance = _indented


class IssuePickForm(forms.Form):
    """The issues a commitment answers, posted with the commitment form. Any issue the person
    may commit to is accepted; the page lists the few a search found (and those already ticked)."""

    issues = forms.ModelMultipleChoiceField(
        Issue.objects.none(), label=_("Issues it answers"), required=False
    )

    def __init__(self, *args, issues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issues"].queryset = issues


class IssueSearchForm(forms.Form):
    """Which issues to list on the commitment form: of one place, matching some words."""

    prefix = "find"  # beside the commitment form, which has an area field too

    area = AreaChoiceField(Area.objects.none(), label=_("Issues of"), required=False)
    q = forms.CharField(label=_("Search issues"), max_length=80, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = places_served(organization)
        self.fields["area"].label_from_instance = _indented
        # With JavaScript, htmx refreshes the list while a place is chosen or words are typed,
        # keeping the issues already ticked.
        refresh = {
            "hx-get": reverse("deliberation:organization_commitment_new", args=[organization.pk]),
            "hx-target": "#candidates",
            "hx-swap": "outerHTML",
            "hx-include": "closest form, [name=issues]:checked",
        }
        self.fields["area"].widget.attrs.update(refresh, **{"hx-trigger": "change"})
        self.fields["q"].widget.attrs.update(
            refresh, **{"hx-trigger": "input changed delay:500ms", "autocomplete": "off"}
        )


class ProgressForm(forms.Form):
    prefix = "progress"  # several of these forms share the commitment's page

    progress = forms.IntegerField(label=_("How far is it done (%)?"), min_value=0, max_value=100)
    text = forms.CharField(
        label=_("What was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The percentage never goes back; if something set you back, say so here."),
    )
    photos = PhotosField(label=_("Photos as evidence"), required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ResultForm(forms.Form):
    prefix = "result"  # several of these forms share the commitment's page

    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (value, label)
            for value, label in Commitment.Status.choices
            if value in CommitmentUpdate.RESULTS
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was done, or why not in full"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless it was fulfilled. Residents read it on the notice board."),
    )
    photos = PhotosField(label=_("Photos of the result"), required=False)


class RemarkForm(forms.Form):
    prefix = "remark"  # several of these forms share the commitment's page

    text = forms.CharField(
        label=_("Your remark as public supervisor"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The organisation must answer it, in public."),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class AnswerForm(forms.Form):
    prefix = "answer"  # several of these forms share the commitment's page

    text = forms.CharField(
        label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
