"""The contact list's filters behind the cohort heatmap and the cross-sell pairs, which this
app adds to the contacts' set (contacts cannot import analytics): `cohort` (the month of the
first counted purchase, as the last refresh stored it), `bought_in` (a booked or paid order in
that month) and `bought` (booked or paid orders of every one of these products). A heatmap
cell links to `?cohort=2025-02&bought_in=2025-05`, a pair to `?bought=12,15`."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from rapport.analytics.models import CustomerMetrics
from rapport.contacts.models import Contact
from rapport.core.filters import Filter, FilterError
from rapport.sales.models import Order, OrderLine, OrderStatus

COUNTED = [OrderStatus.BOOKED, OrderStatus.PAID]  # as the analytics count them
MAX_PRODUCTS = 5


def parse_month(raw: str) -> dt.date:
    """The first day of a "YYYY-MM" month (years 1900–2999)."""
    try:
        day = dt.date.fromisoformat(f"{raw}-01") if len(raw) == 7 else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2999:
        raise FilterError(_g("Give a month like 2026-05."))
    return day


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in the business's time zone (where the analytics count days)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (
        dt.datetime.combine(month, dt.time.min, tzinfo=zone),
        dt.datetime.combine(following, dt.time.min, tzinfo=zone),
    )


@dataclass(frozen=True, kw_only=True)
class MonthFilter(Filter):
    """A month, YYYY-MM; only read from the URL (the heatmap's links)."""

    in_bar: bool = False

    def parse(self, raw: str) -> dt.date:
        return parse_month(raw)


@dataclass(frozen=True, kw_only=True)
class ProductsFilter(Filter):
    """Comma-separated product ids (at most five), all of which the customer bought."""

    in_bar: bool = False
    widget: ClassVar[str] = "text"

    def parse(self, raw: str) -> tuple[int, ...]:
        try:
            ids = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}))
        except ValueError:
            ids = ()
        if not ids or len(ids) > MAX_PRODUCTS or not all(0 < pk < 2**63 for pk in ids):
            raise FilterError(
                _g("Give up to %(n)d product ids separated by commas, like 12,15.")
                % {"n": MAX_PRODUCTS}
            )
        return ids


def _cohort(contacts: QuerySet[Contact], month: dt.date, _user: Any) -> QuerySet[Contact]:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    first = CustomerMetrics.objects.filter(
        first_purchase__gte=month, first_purchase__lt=following
    ).values("contact_id")
    return contacts.filter(pk__in=first)


def _bought_in(contacts: QuerySet[Contact], month: dt.date, _user: Any) -> QuerySet[Contact]:
    start, end = month_bounds(month)
    orders = Order.objects.filter(
        contact_id=OuterRef("pk"), status__in=COUNTED, order_date__gte=start, order_date__lt=end
    )
    return contacts.filter(Exists(orders))


def _bought(contacts: QuerySet[Contact], ids: tuple[int, ...], _user: Any) -> QuerySet[Contact]:
    for product_id in ids:
        lines = OrderLine.objects.filter(
            order__contact_id=OuterRef("pk"), order__status__in=COUNTED, product_id=product_id
        )
        contacts = contacts.filter(Exists(lines))
    return contacts


COHORT = MonthFilter(
    name="cohort",
    label=_("First purchase in"),
    apply=_cohort,
    description="YYYY-MM: customers whose first counted purchase (last analytics refresh) "
    "fell in that month.",
)
BOUGHT_IN = MonthFilter(
    name="bought_in",
    label=_("Bought in"),
    apply=_bought_in,
    description="YYYY-MM: customers with a booked or paid order in that month.",
)
BOUGHT = ProductsFilter(
    name="bought",
    label=_("Bought the products"),
    apply=_bought,
    description="Comma-separated product ids (up to 5): customers with booked or paid orders "
    "of every one of them.",
)
