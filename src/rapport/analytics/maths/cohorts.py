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
"""

import datetime as dt

import polars as pl

from rapport.analytics.maths import money
from rapport.analytics.maths.grouping import run_start, sum_by
from rapport.analytics.maths.purchases import orders_until

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
    last = as_of.year * 12 + as_of.month - 1
    first_seen = frame.select(_month_index(pl.col("ordered_at").min())).item()
    span = last - first_seen + 1
    index = _month_index(pl.col("ordered_at")) - first_seen
    months = sum_by(frame, "contact_id", index, span, [money.money_sum("value").alias("value")])
    # Sorted by customer then month: a customer's first row is their cohort.
    cohort = run_start("contact_id", "index")
    cells = (
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
