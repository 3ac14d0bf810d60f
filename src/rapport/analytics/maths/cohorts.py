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
    return column.dt.year() * 12 + column.dt.month().cast(pl.Int32) - 1


def monthly_cohorts(orders: pl.DataFrame, *, as_of: dt.date) -> pl.DataFrame:
    """The cohort triangle described in the module docstring."""
    months = (
        orders_until(orders, as_of)
        .group_by("contact_id", _month_index(pl.col("ordered_at")).alias("month"))
        .agg(pl.col("value").sum())
    )
    if months.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    months = months.with_columns(pl.col("month").min().over("contact_id").alias("first"))
    cells = months.group_by("first", (pl.col("month") - pl.col("first")).alias("months_since")).agg(
        pl.len().cast(pl.Int64).alias("customers"), pl.col("value").sum().alias("revenue")
    )
    last = as_of.year * 12 + as_of.month - 1
    sizes = cells.filter(pl.col("months_since") == 0).select(
        "first", pl.col("customers").alias("cohort_size")
    )
    triangle = sizes.with_columns(
        pl.int_ranges(0, last - pl.col("first") + 1, dtype=pl.Int32).alias("months_since")
    ).explode("months_since")
    return (
        triangle.join(cells, on=["first", "months_since"], how="left")
        .select(
            pl.date(pl.col("first") // 12, pl.col("first") % 12 + 1, 1).alias("cohort"),
            pl.col("months_since").cast(pl.Int32),
            "cohort_size",
            pl.col("customers").fill_null(0),
            pl.col("revenue").fill_null(0.0),
            (pl.col("customers").fill_null(0) / pl.col("cohort_size")).alias("retention"),
        )
        .sort("cohort", "months_since")
    )
