"""Each customer's purchase history summed up, with lifetimes' conventions (INTERFACES.md).

Input `orders`, one row per order (or per order line: rows are summed per day):
  contact_id   integer (or string) id
  ordered_at   Date, or Datetime (its date is used: convert to the business's zone first)
  value        Decimal, integer or Float64, in the reporting currency
Only orders that count (booked or paid, converted to the reporting currency) are passed in;
orders after `as_of` are ignored. A zero value is a purchase worth 0.

A *purchase* is a customer's day with at least one order: several orders on one day are one
purchase of their summed value (lifetimes' `summary_data_from_transaction_data` with
freq="D" does the same).

`customer_summary(orders, as_of=)` → one row per customer with a purchase on or before as_of:
  contact_id          as given
  orders              Int64    order rows on or before as_of
  purchase_days       Int64    days with a purchase (≥ 1)
  frequency           Int64    repeat purchase days = purchase_days − 1
  first_purchase      Date
  last_purchase       Date
  recency_days        Int64    as_of − last_purchase: INTERFACES' "recency", days SINCE the
                               last purchase (RFM's R; lower is better)
  T_days              Int64    as_of − first_purchase (the customer's age)
  first_to_last_days  Int64    last_purchase − first_purchase: what *lifetimes* calls
                               `recency` (the age at the last purchase); 0 without repeats.
                               recency_days + first_to_last_days = T_days.
  total_revenue       Float64  sum of every purchase, the first included
  monetary            Float64  mean value of the repeat purchases (the first day excluded),
                               0 without repeats (lifetimes' `monetary_value`)

`lifetimes_frame(summary, unit_days=)` → the columns the BG/NBD and Gamma-Gamma models take,
named as lifetimes names them: contact_id, frequency, recency (= first_to_last_days),
T (= T_days) in units of `unit_days` days (Float64), monetary_value.
"""

import datetime as dt

import polars as pl

from rapport.analytics.maths import money
from rapport.analytics.maths.grouping import sum_by
from rapport.analytics.maths.inputs import ANY, DATE, MONEY, checked

ORDERS = {"contact_id": ANY, "ordered_at": DATE, "value": MONEY}


def orders_until(orders: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The checked orders on or before `as_of` (contact_id, ordered_at as Date, value)."""
    frame = checked(orders, "orders", ORDERS)
    return frame.filter(pl.col("ordered_at") <= as_of)


def _days(frame: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, dt.date]:
    """Per customer and purchase day (contact_id, index = days after the first date seen,
    value, orders), sorted by customer then day; and that first date."""
    first_seen: dt.date = frame.select(pl.col("ordered_at").min()).item() or as_of
    span = (as_of - first_seen).days + 1
    index = (pl.col("ordered_at") - pl.lit(first_seen)).dt.total_days()
    aggs = [money.money_sum("value").alias("value"), pl.len().cast(pl.Int64).alias("orders")]
    return sum_by(frame, "contact_id", index, span, aggs), first_seen


def purchases(orders: pl.DataFrame, *, as_of: dt.date) -> pl.DataFrame:
    """One row per customer and purchase day: contact_id, day (Date), value (Float64, the
    day's orders summed), orders (Int64, how many); sorted by customer, then day."""
    days, first_seen = _days(orders_until(orders, as_of), as_of)
    day = pl.lit(first_seen) + pl.duration(days=pl.col("index"))
    return days.select("contact_id", day.alias("day"), "value", "orders")


def customer_summary(orders: pl.DataFrame, *, as_of: dt.date) -> pl.DataFrame:
    """The per-customer summary described in the module docstring."""
    days, first_seen = _days(orders_until(orders, as_of), as_of)
    # The days are sorted within each customer: the first row is the first purchase.
    summary = days.group_by("contact_id", maintain_order=True).agg(
        pl.col("orders").sum(),
        pl.len().cast(pl.Int64).alias("purchase_days"),
        pl.col("index").first().alias("first"),
        pl.col("index").last().alias("last"),
        # exact cent sums: a float sum's order, so its last bits, changes from run to run
        money.money_sum("value").alias("total_revenue"),
        money.money_mean(pl.col("value").slice(1)).alias("monetary"),
    )
    until = (as_of - first_seen).days
    return summary.select(
        pl.col("contact_id"),
        pl.col("orders"),
        pl.col("purchase_days"),
        (pl.col("purchase_days") - 1).alias("frequency"),
        (pl.lit(first_seen) + pl.duration(days=pl.col("first"))).alias("first_purchase"),
        (pl.lit(first_seen) + pl.duration(days=pl.col("last"))).alias("last_purchase"),
        (until - pl.col("last")).alias("recency_days"),
        (until - pl.col("first")).alias("T_days"),
        (pl.col("last") - pl.col("first")).alias("first_to_last_days"),
        pl.col("total_revenue"),
        pl.col("monetary").fill_null(0.0),
    )


def lifetimes_frame(summary: pl.DataFrame, *, unit_days: float = 1.0) -> pl.DataFrame:
    """lifetimes' (frequency, recency, T, monetary_value) from `customer_summary`, with
    recency and T in units of `unit_days` days (7 for weeks). Note that lifetimes' freq="W"
    counts purchases per *week*, while Rapport always counts them per day (INTERFACES.md);
    dividing the day counts by 7 changes the time unit only."""
    if unit_days <= 0:
        raise ValueError("unit_days must be a positive number of days")
    return summary.select(
        pl.col("contact_id"),
        pl.col("frequency").cast(pl.Float64),
        (pl.col("first_to_last_days") / unit_days).alias("recency"),
        (pl.col("T_days") / unit_days).alias("T"),
        pl.col("monetary").alias("monetary_value"),
    )
