"""Orders converted to the reporting currency with stored exchange rates (no Django here).

Input `orders`: one row per order with at least `ordered_at` (Date), `value` (Float64) and
`currency` (String); `rates`: currency (String), rate (Float64: reporting-currency units per
unit), valid_from (Date). An order is converted with the latest rate of its currency valid on
its day, rounded exactly to the cent (`money.converted`: so that sums of converted amounts are
exact and the same on every run); orders in the reporting currency keep their value (rate 1).
An order with no such rate is *left out*, never silently: `convert` returns the kept orders
and, per currency, how many orders were converted with which rates and how many were left out.
"""

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from rapport.analytics.maths import money

RATES_SCHEMA = {"currency": pl.String, "rate": pl.Float64, "valid_from": pl.Date}


@dataclass(frozen=True)
class CurrencyUse:
    """What happened to the orders of one foreign currency."""

    currency: str
    converted: int  # orders converted
    left_out: int  # orders without a rate valid on their day
    left_out_value: float  # their value, in their own currency
    first_rate_from: dt.date | None  # the first day any rate of the currency is valid
    rates: list[tuple[dt.date, float, int]] = field(default_factory=list)
    # (valid_from, rate, orders converted with it), oldest first


@dataclass(frozen=True)
class Conversion:
    orders: pl.DataFrame  # the kept orders: value in the reporting currency, plus `rate`
    uses: list[CurrencyUse]  # one per foreign currency met, in alphabetical order

    @property
    def left_out(self) -> int:
        return sum(u.left_out for u in self.uses)


def convert(orders: pl.DataFrame, rates: pl.DataFrame, *, currency: str) -> Conversion:
    """`orders` in `currency` (see the module docstring)."""
    rates = rates.select(
        pl.col("currency").cast(pl.String),
        pl.col("rate").cast(pl.Float64),
        pl.col("valid_from").cast(pl.Date),
    )
    home = orders.filter(pl.col("currency") == currency).with_columns(
        pl.lit(1.0).alias("rate"), pl.lit(None, dtype=pl.Date).alias("rate_from")
    )
    foreign = orders.filter(pl.col("currency") != currency)
    if foreign.is_empty():
        return Conversion(orders=home, uses=[])
    ordered = foreign.with_row_index("_row").sort("ordered_at")
    joined = ordered.join_asof(
        rates.filter(pl.col("currency") != currency)
        .sort("valid_from")
        .rename({"valid_from": "rate_from"}),
        left_on="ordered_at",
        right_on="rate_from",
        by="currency",
        strategy="backward",
        check_sortedness=False,
    ).sort("_row")
    uses = []
    for (code,), group in joined.group_by("currency", maintain_order=False):
        kept = group.filter(pl.col("rate").is_not_null())
        missing = group.filter(pl.col("rate").is_null())
        firsts = rates.filter(pl.col("currency") == code)["valid_from"]
        used = (
            kept.group_by("rate_from", "rate")
            .agg(pl.len().alias("n"))
            .sort("rate_from")
            .iter_rows()
        )
        uses.append(
            CurrencyUse(
                currency=str(code),
                converted=len(kept),
                left_out=len(missing),
                left_out_value=missing.select(money.money_sum("value")).item(),
                first_rate_from=firsts.min() if len(firsts) else None,  # type: ignore[arg-type]
                rates=[(day, float(rate), int(n)) for day, rate, n in used],
            )
        )
    converted = joined.filter(pl.col("rate").is_not_null()).with_columns(
        money.converted("value", "rate").alias("value")
    )
    kept_orders = pl.concat([home, converted.drop("_row")], how="diagonal_relaxed")
    return Conversion(orders=kept_orders, uses=sorted(uses, key=lambda u: u.currency))
