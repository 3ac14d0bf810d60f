"""Conversions and revenue attributed to an exposure (a campaign's message, its holdout's
launch, a scenario's step), per group, read in bulk.

An *exposure* is (contact, exposed at, group): "treated", "holdout", a variant… A contact
*converts* in a group when they place an order that counts (booked or paid; cancelled and
refunded ones never count) within the attribution window after their exposure:
exposed_at ≤ order_date < exposed_at + RAPPORT_ATTRIBUTION_DAYS days. A contact exposed more
than once in a group counts once, from their first exposure. Revenue is the sum of those
orders, converted to the reporting currency (settings.RAPPORT_DEFAULT_CURRENCY) with the
stored exchange rates as customer analytics converts them (`analytics.currency`): an order in
a currency with no rate valid on its day is left out of the revenue (and counted in
`left_out`), never silently; it still makes its contact a converter.

`attribute` and `totals` are pure Polars; `measure` reads the exposures a queryset gives and
the orders of those contacts in one query each (never a query per contact).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import BigIntegerField, FloatField, Func, QuerySet
from django.db.models.functions import Cast

from rapport.analytics.currency import convert
from rapport.analytics.inputs import business_zone, load_rates
from rapport.analytics.loaders import frame
from rapport.analytics.selectors import reporting_currency
from rapport.campaigns import config
from rapport.campaigns.uplift import Group
from rapport.sales.models import Order, OrderStatus

COUNTED = [OrderStatus.BOOKED.value, OrderStatus.PAID.value]
DAY = 86_400
EXPOSURES_SCHEMA = {"contact_id": pl.Int64, "exposed_at": pl.Int64, "group": pl.String}
ORDERS_SCHEMA = {
    "order_id": pl.Int64,
    "contact_id": pl.Int64,
    "at": pl.Int64,
    "value": pl.Float64,
    "currency": pl.String,
}


class Epoch(Func):
    """A timestamp as whole seconds since 1970 (UTC), alike on SQLite and PostgreSQL."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # "%%%%s": Func's own formatting and the cursor's each halve the percent signs
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # FLOOR: whole seconds cut as SQLite's strftime cuts them (a cast would round)
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def attribute(exposures: pl.DataFrame, orders: pl.DataFrame, *, days: int) -> pl.DataFrame:
    """The orders that count for each exposure: one row per (group, contact, order) whose
    order falls in the contact's window in that group (columns of `orders` plus `group`)."""
    first = exposures.group_by("contact_id", "group").agg(pl.col("exposed_at").min())
    return (
        first.join(orders, on="contact_id", how="inner")
        .filter(
            (pl.col("at") >= pl.col("exposed_at"))
            & (pl.col("at") < pl.col("exposed_at") + days * DAY)
        )
        .drop("exposed_at")
    )


@dataclass(frozen=True)
class Attribution:
    """Each group's contacts, converters and revenue (in `currency`), the window used and
    the attributed orders left out of the revenue for want of an exchange rate."""

    groups: dict[str, Group]
    currency: str
    days: int
    left_out: int

    def group(self, name: str) -> Group:
        return self.groups.get(name, Group(0, 0))

    def combined(self, names: list[str]) -> Group:
        parts = [self.group(n) for n in names]
        return Group(
            contacts=sum(p.contacts for p in parts),
            conversions=sum(p.conversions for p in parts),
            revenue=sum((p.revenue for p in parts), Decimal(0)),
        )


def totals(
    exposures: pl.DataFrame,
    orders: pl.DataFrame,
    rates: pl.DataFrame,
    *,
    days: int,
    currency: str,
    zone: dt.tzinfo,
) -> Attribution:
    """Per group: distinct contacts exposed, contacts with an order in their window, and
    the revenue of those orders in `currency` (module docstring)."""
    counted = attribute(exposures, orders, days=days)
    contacts = exposures.group_by("group").agg(pl.col("contact_id").n_unique().alias("n"))
    converters = counted.group_by("group").agg(pl.col("contact_id").n_unique().alias("n"))
    dated = counted.with_columns(
        pl.from_epoch("at", time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(str(zone))
        .dt.date()
        .alias("ordered_at")
    )
    conversion = convert(dated, rates, currency=currency)
    revenue = conversion.orders.group_by("group").agg(pl.col("value").sum().alias("value"))
    converted = dict(converters.iter_rows())
    earned = dict(revenue.iter_rows())
    groups = {
        str(name): Group(
            contacts=int(n),
            conversions=int(converted.get(name, 0)),
            revenue=Decimal(str(round(float(earned.get(name) or 0.0), 2))),
        )
        for name, n in contacts.iter_rows()
    }
    return Attribution(groups=groups, currency=currency, days=days, left_out=conversion.left_out)


def measure(exposures: QuerySet[Any], *, days: int | None = None) -> Attribution:
    """`totals` for the exposures a queryset gives as `values_list("contact_id", <epoch
    seconds>, <group>)` (use `Epoch` for the time): one read of them, one read of the
    counting orders of those contacts from the first exposure to the last window's end, one
    of the exchange rates."""
    days = config.attribution_days() if days is None else days
    sql, params = exposures.query.sql_with_params()
    seen = frame(sql, list(params), EXPOSURES_SCHEMA)
    currency = reporting_currency()
    if seen.is_empty():
        return Attribution(groups={}, currency=currency, days=days, left_out=0)
    start = dt.datetime.fromtimestamp(int(seen["exposed_at"].min()), tz=dt.UTC)  # type: ignore[arg-type]
    end = dt.datetime.fromtimestamp(int(seen["exposed_at"].max()) + days * DAY + 1, tz=dt.UTC)  # type: ignore[arg-type]
    orders = (
        Order.objects.filter(
            status__in=COUNTED,
            contact_id__in=exposures.values("contact_id"),
            order_date__gte=start,
            order_date__lt=end,
        )
        .order_by()
        .annotate(_at=Epoch("order_date"), _value=Cast("total", FloatField()))
        .values_list("pk", "contact_id", "_at", "_value", "currency")
    )
    order_sql, order_params = orders.query.sql_with_params()
    return totals(
        seen,
        frame(order_sql, list(order_params), ORDERS_SCHEMA),
        load_rates(),
        days=days,
        currency=currency,
        zone=business_zone(),
    )
