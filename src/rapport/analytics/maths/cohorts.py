"""Monthly acquisition cohorts × months since the first purchase.

Input `orders` as in `purchases` (contact_id, ordered_at Date or Datetime, value); orders after
`as_of` are ignored.

`monthly_cohorts(orders, as_of=)` → one row per cohort and month since its first purchase, the
whole triangle up to the month of `as_of` (months in which nobody came back have 0):
  cohort         Date     first day of the month of the customers' first purchase
  months_since   Int32    0 = the acquisition month itself
  cohort_size    Int64    customers whose first purchase fell in the cohort month
  customers      Int64    of them, those who bought in that month (never above cohort_size;
                          equal to it at months_since 0)
  revenue        Float64  what the cohort spent in that month
  retention      Float64  customers / cohort_size
Rows are sorted by cohort, then months_since. The month of `as_of` is included although not
over yet, so its last column reads as "so far".

`monthly_cohorts_by(orders, as_of=, by=)` → (the triangle of all orders, {value: the triangle
of that value's orders}) for a column `by` that is the same on all of a customer's orders (an
audience): the same triangles as `monthly_cohorts` of each part, each customer's months summed
once instead of once per part.
"""

import datetime as dt
from typing import Any

import polars as pl

from rapport.analytics.maths import money
from rapport.analytics.maths.grouping import run_start, sum_by
from rapport.analytics.maths.inputs import ANY, checked
from rapport.analytics.maths.purchases import ORDERS, orders_until

SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "cohort": pl.Date,
    "months_since": pl.Int32,
    "cohort_size": pl.Int64,
    "customers": pl.Int64,
    "revenue": pl.Float64,
    "retention": pl.Float64,
}


def _month_index(column: pl.Expr) -> pl.Expr:
    return column.dt.year().cast(pl.Int64) * 12 + column.dt.month().cast(pl.Int64) - 1


def monthly_cohorts(orders: pl.DataFrame, *, as_of: dt.date) -> pl.DataFrame:
    """The cohort triangle described in the module docstring."""
    frame = orders_until(orders, as_of)
    if frame.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    first_seen, span, months = _customer_months(frame, as_of, [])
    return _triangle(_cells(months, span), span, first_seen)


def monthly_cohorts_by(
    orders: pl.DataFrame, *, as_of: dt.date, by: str
) -> tuple[pl.DataFrame, dict[Any, pl.DataFrame]]:
    """`monthly_cohorts` of all `orders`, and of each non-null value of the column `by`
    (the same on all of a customer's orders: a customer's audience), at once: each
    customer's months are summed once, then their cells are counted per value (a cohort is
    a customer's first month, whichever part of the orders they are counted in)."""
    frame = checked(orders, "orders", ORDERS | {by: ANY}, nullable=[by])
    frame = frame.filter(pl.col("ordered_at") <= as_of)
    if frame.is_empty():
        return pl.DataFrame(schema=SCHEMA), {}
    first_seen, span, months = _customer_months(frame, as_of, [pl.col(by).first()])
    whole = _triangle(_cells(months, span), span, first_seen)
    parts = months.filter(pl.col(by).is_not_null()).partition_by(
        by, as_dict=True, include_key=False
    )
    return whole, {
        key: _triangle(_cells(part, span), span, first_seen) for (key,), part in parts.items()
    }


def _customer_months(
    frame: pl.DataFrame, as_of: dt.date, keep: list[pl.Expr]
) -> tuple[int, int, pl.DataFrame]:
    """(first month index, months up to as_of's, contact_id, index, value and `keep` per
    customer and month, sorted by customer then month)."""
    last = as_of.year * 12 + as_of.month - 1
    first_seen: int = frame.select(_month_index(pl.col("ordered_at").min())).item()
    span = last - first_seen + 1
    index = _month_index(pl.col("ordered_at")) - first_seen
    aggs = [money.money_sum("value").alias("value"), *keep]
    return first_seen, span, sum_by(frame, "contact_id", index, span, aggs)


def _cells(months: pl.DataFrame, span: int) -> pl.DataFrame:
    """first (cohort month index), months_since, customers, revenue of every non-empty cell."""
    # Sorted by customer then month: a customer's first row is their cohort.
    cohort = run_start("contact_id", "index")
    return (
        months.select(cohort.alias("cohort"), pl.col("index") - cohort, "value")
        .group_by((pl.col("cohort") * span + pl.col("index")).alias("cell"))
        .agg(pl.len().cast(pl.Int64).alias("customers"), money.money_sum("value").alias("revenue"))
        .select(
            (pl.col("cell") // span).alias("first"),
            (pl.col("cell") % span).cast(pl.Int32).alias("months_since"),
            "customers",
            "revenue",
        )
    )


def _triangle(cells: pl.DataFrame, span: int, first_seen: int) -> pl.DataFrame:
    """The whole triangle of `cells` (`_cells`), months in which nobody came back as 0."""
    sizes = cells.filter(pl.col("months_since") == 0).select(
        "first", pl.col("customers").alias("cohort_size")
    )
    triangle = sizes.with_columns(
        pl.int_ranges(0, span - pl.col("first"), dtype=pl.Int32).alias("months_since")
    ).explode("months_since")
    month = pl.col("first") + first_seen
    return (
        triangle.join(cells, on=["first", "months_since"], how="left")
        .select(
            pl.date(month // 12, month % 12 + 1, 1).alias("cohort"),
            "months_since",
            "cohort_size",
            pl.col("customers").fill_null(0),
            pl.col("revenue").fill_null(0.0),
            (pl.col("customers").fill_null(0) / pl.col("cohort_size")).alias("retention"),
        )
        .sort("cohort", "months_since")
    )
