"""The catalog's HTML form: a product. It shapes input for the catalog services, which do
the real validation."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.catalog.models import Category, Product
from rapport.core.forms import DATE, PicoForm, amount_field, currency_field


class ProductForm(PicoForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices)
    name = forms.CharField(label=pgettext_lazy("product", "Name"), required=False, strip=False)
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
