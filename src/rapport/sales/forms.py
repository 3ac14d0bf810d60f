"""HTML forms for leads, deals, orders and the catalog. They shape input for the sales and
catalog services, which do the real validation; amounts are bounded here so that no absurd
number reaches the money maths."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Category, Product
from rapport.core.money import CURRENCY_CHOICES
from rapport.sales.models import (
    ATTRIBUTION_FIELDS,
    LeadSource,
    LostReason,
    OrderChannel,
    OrderStatus,
    Pipeline,
)
from rapport.web.forms import DATE, DATETIME, owner_choices
from rapport.web.helpers import PicoForm

MAX_AMOUNT = Decimal("999999999999.99")


def amount_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.Field:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def currency_field(required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Currency"),
        choices=CURRENCY_CHOICES,
        initial=settings.RAPPORT_DEFAULT_CURRENCY,
        required=required,
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
    referrer = forms.CharField(label=_("Referrer"), required=False)
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
        help_text=_("Leave empty for now."),
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


class ProductForm(PicoForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices)
    name = forms.CharField(label=_("Name"), required=False, strip=False)
    sku = forms.CharField(label=_("Code"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    destination = forms.CharField(label=_("Destination"), required=False)
    departure_date = forms.DateField(label=_("Departure"), required=False, widget=DATE)
    return_date = forms.DateField(label=_("Return"), required=False, widget=DATE)
    hotel_category = forms.IntegerField(
        label=_("Hotel stars"), required=False, min_value=1, max_value=5
    )
    price = amount_field(_("Price"), required=True)
    currency = currency_field()
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    FIELDS = ["kind", "name", "sku", "destination", "departure_date", "return_date",
              "hotel_category", "price", "currency", "description", "is_active"]  # fmt: skip

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        category = self.cleaned_data.get("category")
        data["category"] = category.pk if category else None
        data["price"] = str(data["price"])
        return data


def amount_error(text: str) -> str | None:
    """Why a typed amount cannot be a price (None when it can): the services' money maths
    expects a plain number of sensible size."""
    from decimal import InvalidOperation

    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        return str(_("Enter a valid amount, like 123.45."))
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        return str(_("Enter a valid amount, like 123.45."))
    return None
