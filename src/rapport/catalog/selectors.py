"""Reads of the catalog. Every role may see every product, so nothing here is scoped by user."""

import datetime as dt
from functools import reduce
from operator import and_

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from rapport.catalog.models import Product

PICKER_LIMIT = 20

# The picker's groups, in the order it shows them.
UPCOMING, UNDATED, DEPARTED = 0, 1, 2


def product_matches(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    """Products whose name, destination or code has a word starting with each typed word.

    `istartswith`/`icontains` fold case in every script on both databases (PostgreSQL's
    ILIKE; core.sqlite's LIKE on SQLite)."""
    conditions = [
        Q(name__istartswith=word)
        | Q(name__icontains=f" {word}")
        | Q(destination__istartswith=word)
        | Q(destination__icontains=f" {word}")
        | Q(sku__istartswith=word)
        for word in q.split()[:5]
    ]
    return products.filter(reduce(and_, conditions)) if conditions else products


def product_choices(q: str, *, today: dt.date, limit: int = PICKER_LIMIT) -> list[Product]:
    """Products on sale for the order and deal pickers: upcoming departures first (soonest
    first), then products without a date, then departures already past (latest first).
    Each product carries `group` (UPCOMING, UNDATED or DEPARTED)."""
    products = product_matches(Product.objects.filter(is_active=True), q.strip()[:100])
    products = products.annotate(
        group=Case(
            When(departure_date__gte=today, then=Value(UPCOMING)),
            When(departure_date__isnull=True, then=Value(UNDATED)),
            default=Value(DEPARTED),
            output_field=IntegerField(),
        )
    )
    upcoming = products.filter(group=UPCOMING).order_by("departure_date", "name", "id")
    undated = products.filter(group=UNDATED).order_by("name", "id")
    departed = products.filter(group=DEPARTED).order_by("-departure_date", "name", "id")
    chosen: list[Product] = []
    for part in (upcoming, undated, departed):
        if len(chosen) < limit:
            chosen.extend(part[: limit - len(chosen)])
    return chosen


def label_product_rows(rows: list[dict[str, str]], key: str = "product") -> None:
    """Give each form row whose `key` holds a product id that product's name as `label`, so
    that a form shown again (after an error) keeps the picked products readable."""
    ids = {int(row[key]) for row in rows if str(row.get(key, "")).isdigit()}
    names = dict(Product.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    for row in rows:
        value = str(row.get(key, ""))
        row["label"] = names.get(int(value), "") if value.isdigit() else ""
