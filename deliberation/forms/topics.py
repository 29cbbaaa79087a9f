import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Organization
from deliberation.models import Category, TopicComment


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TopicForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Opened by"))
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("e.g. “December: where should electric bikes charge?”"),
    )
    question = forms.CharField(
        label=_("Question to residents"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    background = forms.CharField(
        label=_("Background"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is known already: figures, rules, what was tried."),
    )
    opens_on = forms.DateField(label=_("Open from"), widget=DateInput())
    closes_on = forms.DateField(label=_("Open until"), widget=DateInput())
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[organization.pk for organization in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=TopicComment.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text, up to 1,000 characters. Others see your family name only."),
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    for_organization = forms.BooleanField(required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(
        self, *args, organization: Organization | None = None, reply: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if reply:
            self.fields["body"].label = _("Your reply")
            self.fields["body"].widget.attrs["rows"] = 3
        if organization is None:
            del self.fields["for_organization"]
        else:
            self.fields["for_organization"].label = _("Answer for %(name)s") % {
                "name": organization.name
            }


class HideCommentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is hidden"),
        max_length=200,
        help_text=_("Everyone sees this reason in place of the comment; its author is told."),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What residents said, and what happens next. Posting it closes the topic."),
    )


class TopicIssueForm(forms.Form):
    category = forms.ModelChoiceField(
        Category.objects.filter(active=True, is_mediation=False),
        label=_("Kind of problem"),
        to_field_name="code",
    )
