import uuid

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from communities.forms import AreaChoiceField
from communities.models import Area, Household, Organization
from deliberation.models import Category, Issue
from deliberation.photos import MAX_PHOTOS, clean_photos


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to six photos, each decoded, re-encoded and stripped by deliberation.photos."""

    widget = MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        if not isinstance(data, list | tuple) and data:
            uploads = [data]
        return clean_photos(uploads)


class IssueReportForm(forms.Form):
    title = forms.CharField(
        label=_("What is the problem?"),
        max_length=80,
        help_text=_("In a few words, e.g. “The lamp at building 3 is out”."),
        # With JavaScript, htmx shows similar open issues while the title is typed.
        widget=forms.TextInput(
            attrs={
                "hx-get": reverse_lazy("deliberation:similar_issues"),
                "hx-trigger": "input changed delay:600ms",
                "hx-target": "#similar",
                "hx-include": "[name=area]",
                "hx-swap": "outerHTML",
                "autocomplete": "off",
            }
        ),
    )
    description = forms.CharField(
        label=_("Tell us more"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where exactly, since when, what you saw."),
    )
    category = forms.ModelChoiceField(
        Category.objects.filter(active=True), label=_("Kind of problem"), to_field_name="code"
    )
    area = AreaChoiceField(Area.objects.none(), label=_("Where"))
    photos = PhotosField(
        label=_("Photos (up to %(count)s)") % {"count": MAX_PHOTOS},
        required=False,
        help_text=_(
            "Take them with your phone's camera. Location data is removed before anyone sees them."
        ),
    )
    channel = forms.ChoiceField(
        label=_("How did you hear of it?"),
        choices=[
            (value, label)
            for value, label in Issue.Channel.choices
            if value != Issue.Channel.ONLINE
        ],
        required=False,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, areas=None, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()
        self.fields["area"].label_from_instance = lambda area: (
            f"{'　' * max(area.level - Area.Level.COMMUNITY, 0)}{area.name}"
        )
        if not on_behalf:
            del self.fields["channel"]
        else:
            self.fields["channel"].required = True


class ReasonForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos of the result"), required=False)


class AssignForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.none(), label=_("Responsible organisation")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, issue: Issue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = candidate_organizations(issue)


def candidate_organizations(issue: Issue):
    """Organisations seated on the issue's place or above it, or serving it by contract."""
    from django.db.models import Q

    from communities.models import ancestor_paths

    paths = ancestor_paths(issue.area.path)
    return (
        Organization.objects.filter(Q(area__path__in=paths) | Q(served_areas__path__in=paths))
        .exclude(kind__in=[Organization.Kind.PARTY_GROUP])
        .select_related("area")
        .distinct()
        .order_by("-area__depth", "kind", "name")
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=[(5, "★★★★★"), (4, "★★★★☆"), (3, "★★★☆☆"), (2, "★★☆☆☆"), (1, "★☆☆☆☆")],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class BulkAssignForm(forms.Form):
    issues = forms.ModelMultipleChoiceField(
        Issue.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Assign to"))

    def __init__(self, *args, issues, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issues"].queryset = issues
        self.fields["organization"].queryset = organizations


class HouseholdVisitForm(forms.Form):
    household = forms.ModelChoiceField(Household.objects.none(), label=_("Household visited"))
    needs_heard = forms.CharField(
        label=_("Needs heard"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the household asked for or worried about. Report each problem separately next."
        ),
    )

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = str
