"""Money sums that are exact and the same on every run (no Django here).

Polars sums a float column group by group in an order that depends on its threads, hash
partitions and unstable sorts (measured with Polars 2.1: eleven different results in twelve
runs of one group-by over 3M values), so a total could differ in its last bits between two
refreshes of the same data and, rounded to the cent, by one cent (the pipeline forecast read
5,720,373.49 one night and 5,720,373.48 the next). Every amount the refresh reads is a whole
number of cents (the database stores two decimals, and `converted` rounds a conversion to the
cent), so amounts are summed as integer cents: exact, and the same in any order.

Floats stay the frames' type, so that the maths downstream is unchanged: a sum comes back as
its exact number of cents times 0.01 (Polars divides by multiplying with the reciprocal), within
a unit in the last place of the exact total, the same on every run, and exact once rounded to
the cent.
"""

import polars as pl

CENTS = 100
RATE_UNITS = 100_000_000  # stored rates have eight decimals (ExchangeRate.rate)


def _expr(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def cents(column: str | pl.Expr) -> pl.Expr:
    """A cent-exact amount (Float64 in currency units) as Int64 cents."""
    return (_expr(column) * CENTS).round().cast(pl.Int64)


def money_sum(column: str | pl.Expr) -> pl.Expr:
    """The exact sum of cent-exact amounts, in currency units (Float64, see the module
    docstring); 0.0 for none."""
    return cents(column).sum() / CENTS


def money_mean(column: str | pl.Expr) -> pl.Expr:
    """The mean of cent-exact amounts from their exact sum (null for none): one division,
    so the same float whatever the order of the amounts."""
    expr = cents(column)
    return pl.when(expr.count() > 0).then(expr.sum() / (expr.count() * CENTS))


def converted(value: str | pl.Expr, rate: str | pl.Expr) -> pl.Expr:
    """value × rate rounded half away from zero to the cent (Float64), computed exactly in
    integers: cents × rate in 1e-8 units fits only 128 bits (a 14-digit amount times a rate
    of ten)."""
    amount = cents(value)
    magnitude = amount.abs().cast(pl.Int128) * (_expr(rate) * RATE_UNITS).round().cast(pl.Int128)
    whole = ((magnitude + RATE_UNITS // 2) // RATE_UNITS).cast(pl.Int64)
    return pl.when(amount < 0).then(-whole).otherwise(whole) / CENTS


def weighted_sum(amount: str | pl.Expr, percent: str | pl.Expr) -> pl.Expr:
    """Σ amount × percent / 100 of cent-exact amounts and percentages with at most two
    decimals (stages hold whole ones), summed exactly in 128-bit integers (cents × hundredths
    of a percent) and rounded once, half up, to the cent."""
    scale = CENTS * CENTS  # a cent in cents × hundredths of a percent
    units = (
        cents(amount).cast(pl.Int128)
        * (_expr(percent) * CENTS).round().cast(pl.Int64).cast(pl.Int128)
    ).sum()
    return ((units + scale // 2) // scale).cast(pl.Int64) / CENTS
