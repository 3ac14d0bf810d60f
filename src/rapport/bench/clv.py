"""Lifetime value: Rapport's BG/NBD + Gamma-Gamma fit and predictions next to `lifetimes`.

Both sides get the same synthetic customer summary (one row per customer, day periods, drawn
from the BG/NBD and Gamma-Gamma processes with known parameters; no database needed), fit
both models and predict P(alive), expected purchases in 90 and 365 days, the expected order
value and the 12-month CLV. Before any figure is reported the parameters must agree within
1e-3 relative and the predictions within 1e-3 relative, or the benchmark fails: a speed-up
over a different answer measures nothing. A second row times Rapport's BG/NBD fit with its
analytic gradient against the same fit with finite differences.

`python -m rapport.bench.clv [CUSTOMERS]` runs it alone; `make bench` runs it with the rest.
"""

import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from rapport.analytics.maths import clv
from rapport.analytics.maths.clv.base import ClvSettings, collapse
from rapport.analytics.maths.clv.bgnbd import fit_bgnbd
from rapport.analytics.maths.clv.prediction import prediction_columns
from rapport.bench.harness import Bench, Result, benchmark, table

TRUE_BGNBD = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}  # CDNOW's, in days
TRUE_SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}
SPEED_UP = 10.0
TOLERANCE = 1e-3
SETTINGS = ClvSettings(period_days=1.0, days_per_month=30.0)  # lifetimes' month is 30 days


def synthetic_summary(
    customers: int,
    *,
    bgnbd: dict[str, float] = TRUE_BGNBD,
    spend: dict[str, float] = TRUE_SPEND,
    max_age_days: int = 1095,
    seed: int = 2005,
) -> pl.DataFrame:
    """Customers whose first purchase was 1..max_age_days ago, buying at Poisson rate
    λ ~ Gamma(r, α) and dying after each purchase with p ~ Beta(a, b); repeat purchase values
    Gamma(p, ν) with ν ~ Gamma(q, v). Times are whole days, as Rapport's summary counts them."""
    rng = np.random.default_rng(seed)
    age = rng.integers(1, max_age_days + 1, customers).astype(float)
    rate = rng.gamma(bgnbd["r"], 1 / bgnbd["alpha"], customers)
    death = rng.beta(bgnbd["a"], bgnbd["b"], customers)
    repeats = np.zeros(customers)
    last = np.zeros(customers)
    active = np.arange(customers)
    with np.errstate(divide="ignore"):
        while active.size:  # one round per purchase: the alive customers' next purchase
            when = last[active] + rng.exponential(1 / rate[active])
            bought = when <= age[active]
            active, when = active[bought], when[bought]
            repeats[active] += 1
            last[active] = when
            active = active[rng.random(active.size) >= death[active]]
    nu = rng.gamma(spend["q"], 1 / spend["v"], customers)
    total = rng.gamma(np.maximum(spend["p"] * repeats, 1e-300), 1 / nu)
    monetary = np.where(repeats > 0, total / np.maximum(repeats, 1), 0.0)
    return pl.DataFrame(
        {
            "contact_id": np.arange(1, customers + 1),
            "frequency": repeats,
            "recency": np.floor(last),
            "T": age,
            "monetary": np.round(monetary, 2),
        }
    )


@dataclass
class Side:
    seconds: float
    params: dict[str, float]
    predictions: dict[str, np.ndarray]


def rapport_side(summary: pl.DataFrame) -> Side:
    start = time.perf_counter()
    result = clv.customer_lifetime_values(summary, SETTINGS)
    seconds = time.perf_counter() - start
    assert result.ok, result.message
    assert result.bgnbd.params
    assert result.gamma_gamma.params
    predictions = {c: result.predictions.get_column(c).to_numpy() for c in _prediction_columns()}
    return Side(seconds, {**result.bgnbd.params, **result.gamma_gamma.params}, predictions)


def lifetimes_side(summary: pl.DataFrame) -> Side:
    """What a lifetimes user writes for the same figures (its fitters take pandas)."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    columns = ("frequency", "recency", "T", "monetary")
    data = pd.DataFrame({c: summary.get_column(c).to_numpy() for c in columns})
    start = time.perf_counter()
    bg = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    repeat = data[(data["frequency"] > 0) & (data["monetary"] > 0)]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary"])
    history = (data["frequency"], data["recency"], data["T"])
    predictions = {
        "p_alive": np.asarray(bg.conditional_probability_alive(*history)),
        "expected_purchases_90d": np.asarray(bg.predict(90, *history)),
        "expected_purchases_365d": np.asarray(bg.predict(365, *history)),
        "expected_order_value": np.asarray(
            gg.conditional_expected_average_profit(data["frequency"], data["monetary"])
        ),
        SETTINGS.clv_column: np.asarray(
            gg.customer_lifetime_value(
                bg, *history, data["monetary"], time=12, discount_rate=0.01, freq="D"
            )
        ),
    }
    seconds = time.perf_counter() - start
    params = {**bg.params_.to_dict(), **gg.params_.to_dict()}
    return Side(seconds, {k: float(v) for k, v in params.items()}, predictions)


def _prediction_columns() -> list[str]:
    return prediction_columns(SETTINGS)


def largest_difference(ours: Side, theirs: Side) -> float:
    """The largest relative difference over every parameter and every prediction."""
    worst = max(abs(ours.params[k] / theirs.params[k] - 1) for k in theirs.params)
    for column, expected in theirs.predictions.items():
        got = ours.predictions[column]
        scale = np.maximum(np.abs(expected), 1e-9)
        worst = max(worst, float(np.max(np.abs(got - expected) / scale)))
    return worst


def gradient_timing(summary: pl.DataFrame) -> tuple[float, float]:
    """Seconds of the BG/NBD fit with the analytic gradient and with finite differences."""
    x, t_x, T = (
        summary.get_column(c).to_numpy().astype(float) for c in ("frequency", "recency", "T")
    )
    rows = collapse(x, t_x, T)
    analytic = fit_bgnbd(x, t_x, T, collapsed=rows)
    numeric = fit_bgnbd(x, t_x, T, collapsed=rows, analytic_gradient=False)
    assert analytic.params
    assert numeric.params
    assert all(abs(analytic.params[k] / numeric.params[k] - 1) < TOLERANCE for k in numeric.params)
    return analytic.seconds, numeric.seconds


def measure(customers: int) -> list[Result]:
    summary = synthetic_summary(customers)
    rapport_side(summary.head(1000))  # warm up imports and caches on a small set
    ours = rapport_side(summary)
    theirs = lifetimes_side(summary)
    difference = largest_difference(ours, theirs)
    if difference > TOLERANCE:
        raise AssertionError(f"Rapport and lifetimes differ by {difference:.2e} relative")
    with_gradient, without = gradient_timing(summary)
    return [
        Result(
            metric=(
                f"BG/NBD + Gamma-Gamma fit and predictions vs lifetimes ({customers:,} customers, "
                f"largest relative difference {difference:.1e})"
            ),
            rapport=ours.seconds,
            baseline=theirs.seconds,
            unit="s",
            target=theirs.seconds / SPEED_UP,
        ),
        Result(
            metric=f"BG/NBD fit, analytic gradient vs finite differences ({customers:,} customers)",
            rapport=with_gradient,
            baseline=without,
            unit="s",
        ),
    ]


@benchmark
def lifetime_value(bench: Bench) -> list[Result]:
    return measure(bench.contacts or 1_000_000)


def main(argv: list[str]) -> int:
    customers = int(argv[1]) if len(argv) > 1 else int(os.environ.get("CUSTOMERS", 1_000_000))
    results = measure(customers)
    print(table(results))
    return 1 if any(r.passed is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
