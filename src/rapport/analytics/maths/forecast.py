"""Monthly revenue and order forecasts with prediction intervals, their backtest, and the
pipeline-weighted forecast (no Django here).

Method, by history length (n complete months):
- n ≥ 24 (two full seasons): statsmodels' ETS (Hyndman's state-space exponential smoothing)
  with a damped additive trend and a 12-month season, additive errors and season (ETS AAdA)
  or, for a strictly positive series, multiplicative ones (ETS MAdM); the one with the lower
  AICc wins. States start from statsmodels' heuristic (needs two seasons; estimating 13 more
  initial states from 24 points would overfit). Intervals: exact for AAdA, simulated (1,000
  paths, fixed seed) for MAdM. If no ETS fit converges, the seasonal naive below.
- 12 ≤ n < 24: seasonal naive (each month as the same month a year before), intervals from
  its residuals y_t − y_{t−12}: σ_h = σ·√(k+1), k = ⌊(h−1)/12⌋ (Hyndman & Athanasopoulos,
  FPP3 §5.5). 1 ≤ n < 12: naive (the last month), σ_h = σ·√h from the month-to-month
  changes; with one month there is no residual and no interval.
A series that never went negative gets no negative forecast or bound (clipped at 0).

Backtest (rolling origin): from each origin among the last 12, 9, 6 and 3 months (those with
at least 13 months before them), the same procedure forecasts to the end of the history
(ETS refitted on the data before the origin, starting from the full fit's parameters).
- MASE: each absolute error over the mean absolute seasonal-naive in-sample error before its
  origin (Hyndman & Koehler 2006), averaged: below 1 beats the seasonal naive.
- MAPE: mean |error| / |actual| in percent; undefined (null, with a note) when an actual is 0.
- seasonal_naive_mape: the seasonal naive's MAPE over the same origins and months.

Nothing raises on data: a bad input gives ok=False with a reason code and its parameters;
what is uncertain or undefined is a note (`NOTES` words every code in English for logs).
"""

import datetime as dt
import functools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from rapport.analytics.maths import money

FloatArray = npt.NDArray[np.float64]

SEASON = 12
LEVELS = (80, 95)
Z = {80: 1.2815515655446004, 95: 1.959963984540054}  # standard normal quantiles
SIMULATIONS = 1000
MAX_MONTHS = 60
BACKTEST_LAGS = (12, 9, 6, 3)
POINT_COLUMNS = ["month", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
POINT_SCHEMA = {c: pl.String if c == "month" else pl.Float64 for c in POINT_COLUMNS}
ETS_SPECS = {  # name → (error, seasonal); both with a damped additive trend
    "ets_AAdA": ("add", "add"),
    "ets_MAdM": ("mul", "mul"),
}

NOTES = {
    "missing_columns": "The monthly series lacks the columns {columns}.",
    "no_history": "There is no complete month of history to forecast from.",
    "not_finite": "{count} months have a missing or infinite value: {months}.",
    "duplicate_months": "{count} months appear more than once: {months}.",
    "bad_horizon": "Forecast between 1 and {maximum} months, not {months}.",
    "short_history": (
        "{months} months of history: fewer than the {needed} a seasonal model needs, so the "
        "forecast repeats the last {method}."
    ),
    "no_intervals": "One month of history gives no spread, so no prediction interval.",
    "all_zero": "Every month so far is zero, so the forecast is zero.",
    "negative_values": "{count} months are negative; multiplicative models were not tried.",
    "filled_months": "{count} months without any value were counted as 0.",
    "ets_failed": "No exponential smoothing model converged; the seasonal naive is used.",
    "clipped_at_zero": "The series never went below 0, so neither do the forecasts.",
    "too_short_for_backtest": "A backtest needs at least {needed} months; there are {months}.",
    "mape_undefined": "MAPE is undefined: {count} of the months backtested had 0.",
    "mase_undefined": "MASE is undefined: the seasonal naive made no error before an origin.",
}


@dataclass(frozen=True)
class Note:
    code: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return NOTES[self.code].format(**self.params)


@dataclass(frozen=True)
class Backtest:
    mase: float | None
    mape: float | None  # percent
    seasonal_naive_mape: float | None  # percent
    origins: tuple[str, ...] = ()  # the first forecast month from each origin, "YYYY-MM"
    errors: int = 0  # forecast months compared
    notes: tuple[Note, ...] = ()

    def as_dict(self) -> dict[str, float | None]:
        """The `backtest` object of `GET analytics/forecast`."""
        return {
            "mase": self.mase,
            "mape": self.mape,
            "seasonal_naive_mape": self.seasonal_naive_mape,
        }


@dataclass(frozen=True)
class Forecast:
    ok: bool
    method: str | None  # "ets_AAdA", "ets_MAdM", "seasonal_naive", "naive", "zero"
    points: pl.DataFrame  # POINT_COLUMNS; month is "YYYY-MM"; bounds null when unknown
    backtest: Backtest
    notes: tuple[Note, ...] = ()
    aicc: float | None = None
    seconds: float = 0.0
    reason: str | None = None
    reason_params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        return None if self.reason is None else NOTES[self.reason].format(**self.reason_params)


@dataclass(frozen=True)
class _Prediction:
    method: str
    mean: FloatArray
    bounds: dict[int, tuple[FloatArray, FloatArray]] | None  # level → (lower, upper)
    aicc: float | None = None
    params: Any = None  # the ETS parameters, to warm-start refits in the backtest
    notes: tuple[Note, ...] = ()


# ---------------------------------------------------------------------------------------------
# Months


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


# ---------------------------------------------------------------------------------------------
# The methods


def _naive(y: FloatArray, h: int, *, seasonal: bool, intervals: bool) -> _Prediction:
    lag = SEASON if seasonal else 1
    steps = np.arange(1, h + 1)
    if seasonal:
        mean = y[len(y) - lag + (steps - 1) % lag]
        widen = np.sqrt((steps - 1) // lag + 1)
    else:
        mean = np.full(h, y[-1])
        widen = np.sqrt(steps)
    residuals = y[lag:] - y[:-lag]
    bounds = None
    if intervals and residuals.size:
        sigma = math.sqrt(float(np.mean(residuals**2)))
        bounds = {lv: (mean - Z[lv] * sigma * widen, mean + Z[lv] * sigma * widen) for lv in LEVELS}
    return _Prediction("seasonal_naive" if seasonal else "naive", mean.astype(float), bounds)


def _ets(
    y: FloatArray, h: int, name: str, *, intervals: bool, start_params: Any = None
) -> _Prediction | None:
    """One ETS fit and forecast, or None when it does not converge or gives no finite number."""
    import pandas as pd  # statsmodels' ETS needs pandas input to label its predictions
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    error, seasonal = ETS_SPECS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and overflow warnings: judged below
        try:
            model = ETSModel(
                pd.Series(y),
                error=error,
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=SEASON,
                initialization_method="heuristic",
            )
            fit = model.fit(disp=False, start_params=start_params)
            if not fit.mle_retvals.get("converged", False) or not math.isfinite(fit.aicc):
                return None
            if not intervals:
                mean = np.asarray(fit.forecast(h), dtype=float)
                bounds = None
            else:
                simulated = {"method": "simulated", "simulate_repetitions": SIMULATIONS}
                prediction = fit.get_prediction(
                    start=len(y),
                    end=len(y) + h - 1,
                    **(simulated | {"rng": np.random.default_rng(2005)} if error == "mul" else {}),
                )
                mean = np.asarray(prediction.predicted_mean, dtype=float)
                bounds = {}
                for level in LEVELS:
                    frame = prediction.summary_frame(alpha=1 - level / 100)
                    bounds[level] = (
                        np.asarray(frame["pi_lower"], dtype=float),
                        np.asarray(frame["pi_upper"], dtype=float),
                    )
        except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
            return None
    arrays = [mean, *(b for pair in (bounds or {}).values() for b in pair)]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        return None
    return _Prediction(name, mean, bounds, float(fit.aicc), np.asarray(fit.params))


@functools.cache
def _blas() -> Any:
    """The BLAS libraries loaded (found once: 10-20 ms). statsmodels' optimizer runs on
    5-vectors, where BLAS threads cost more than they save (10× on a busy two-core machine),
    so forecasts run with one."""
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401  (loads SciPy's BLAS)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def load_library() -> None:
    """Import statsmodels' ETS now (it takes seconds on a busy machine): a caller can do it
    in a thread while it waits for something else."""
    _blas()


def _predict(
    y: FloatArray,
    h: int,
    *,
    intervals: bool = True,
    only: str | None = None,
    start_params: Any = None,
) -> _Prediction:
    """The forecasting procedure on one history (`only`: refit that ETS model alone)."""
    n = len(y)
    if not np.any(y):
        return _Prediction(
            "zero",
            np.zeros(h),
            {lv: (np.zeros(h), np.zeros(h)) for lv in LEVELS},
            notes=(Note("all_zero"),),
        )
    if n < SEASON:
        notes = [Note("short_history", {"months": n, "needed": 2 * SEASON, "method": "month"})]
        if n == 1 and intervals:
            notes.append(Note("no_intervals"))
        prediction = _naive(y, h, seasonal=False, intervals=intervals)
        return _Prediction(
            prediction.method, prediction.mean, prediction.bounds, notes=tuple(notes)
        )
    if n < 2 * SEASON:
        note = Note("short_history", {"months": n, "needed": 2 * SEASON, "method": "year"})
        prediction = _naive(y, h, seasonal=True, intervals=intervals)
        return _Prediction(prediction.method, prediction.mean, prediction.bounds, notes=(note,))
    names = [only] if only and only in ETS_SPECS else list(ETS_SPECS)
    if not np.all(y > 0):
        names = [name for name in names if ETS_SPECS[name][0] == "add"] or ["ets_AAdA"]
    fits = [_ets(y, h, name, intervals=intervals, start_params=start_params) for name in names]
    found = [fit for fit in fits if fit is not None]
    if not found:
        prediction = _naive(y, h, seasonal=True, intervals=intervals)
        return _Prediction(
            prediction.method, prediction.mean, prediction.bounds, notes=(Note("ets_failed"),)
        )
    return min(found, key=lambda fit: fit.aicc if fit.aicc is not None else math.inf)


# ---------------------------------------------------------------------------------------------
# Backtest


def backtest(y: FloatArray, *, first_month: dt.date, method: str, params: Any = None) -> Backtest:
    """Rolling-origin errors of the forecasting procedure against the seasonal naive."""
    n = len(y)
    origins = [n - lag for lag in BACKTEST_LAGS if n - lag > SEASON]
    if not origins:
        note = Note("too_short_for_backtest", {"needed": SEASON + 4, "months": n})
        return Backtest(None, None, None, notes=(note,))
    scaled, errors, naive_errors, actuals = [], [], [], []
    for origin in origins:
        history, future = y[:origin], y[origin:]
        ours = _predict(history, len(future), intervals=False, only=method, start_params=params)
        naive = _naive(history, len(future), seasonal=True, intervals=False)
        scale = float(np.mean(np.abs(history[SEASON:] - history[:-SEASON])))
        error = future - ours.mean
        scaled.append(np.abs(error) / scale if scale > 0 else np.full(len(future), np.nan))
        errors.append(error)
        naive_errors.append(future - naive.mean)
        actuals.append(future)
    actual = np.concatenate(actuals)
    notes = []
    mase: float | None = float(np.mean(np.concatenate(scaled)))
    if not math.isfinite(mase or math.nan):
        mase = None
        notes.append(Note("mase_undefined"))
    mape = naive_mape = None
    if zeros := int(np.sum(actual == 0)):
        notes.append(Note("mape_undefined", {"count": zeros}))
    else:
        mape = float(np.mean(np.abs(np.concatenate(errors) / actual)) * 100)
        naive_mape = float(np.mean(np.abs(np.concatenate(naive_errors) / actual)) * 100)
    return Backtest(
        mase=mase,
        mape=mape,
        seasonal_naive_mape=naive_mape,
        origins=tuple(month_label(add_months(first_month, o)) for o in origins),
        errors=len(actual),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# The whole job


def _failed(reason: str, start: float, **params: object) -> Forecast:
    return Forecast(
        ok=False,
        method=None,
        points=pl.DataFrame(schema=POINT_SCHEMA),
        backtest=Backtest(None, None, None),
        seconds=time.perf_counter() - start,
        reason=reason,
        reason_params=params,
    )


def _labels(months: list[dt.date], limit: int = 6) -> str:
    text = ", ".join(month_label(m) for m in months[:limit])
    return text + ("…" if len(months) > limit else "")


class _Invalid(Exception):
    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


def _monthly(history: pl.DataFrame) -> tuple[dt.date, FloatArray, int]:
    """(first month, values with gaps as 0, months that had a row); _Invalid says why not."""
    missing = [c for c in ("month", "value") if c not in history.columns]
    if missing:
        raise _Invalid("missing_columns", columns=", ".join(missing))
    rows = history.select(
        pl.col("month").cast(pl.Date, strict=False).dt.truncate("1mo"),
        pl.col("value").cast(pl.Float64, strict=False),
    ).filter(pl.col("month").is_not_null())
    if rows.height == 0:
        raise _Invalid("no_history")
    bad = rows.filter(pl.col("value").is_null() | ~pl.col("value").is_finite())
    if bad.height:
        bad_months = sorted(bad.get_column("month").to_list())
        raise _Invalid("not_finite", count=len(bad_months), months=_labels(bad_months))
    repeated = rows.group_by("month").len().filter(pl.col("len") > 1)
    if repeated.height:
        twice = sorted(repeated.get_column("month").to_list())
        raise _Invalid("duplicate_months", count=len(twice), months=_labels(twice))
    indexes = [_month_index(m) for m in rows.get_column("month").to_list()]
    first = min(indexes)
    y = np.zeros(max(indexes) - first + 1)
    y[np.array(indexes) - first] = rows.get_column("value").to_numpy()
    return dt.date(first // 12, first % 12 + 1, 1), y, rows.height


def _clip_at_zero(prediction: _Prediction) -> _Prediction | None:
    """The prediction with nothing below 0, or None when nothing was."""
    bounds = prediction.bounds or {}
    if not (np.any(prediction.mean < 0) or any(np.any(lo < 0) for lo, _ in bounds.values())):
        return None
    return _Prediction(
        prediction.method,
        np.maximum(prediction.mean, 0),
        {lv: (np.maximum(lo, 0), np.maximum(hi, 0)) for lv, (lo, hi) in bounds.items()} or None,
        prediction.aicc,
        prediction.params,
        prediction.notes,
    )


def forecast_series(history: pl.DataFrame, *, months: int = 12) -> Forecast:
    """Forecast the next `months` after the history's last month. `history` has `month`
    (a date in the month; one row per month, months without a row counted as 0) and `value`."""
    start = time.perf_counter()
    if not 1 <= months <= MAX_MONTHS:
        return _failed("bad_horizon", start, months=months, maximum=MAX_MONTHS)
    try:
        first, y, present = _monthly(history)
    except _Invalid as invalid:
        return _failed(invalid.reason, start, **invalid.params)
    notes: list[Note] = []
    if len(y) > present:
        notes.append(Note("filled_months", {"count": len(y) - present}))
    if negative := int(np.sum(y < 0)):
        notes.append(Note("negative_values", {"count": negative}))
    with _blas().limit(limits=1, user_api="blas"):
        prediction = _predict(y, months)
        check = backtest(y, first_month=first, method=prediction.method, params=prediction.params)
    notes += prediction.notes
    if negative == 0 and (clipped := _clip_at_zero(prediction)):
        prediction = clipped
        notes.append(Note("clipped_at_zero"))
    last = add_months(first, len(y) - 1)
    columns: dict[str, Any] = {
        "month": [month_label(add_months(last, k)) for k in range(1, months + 1)],
        "forecast": prediction.mean,
    }
    for level in LEVELS:
        lower, upper = prediction.bounds[level] if prediction.bounds else ([None] * months,) * 2
        columns[f"lower_{level}"] = lower
        columns[f"upper_{level}"] = upper
    return Forecast(
        ok=True,
        method=prediction.method,
        points=pl.DataFrame(columns, schema=POINT_SCHEMA),
        backtest=check,
        notes=tuple(notes),
        aicc=prediction.aicc,
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# Pipeline


@dataclass(frozen=True)
class Pipeline:
    months: pl.DataFrame  # month "YYYY-MM", weighted_amount, deals
    overdue: int  # open deals whose expected close is before the first month: counted in it
    undated: int  # open deals without an expected close date: left out
    beyond: int  # expected to close after the last month: left out
    invalid: int  # negative or missing amount, probability outside 0..100: left out


def pipeline_forecast(deals: pl.DataFrame, *, first_month: dt.date, months: int = 12) -> Pipeline:
    """Open deals (`amount`, `probability` in percent as stages hold it, `expected_close`
    date) → amount × probability summed by expected close month, for `months` months from
    `first_month`. A deal past its expected close is still open: it counts in the first
    month. Every deal left out is counted, by reason."""
    first = first_month.replace(day=1)
    last_day = add_months(first, months) - dt.timedelta(days=1)
    labels = [month_label(add_months(first, k)) for k in range(months)]
    frame = deals.select(
        pl.col("amount").cast(pl.Float64, strict=False),
        pl.col("probability").cast(pl.Float64, strict=False),
        pl.col("expected_close").cast(pl.Date, strict=False),
    )
    valid = (
        pl.col("amount").is_not_null()
        & pl.col("amount").is_finite()
        & (pl.col("amount") >= 0)
        & pl.col("probability").is_between(0, 100)
    )
    good = frame.filter(valid)
    dated = good.filter(pl.col("expected_close").is_not_null())
    inside = dated.filter(pl.col("expected_close") <= last_day)
    sums = (
        inside.with_columns(
            pl.max_horizontal(pl.col("expected_close"), pl.lit(first))
            .dt.strftime("%Y-%m")
            .alias("month"),
        )
        .group_by("month")
        .agg(
            # summed exactly in cents, so that the figure is the same on every run
            money.weighted_sum("amount", "probability").alias("weighted_amount"),
            pl.len().alias("deals"),
        )
    )
    table = (
        pl.DataFrame({"month": labels})
        .join(sums, on="month", how="left")
        .with_columns(pl.col("weighted_amount").fill_null(0.0), pl.col("deals").fill_null(0))
    )
    return Pipeline(
        months=table,
        overdue=inside.filter(pl.col("expected_close") < first).height,
        undated=good.height - dated.height,
        beyond=dated.height - inside.height,
        invalid=frame.height - good.height,
    )
