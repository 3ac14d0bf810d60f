"""HTML forms for marketing set-up: lead sources, their spend, tracking numbers and web
forms. They only shape input; the sales set-up services (sales/services/setup.py) validate
it and write, so the pages, the API and any script obey the same rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.sales.models import LeadSource
from rapport.web.forms import DATE
from rapport.web.forms_sales import amount_field, currency_field
from rapport.web.helpers import PicoForm


def _sources() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.order_by("name"), required=True
    )


class SourceForm(PicoForm):
    name = forms.CharField(label=_("Name"), max_length=100, strip=False)
    kind = forms.ChoiceField(label=_("Channel"), choices=LeadSource.Kind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def of(cls, source: LeadSource) -> "SourceForm":
        return cls(
            initial={"name": source.name, "kind": source.kind, "is_active": source.is_active}
        )

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SpendForm(PicoForm):
    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)
    amount = amount_field(_("Amount"), required=True)
    currency = currency_field()
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TrackingNumberForm(PicoForm):
    # The service normalises and checks the number; the form only bounds its length.
    number = forms.CharField(label=_("Phone number"), max_length=40)
    source = _sources()
    description = forms.CharField(label=_("Where it is published"), required=False, max_length=200)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class WebFormForm(PicoForm):
    name = forms.CharField(label=_("Name"), max_length=100, strip=False)
    slug = forms.CharField(
        label=_("Slug"),
        max_length=60,
        help_text=_("The last part of the form's address: letters, digits and dashes."),
    )
    source = _sources()
    success_message = forms.CharField(label=_("Thank-you message"), required=False, max_length=300)
    redirect_url = forms.CharField(
        label=_("Redirect after submit"),
        required=False,
        max_length=200,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def of(cls, webform: Any) -> "WebFormForm":
        fields = ["name", "slug", "success_message", "redirect_url", "is_active"]
        initial = {name: getattr(webform, name) for name in fields}
        initial["source"] = webform.source_id
        return cls(initial=initial)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
