"""The product list's filters, shared by the catalog page, the API list and the export."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Category, Product
from rapport.core.filters import (
    BoolFilter,
    ChoiceFilter,
    DateRangeFilter,
    IdFilter,
    SearchFilter,
    TextFilter,
    equals,
    period_filter,
)
from rapport.core.filtersets import FilterSet


def _search(products: QuerySet[Product], q: str, _user: Any) -> QuerySet[Product]:
    """Every word starts the code or the destination, or is in the name."""
    for word in q.split():
        products = products.filter(
            Q(name__icontains=word) | Q(destination__istartswith=word) | Q(sku__istartswith=word)
        )
    return products


def _categories() -> list[tuple[int, str]]:
    return list(Category.objects.order_by("name").values_list("pk", "name"))


PRODUCT_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Name, destination or code"),
        apply=_search,
        description="Each word in the name, or starting the destination or the code.",
    ),
    ChoiceFilter(
        name="kind",
        label=_("Kind"),
        any_label=_("Any kind"),
        choices=lambda: Product.Kind.choices,
        apply=equals("kind"),
    ),
    IdFilter(
        name="category",
        label=_("Category"),
        any_label=_("Any category"),
        choices=_categories,
        apply=equals("category_id"),
    ),
    BoolFilter(
        name="active",
        label=_("On sale"),
        true_label=_("On sale"),
        false_label=_("Off sale"),
        any_label=_("All products"),
        web_default="true",  # the page lists what is on sale unless asked otherwise
        apply=equals("is_active"),
        description="On sale (true) or not (false); `all` or nothing for both.",
    ),
    TextFilter(
        name="destination",
        label=_("Destination"),
        apply=lambda products, value, _user: products.filter(destination__iexact=value),
        in_bar=False,
        description="Exact, any case.",
    ),
    DateRangeFilter(
        name="departure",
        label=_("Departure"),
        after="departs_after",
        before="departs_before",
        before_inclusive=False,
        apply=period_filter("departure_date", dates=True),
        in_bar=False,
    ),
)
