"""HTML forms for leads, deals, orders and marketing set-up (sources, spend, tracking numbers,
web forms). They shape input for the sales services, which do the real validation; amounts
are bounded (core.forms.amount_field) so that no absurd number reaches the money maths."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.forms import DATE, DATETIME, PicoForm, amount_field, currency_field, owner_choices
from rapport.sales.models import (
    ATTRIBUTION_FIELDS,
    LeadSource,
    LostReason,
    OrderChannel,
    OrderStatus,
    Pipeline,
)


class LeadForm(PicoForm):
    first_name = forms.CharField(label=_("First name"), required=False, strip=False)
    last_name = forms.CharField(label=_("Last name"), required=False, strip=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    company_name = forms.CharField(label=_("Company"), required=False)
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.filter(is_active=True), required=False
    )
    utm_source = forms.CharField(label=_("UTM source"), required=False)
    utm_medium = forms.CharField(label=_("UTM medium"), required=False)
    utm_campaign = forms.CharField(label=_("UTM campaign"), required=False)
    utm_term = forms.CharField(label=_("UTM term"), required=False)
    utm_content = forms.CharField(label=_("UTM content"), required=False)
    referrer = forms.CharField(
        label=pgettext_lazy("the web page a visitor came from", "Referrer"), required=False
    )
    landing_page = forms.CharField(label=_("Landing page"), required=False)
    gclid = forms.CharField(label="gclid", required=False)
    fbclid = forms.CharField(label="fbclid", required=False)

    CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "company_name", "message"]

    def service_data(self) -> dict[str, Any]:
        names = [*self.CONTACT_FIELDS, *ATTRIBUTION_FIELDS]
        return {name: self.cleaned_data.get(name) or "" for name in names}


class DisqualifyForm(PicoForm):
    reason = forms.CharField(label=_("Why is the lead disqualified?"), required=False)


class ConvertForm(PicoForm):
    deal_title = forms.CharField(
        label=_("Deal title"), required=False, help_text=_("Leave empty for “Deal with …”.")
    )
    amount = amount_field(_("Amount"))
    currency = currency_field(required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.all(), required=False
    )


class MoveForm(forms.Form):
    """A deal's move to another stage, from the board (drag or the "Move to…" menu)."""

    stage = forms.IntegerField()
    version = forms.IntegerField(required=False)
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True), required=False
    )
    lost_note = forms.CharField(required=False, max_length=300)


class DealForm(PicoForm):
    title = forms.CharField(label=_("Title"), required=False, strip=False)
    contact = forms.CharField(label=_("Customer"), required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.all(), required=False
    )
    amount = amount_field(_("Amount"), help_text=_("Leave empty to sum the products below."))
    currency = currency_field()
    expected_close_date = forms.DateField(label=_("Expected close"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["pipeline"] = data["pipeline"].pk if data.get("pipeline") else None
        data["owner"] = data["owner"].pk if data.get("owner") else None
        data["amount"] = str(data["amount"]) if data.get("amount") is not None else ""
        return data


class OrderForm(PicoForm):
    contact = forms.CharField(label=_("Customer"), required=False)
    order_date = forms.DateTimeField(
        label=_("Order date"),
        required=False,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Leave empty to use the current date and time."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=OrderChannel.choices, initial=OrderChannel.OFFICE
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=OrderStatus.choices, initial=OrderStatus.BOOKED
    )
    currency = currency_field()
    total = amount_field(_("Total"), help_text=_("Only for an order without lines."))
    promo_code = forms.CharField(label=_("Promo code"), required=False, max_length=50)


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OrderStatus.choices)


def _sources() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.order_by("name"), required=True
    )


class SourceForm(PicoForm):
    name = forms.CharField(label=pgettext_lazy("source", "Name"), max_length=100, strip=False)
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
    name = forms.CharField(label=pgettext_lazy("form", "Name"), max_length=100, strip=False)
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
