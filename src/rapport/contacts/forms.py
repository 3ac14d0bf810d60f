"""The contacts app's HTML forms. They only shape input for the services, which do the real
validation."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.contacts.models import (
    ConsentChannel,
    ConsentPurpose,
    ConsentStatus,
    ContactEmail,
    ContactPhone,
    CustomField,
    Gender,
    LifecycleStage,
    LifeEvent,
    RelationKind,
)
from rapport.core.forms import DATE, PicoForm, owner_choices


def add_custom_fields(form: forms.Form, entity: str, values: dict[str, Any]) -> list[str]:
    """An input per custom field an admin defined; the service checks the values."""
    names = []
    for field in CustomField.objects.filter(entity=entity):
        name = f"custom_{field.key}"
        kind = field.field_type
        initial = values.get(field.key)
        options = [(str(c), str(c)) for c in field.choices]
        formfield: forms.Field
        if kind == CustomField.FieldType.BOOLEAN:
            formfield = forms.TypedChoiceField(
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], required=False
            )
            initial = "yes" if initial is True else "no" if initial is False else ""
        elif kind == CustomField.FieldType.CHOICE:
            formfield = forms.ChoiceField(choices=[("", "—"), *options], required=False)
        elif kind == CustomField.FieldType.MULTI_CHOICE:
            formfield = forms.MultipleChoiceField(
                choices=options, required=False, widget=forms.CheckboxSelectMultiple
            )
        elif kind == CustomField.FieldType.DATE:
            formfield = forms.CharField(
                required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        elif kind == CustomField.FieldType.NUMBER:
            formfield = forms.CharField(
                required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
            )
        else:
            formfield = forms.CharField(required=False)
        formfield.label = field.label
        formfield.required = False  # the service reports a missing required value by name
        form.fields[name] = formfield
        form.initial.setdefault(name, initial)
        names.append(name)
    return names


class CustomFieldsMixin:
    custom_names: list[str]

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_names]  # type: ignore[index]


def custom_data(form: forms.Form, names: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in names:
        value = form.cleaned_data.get(name)
        if value in ("yes", "no") and isinstance(form.fields[name], forms.TypedChoiceField):
            value = value == "yes"
        data[name.removeprefix("custom_")] = value
    return data


class ContactForm(CustomFieldsMixin, PicoForm):
    first_name = forms.CharField(label=_("First name"), required=False, strip=False)
    last_name = forms.CharField(label=_("Last name"), required=False, strip=False)
    middle_name = forms.CharField(label=_("Middle name"), required=False, strip=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices]
    )
    language = forms.CharField(
        label=_("Preferred language"),
        required=False,
        help_text=_("A language code: en, uk, ru, lt…"),
    )
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), choices=LifecycleStage.choices, initial="prospect"
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    company = forms.CharField(label=_("Company"), required=False)
    referred_by = forms.CharField(label=_("Referred by"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    country = forms.CharField(
        label=_("Country"), required=False, help_text=_("Two letters, like UA or LT.")
    )
    address = forms.CharField(label=_("Address"), required=False)
    source = forms.CharField(label=_("Source"), required=False)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )
    external_id = forms.CharField(label=_("External id"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm_duplicate = forms.BooleanField(
        label=_("Yes, this is a different person; create the contact anyway."), required=False
    )

    PROFILE_FIELDS = [
        "first_name", "last_name", "middle_name", "birth_date", "gender", "language",
        "lifecycle_stage", "owner", "city", "country", "address", "source", "tags",
        "external_id", "notes",
    ]  # fmt: skip

    def __init__(self, *args: Any, custom: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()  # type: ignore[attr-defined]
        self.custom_names = add_custom_fields(self, CustomField.Entity.CONTACT, custom or {})

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.PROFILE_FIELDS}
        data["birth_date"] = data["birth_date"] or None
        owner = data.pop("owner")
        if owner is not None:
            data["owner"] = owner.pk
        data["company"] = self.cleaned_data.get("company") or None
        data["referred_by"] = self.cleaned_data.get("referred_by") or None
        data["custom"] = custom_data(self, self.custom_names)
        return data


def entry_rows(request_data: Any, prefix: str) -> list[dict[str, Any]]:
    """The e-mail or phone rows a form posted: value, kind, which one is primary."""
    values = request_data.getlist(f"{prefix}_value")
    kinds = request_data.getlist(f"{prefix}_kind")
    primary = request_data.get(f"{prefix}_primary", "0")
    return [
        {
            "value": value,
            "kind": kinds[i] if i < len(kinds) else "",
            "is_primary": str(i) == primary,
        }
        for i, value in enumerate(values)
    ]


def entry_kinds(prefix: str) -> list[tuple[str, Any]]:
    return ContactEmail.Kind.choices if prefix == "email" else ContactPhone.Kind.choices


class CompanyForm(CustomFieldsMixin, PicoForm):
    name = forms.CharField(label=pgettext_lazy("company", "Name"), required=False, strip=False)
    website = forms.CharField(label=_("Website"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    industry = forms.CharField(label=_("Industry"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    country = forms.CharField(
        label=_("Country"), required=False, help_text=_("Two letters, like UA or LT.")
    )
    address = forms.CharField(label=_("Address"), required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    external_id = forms.CharField(label=_("External id"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = ["name", "website", "email", "phone", "industry", "city", "country", "address",
              "external_id", "notes"]  # fmt: skip

    def __init__(self, *args: Any, custom: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()  # type: ignore[attr-defined]
        self.custom_names = add_custom_fields(self, CustomField.Entity.COMPANY, custom or {})

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        if self.cleaned_data.get("owner") is not None:
            data["owner"] = self.cleaned_data["owner"].pk
        data["custom"] = custom_data(self, self.custom_names)
        return data


class ConsentForm(PicoForm):
    auto_id = "consent_%s"
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ConsentStatus.choices)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        help_text=_("Where the consent came from: web form, call, paper…"),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What proves it: a form submission id, a call recording, a scan."),
    )


class RelationForm(PicoForm):
    auto_id = "relation_%s"
    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    related = forms.CharField(label=_("Person"))


class LifeEventForm(PicoForm):
    auto_id = "life_event_%s"
    kind = forms.ChoiceField(label=_("Event"), choices=LifeEvent.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False)
    recurring = forms.BooleanField(label=_("Every year"), required=False)
