import datetime
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.documents import ACCEPT, clean_documents
from communities.models import (
    Area,
    FinanceLine,
    Household,
    Notice,
    Notification,
    Organization,
    PartyRegistration,
    Residency,
    User,
)
from communities.phones import normalize_mobile
from communities.services.notices import FinanceItem


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one, else
    above the form, so the person sees the message next to what they typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_errors_to_messages(request, form: forms.Form) -> None:
    """For forms posted from a page that shows them elsewhere: each error as a message."""
    from django.contrib import messages

    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def errors_to_messages(request, error: ValidationError) -> None:
    """A service refused a button press that has no form to show it: say why, as messages."""
    from django.contrib import messages

    for message in error.messages:
        messages.error(request, message)


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form asks besides username, e-mail and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=60, required=False)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        help_text=_("Optional. You can log in with it instead of your username."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return None
        phone = normalize_mobile(raw)
        if User.objects.filter(phone=phone).exists():
            raise ValidationError(_("This mobile number belongs to another account."))
        return phone

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.phone = self.cleaned_data["phone"]
        user.save(update_fields=["full_name", "phone"])


class ProfileForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = User
        fields = ["full_name", "email", "large_text", "high_contrast"]

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if raw:
            normalize_mobile(raw)
        return raw


class AreaChoiceField(forms.ModelChoiceField):
    """Areas are picked by their stable code, so a form posted twice or bookmarked stays valid."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, area: Area) -> str:
        return area.name


class HouseholdClaimForm(forms.Form):
    community = AreaChoiceField(Area.objects.of_level(Area.Level.COMMUNITY), label=_("Community"))
    building = AreaChoiceField(
        Area.objects.of_level(Area.Level.BUILDING),
        label=_("Building"),
        help_text=_("The building number as written on the door downstairs."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False)
    room = forms.CharField(label=_("Room"), max_length=16)
    relation = forms.ChoiceField(
        label=_("You are the household's"), choices=Residency.Relation.choices
    )

    def __init__(self, *args, community: Area | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.fields["community"].initial = community.code
            self.fields["building"].queryset = Area.objects.under(community).of_level(
                Area.Level.BUILDING
            )


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AreaCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("A stable code that never changes, used in links and imports."),
    )
    level = forms.TypedChoiceField(label=_("Level"), choices=Area.Level.choices, coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        Area._meta.get_field("code").run_validators(code)
        return code


class HouseholdCreateForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["unit", "room", "floor_area"]


class PartyRegistrationForm(forms.ModelForm):
    community = AreaChoiceField(
        Area.objects.of_level(Area.Level.COMMUNITY), label=_("Residential community")
    )

    class Meta:
        model = PartyRegistration
        fields = ["community", "home_organization", "show_publicly"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx) or CSV file"),
        help_text=_(
            "Filled in from a template. Nothing changes until you have seen the check and "
            "confirmed it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class InvitationClaimForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=32,
        help_text=_("The ten letters and digits on the slip from your residents' committee."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )


class BookingForm(forms.Form):
    """A day, a start and an end time; the form turns them into the aware datetimes
    `services.book_space` takes (`starts_at`, `ends_at`), so its errors land on these fields."""

    # The browser's own pickers read and write ISO values, whatever the page's language.
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    purpose = forms.CharField(
        label=_("What for"),
        max_length=200,
        help_text=_("e.g. a chess afternoon, a birthday tea, a meeting of building 3."),
    )
    attendees = forms.IntegerField(
        label=_("People attending"),
        min_value=1,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    organization = forms.ModelChoiceField(
        Organization.objects.none(), label=_("Booking for"), required=False
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organizations=None, for_myself: bool = True, **kwargs):
        """`organizations`: those the person may book for (None: only themselves)."""
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
            return
        field = self.fields["organization"]
        field.queryset = organizations
        if for_myself:
            field.empty_label = _("Myself")
        else:
            field.required = True
            field.empty_label = None

    def clean(self):
        cleaned = super().clean()
        day = cleaned.pop("day", None)
        for name in ("starts_at", "ends_at"):
            if day is not None and isinstance(cleaned.get(name), datetime.time):
                cleaned[name] = timezone.make_aware(datetime.datetime.combine(day, cleaned[name]))
        cleaned.setdefault("organization", None)
        return cleaned


class CancelBookingForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


# --- The notice board and the inbox ------------------------------------------------------------

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """The phone's own date and time picker; without it, "2025-05-01T09:00" typed by hand."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class MultipleDocumentInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to ten documents, each judged by its bytes in communities.documents."""

    widget = MultipleDocumentInput(attrs={"accept": ACCEPT})

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        if not isinstance(data, list | tuple) and data:
            uploads = [data]
        return clean_documents(uploads)


class NoticeForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.none(),
        label=_("Published by"),
        help_text=_("An organisation you belong to that serves this place."),
    )
    kind = forms.ChoiceField(label=_("Kind of notice"), choices=Notice.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachments = DocumentsField(
        label=_("Attach documents"),
        required=False,
        help_text=_(
            "PDF, JPEG or PNG pictures, Word (.docx) or Excel (.xlsx), at most 10 MB each: a "
            "convention, a self-management handbook, the receipts of a disclosure."
        ),
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty to publish now."),
    )
    unpublish_at = forms.DateTimeField(
        label=_("Take down at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty to keep it on the board."),
    )
    pinned = forms.BooleanField(label=_("Pin it at the top of the board"), required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].required = bool(organizations)
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk


class FinanceLineForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Income or spending"),
        choices=[("", "—"), *FinanceLine.Direction.choices],
        required=False,
    )
    item = forms.CharField(label=_("Item"), max_length=120, required=False)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean(self):
        cleaned = super().clean()
        filled = [cleaned.get(name) not in (None, "") for name in ("direction", "item", "amount")]
        if any(filled) and not all(filled):
            raise ValidationError(_("Give each line income or spending, an item and an amount."))
        return cleaned

    def as_item(self) -> FinanceItem | None:
        data = self.cleaned_data
        if not data.get("item"):
            return None
        return FinanceItem(direction=data["direction"], item=data["item"], amount=data["amount"])


FinanceLineFormSet = forms.formset_factory(
    FinanceLineForm, extra=5, max_num=60, absolute_max=60, validate_max=True
)


def finance_items(formset) -> list[FinanceItem]:
    return [item for form in formset.forms if (item := form.as_item()) is not None]


class NotificationPreferenceForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me these by e-mail, as they come"),
        choices=Notification.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    daily_digest = forms.BooleanField(
        label=_("Once a day, mail me a digest of my unread messages"),
        required=False,
        help_text=_("Messages already mailed on their own are not repeated in it."),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What will use the token"),
        max_length=60,
        help_text=_("A name you will recognise in this list, such as “12345 hotline”."),
    )
