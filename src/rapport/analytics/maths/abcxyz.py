"""ABC (revenue share) and XYZ (regularity) classes of customers or products, and their 3 × 3
matrix.

Input `sales`, one row per order or order line:
  <id_column>  the item classified: contact_id for customers, product_id for products
  ordered_at   Date (or Datetime: its date)
  value        Decimal, integer or Float64, in the reporting currency
and optionally `items`, a frame whose <id_column> lists every item to classify (items without
sales in the window are then classified too: C and Z).

`complete_window(as_of, months=12, period="month")` → (start, end), the default window: the
last 12 complete months (or 4 complete quarters) before as_of.
`classify(sales, id_column=, start=, end=, items=, entity="customers"|"products",
period="month"|"quarter", a=0.80, b=0.95, x=, y=)` → one row per item, ranked by revenue:
  <id_column>              as given
  revenue                  Float64  its sales in the window [start, end] (both inclusive)
  revenue_share            Float64  its share of the window's positive revenue (0 for items
                                    without positive revenue; the shares sum to 1)
  cumulative_share_before  Float64  the shares of the items ranked above it
  abc                      String   "A", "B" or "C"
  active_periods           Int64    periods (months or quarters) with sales
  cv                       Float64  coefficient of variation of its revenue per period
                                    (null without positive revenue)
  xyz                      String   "X", "Y" or "Z"
`matrix(classes)` → abc, xyz, count (Int64), revenue, revenue_share (Float64): all 9 cells.

ABC (INTERFACES.md): items sorted by revenue, highest first (ties by id, so the result does
not depend on row order); an item is A while the cumulative share *before* it is below `a`
(0.80), B while it is below `b` (0.95), then C; items without positive revenue in the window
are C. The first item with revenue is always A.

XYZ: the coefficient of variation (population standard deviation ÷ mean) of the item's
revenue in each period of the window, periods without sales counted as 0; X when cv ≤ x,
Y when cv ≤ y, else Z; items without positive revenue are Z. The window must hold whole
periods (a cut one would look like a quiet one); x and y default to XYZ_DEFAULTS[entity,
period].

Why the XYZ defaults (`XYZ_DEFAULTS`) are not the textbook 10 % / 25 %: those come from
manufacturing, where an item sells every month. A travel customer books two or three times a
year, so most of their months are zeros: a customer who buys in k months of 12, the same amount
each time, has cv = √((12 − k)/k) — 3.3 for one booking, 2.2 for two, 1.7 for three, 1.0 for
six. With 10 % / 25 % everyone but a monthly buyer is Z. Measured on synthetic travel data
(`synthetic.travel_lines`: 5,000 and 200,000 customers, 422 products, the last 12 complete
months, X/Y/Z % of the items with revenue; `test_abcxyz.py` re-measures the small case):

  customers by month    classic 0/0/100 (both sizes)  defaults 1.0 / 2.0: 1/25/75
  customers by quarter  classic 0/0/100               defaults 0.6 / 1.2: 5/37/59
  products by month     classic 0/1/99 (5k), 0/44/56 (200k)
                                                      defaults 0.5 / 1.0: 6/46/48, 72/26/2
  products by quarter   classic 0/10/90, 2/57/41      defaults 0.3 / 0.6: 17/47/36, 67/27/6

So, by month: a customer is X who buys in about half the months or more at steady amounts
(a corporate client, a frequent traveller), Y who buys in about three months a year or more,
Z who buys once or twice a year or in one burst — most travel customers, truthfully. A product
is X when it sells all year at a steady pace, Y when seasonal (a summer-only destination has
cv ≈ 1), Z when it sells in a few months only. Quarter thresholds follow the same reading over
four periods (a customer in three quarters of four is X, in two is Y, in one is Z).
"""

import datetime as dt

import polars as pl

from rapport.analytics.maths import money
from rapport.analytics.maths.grouping import sum_by
from rapport.analytics.maths.inputs import ANY, DATE, MONEY, checked

PERIODS = {"month": "1mo", "quarter": "1q"}
DEFAULT_A = 0.80
DEFAULT_B = 0.95
ENTITIES = ("customers", "products")
# (x, y) per entity and period: see "Why the XYZ defaults" above.
XYZ_DEFAULTS = {
    ("customers", "month"): (1.0, 2.0),
    ("customers", "quarter"): (0.6, 1.2),
    ("products", "month"): (0.5, 1.0),
    ("products", "quarter"): (0.3, 0.6),
}
CLASSIC_XYZ = (0.10, 0.25)


def xyz_thresholds(entity: str, period: str = "month") -> tuple[float, float]:
    """The default (x, y) for customers or products measured by month or quarter."""
    if (entity, period) not in XYZ_DEFAULTS:
        raise ValueError(
            f"no XYZ defaults for {entity!r} by {period!r}: entity is one of "
            f"{', '.join(ENTITIES)}, period one of {', '.join(PERIODS)}"
        )
    return XYZ_DEFAULTS[(entity, period)]


def complete_window(
    as_of: dt.date, *, months: int = 12, period: str = "month"
) -> tuple[dt.date, dt.date]:
    """The last `months` months of complete periods before `as_of` (first day, last day),
    e.g. 2025-03-01 … 2026-02-28 for as_of 2026-03-15 or 2026-03-01 by month, and
    2025-01-01 … 2025-12-31 by quarter. The period holding `as_of` is never complete: its
    later days have not been seen."""
    size = _period_months(period)
    if months < 1 or months % size:
        raise ValueError(f"the window must be a whole number of {period}s")
    last_month = as_of.year * 12 + as_of.month - 1
    end_index = last_month - last_month % size  # the first month of the open period
    end = dt.date(end_index // 12, end_index % 12 + 1, 1) - dt.timedelta(days=1)
    start_index = end_index - months
    return dt.date(start_index // 12, start_index % 12 + 1, 1), end


def _period_months(period: str) -> int:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    return 3 if period == "quarter" else 1


def period_count(start: dt.date, end: dt.date, period: str) -> int:
    """How many whole periods (months or quarters) the window [start, end] holds, or a
    ValueError when it cuts one (a part-period would look like a quiet one)."""
    size = _period_months(period)
    after_end = end + dt.timedelta(days=1)
    first = start.year * 12 + start.month - 1
    last = after_end.year * 12 + after_end.month - 1
    if start.day != 1 or after_end.day != 1 or first % size or last % size:
        raise ValueError(
            f"the window {start} … {end} must start on the first day of a {period} and end "
            f"on the last day of one"
        )
    return (last - first) // size


def _check_thresholds(start: dt.date, end: dt.date, a: float, b: float, x: float, y: float) -> None:
    if start > end:
        raise ValueError("the window starts after it ends")
    if not 0 < a < b <= 1:
        raise ValueError("ABC thresholds need 0 < a < b ≤ 1 (such as 0.80 and 0.95)")
    if not 0 <= x < y:
        raise ValueError("XYZ thresholds need 0 ≤ x < y (such as 1.0 and 2.0)")


def classify(
    sales: pl.DataFrame,
    *,
    id_column: str,
    start: dt.date,
    end: dt.date,
    items: pl.DataFrame | None = None,
    entity: str = "customers",
    period: str = "month",
    a: float = DEFAULT_A,
    b: float = DEFAULT_B,
    x: float | None = None,
    y: float | None = None,
) -> pl.DataFrame:
    """ABC and XYZ class of every item (see the module docstring); `x` and `y` default to
    `xyz_thresholds(entity, period)`."""
    _period_months(period)  # names a bad period before the defaults are looked up
    default_x, default_y = xyz_thresholds(entity, period)
    x = default_x if x is None else x
    y = default_y if y is None else y
    _check_thresholds(start, end, a, b, x, y)
    frame = checked(sales, "sales", {id_column: ANY, "ordered_at": DATE, "value": MONEY})
    periods = period_count(start, end, period)
    size = _period_months(period)
    month = pl.col("ordered_at").dt.year().cast(pl.Int64) * 12 + pl.col("ordered_at").dt.month()
    index = (month - (start.year * 12 + start.month)) // size
    window = frame.filter(pl.col("ordered_at").is_between(start, end))
    per_period = sum_by(
        window, id_column, index, periods, [money.money_sum("value").alias("value")]
    )
    per_item = per_period.group_by(id_column, maintain_order=True).agg(
        money.money_sum("value").alias("revenue"),
        # squared cents reach 128 bits; summed as integers they are exact in any order
        (money.cents("value").cast(pl.Int128) ** 2)
        .sum()
        .cast(pl.Float64)
        .truediv(money.CENTS**2)
        .alias("squares"),
        (pl.col("value") != 0).sum().cast(pl.Int64).alias("active_periods"),
    )
    if items is not None:
        everyone = checked(items, "items", {id_column: ANY}).unique()
        per_item = everyone.join(per_item, on=id_column, how="full", coalesce=True)
    per_item = per_item.with_columns(
        pl.col("revenue").fill_null(0.0),
        pl.col("squares").fill_null(0.0),
        pl.col("active_periods").fill_null(0),
    )
    positive = pl.col("revenue").clip(lower_bound=0.0)
    total = money.money_sum(positive)
    share = pl.when(total > 0).then(positive / total).otherwise(0.0)
    mean = pl.col("revenue") / periods
    variance = (pl.col("squares") / periods - mean**2).clip(lower_bound=0.0)
    cv = pl.when(pl.col("revenue") > 0).then(variance.sqrt() / mean)
    ranked = per_item.sort(["revenue", id_column], descending=[True, False]).with_columns(
        share.alias("revenue_share"), cv.alias("cv")
    )
    before = pl.col("revenue_share").cum_sum() - pl.col("revenue_share")
    return ranked.with_columns(before.alias("cumulative_share_before")).select(
        id_column,
        "revenue",
        "revenue_share",
        "cumulative_share_before",
        pl.when(pl.col("revenue") <= 0)
        .then(pl.lit("C"))
        .when(pl.col("cumulative_share_before") < a)
        .then(pl.lit("A"))
        .when(pl.col("cumulative_share_before") < b)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
        .alias("abc"),
        "active_periods",
        "cv",
        pl.when(pl.col("cv").is_null())
        .then(pl.lit("Z"))
        .when(pl.col("cv") <= x)
        .then(pl.lit("X"))
        .when(pl.col("cv") <= y)
        .then(pl.lit("Y"))
        .otherwise(pl.lit("Z"))
        .alias("xyz"),
    )


def matrix(classes: pl.DataFrame) -> pl.DataFrame:
    """Items, revenue and revenue share per ABC × XYZ cell (all 9, A-X first)."""
    cells = pl.DataFrame(
        {"abc": [c for c in "ABC" for _ in "XYZ"], "xyz": [z for _ in "ABC" for z in "XYZ"]}
    )
    counts = classes.group_by("abc", "xyz").agg(
        pl.len().cast(pl.Int64).alias("count"),
        money.money_sum("revenue").alias("revenue"),
        money.money_sum(pl.col("revenue").clip(lower_bound=0.0)).alias("positive"),
    )
    # a cell's share from its exact positive revenue, not a float sum of its items' shares
    total = classes.select(money.money_sum(pl.col("revenue").clip(lower_bound=0.0))).item()
    counts = counts.with_columns(
        (pl.col("positive") / total if total > 0 else pl.lit(0.0)).alias("revenue_share")
    ).drop("positive")
    return cells.join(counts, on=["abc", "xyz"], how="left", maintain_order="left").with_columns(
        pl.col("count").fill_null(0),
        pl.col("revenue").fill_null(0.0),
        pl.col("revenue_share").fill_null(0.0),
    )
