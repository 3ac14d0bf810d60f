"""Monthly forecasts: Rapport's whole procedure per series next to one bare statsmodels fit.

The series are synthetic category revenues (no database needed): 4 to 6 years of months with
a trend, a yearly season and noise, a few of them shorter than two years (the seasonal-naive
path). Rapport's figure is the p95 of `forecast_series` per series: model choice by AICc among
two ETS models, 80 % and 95 % intervals and the 4-origin backtest. The baseline is one ETS
AAdA fit and forecast with its intervals, as a statsmodels user writes it, on the same
series; before timing, both must give the same AAdA forecast where Rapport chose AAdA.

`python -m rapport.bench.forecast` runs it alone; `make bench` runs it with the rest.
"""

import datetime as dt
import sys
import time
import warnings

import numpy as np
import polars as pl

from rapport.analytics.maths import forecast as fc
from rapport.bench.harness import Bench, Result, benchmark, p95, table, timings_ms

SERIES = 24
TARGET_MS = 100.0


def category_series(count: int = SERIES, seed: int = 12) -> list[pl.DataFrame]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        months = int(rng.integers(48, 73)) if k % 6 else int(rng.integers(14, 24))
        t = np.arange(months)
        level = rng.uniform(2_000, 50_000)
        season = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        trend = 1 + rng.uniform(-0.005, 0.02) * t
        values = level * season * trend * rng.lognormal(0, 0.05, months)
        start = dt.date(2020, 1, 1)
        out.append(
            pl.DataFrame(
                {"month": [fc.add_months(start, i) for i in range(months)], "value": values}
            )
        )
    return out


def bare_ets(history: pl.DataFrame) -> np.ndarray:
    """One statsmodels ETS(A, Ad, A) fit and 12-month forecast with 95 % intervals."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(history.get_column("value").to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(
            y,
            error="add",
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=12,
            initialization_method="heuristic",
        )
        fit = model.fit(disp=False)
    frame = fit.get_prediction(start=len(y), end=len(y) + 11).summary_frame(alpha=0.05)
    return np.asarray(frame["mean"], dtype=float)


def check_same_answer(histories: list[pl.DataFrame]) -> int:
    """Rapport's AAdA forecasts equal the bare fit's: the two sides compute the same thing."""
    compared = 0
    for history in histories:
        result = fc.forecast_series(history)
        if result.method != "ets_AAdA":
            continue
        ours = result.points.get_column("forecast").to_numpy()
        theirs = np.maximum(bare_ets(history), 0)
        if not np.allclose(ours, theirs, rtol=1e-6):
            raise AssertionError("Rapport's ETS AAdA forecast differs from statsmodels' own")
        compared += 1
    return compared


def measure() -> list[Result]:
    histories = category_series()
    long = [h for h in histories if h.height >= 24]
    compared = check_same_answer(histories)
    methods: dict[str, int] = {}
    with fc._blas().limit(limits=1, user_api="blas"):  # the same BLAS threads as Rapport's
        baseline = timings_ms(bare_ets, long)
    cpu_start = time.process_time()
    ours = timings_ms(lambda h: fc.forecast_series(h), histories)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / (2 * len(histories))
    for history in histories:
        method = fc.forecast_series(history).method or "failed"
        methods[method] = methods.get(method, 0) + 1
    chosen = ", ".join(f"{count} {name}" for name, count in sorted(methods.items()))
    return [
        Result(
            metric=(
                f"forecast per series p95: ETS choice, intervals, backtest ({len(histories)} "
                f"series: {chosen}; {cpu_ms:.0f} ms CPU mean; {compared} checked equal)"
            ),
            rapport=p95(ours),
            baseline=p95(baseline),
            unit="ms",
            target=TARGET_MS,
        )
    ]


@benchmark
def forecasts(bench: Bench) -> list[Result]:
    return measure()


if __name__ == "__main__":
    results = measure()
    print(table(results))
    sys.exit(1 if any(r.passed is False for r in results) else 0)
