"""Monthly forecasts: a known seasonal series, the fallbacks, bad input, a hand-checked
backtest and the pipeline-weighted forecast."""

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest

from rapport.analytics.maths import forecast as fc

START = dt.date(2021, 1, 1)


def series(values: Sequence[float] | np.ndarray, start: dt.date = START) -> pl.DataFrame:
    return pl.DataFrame(
        {"month": [fc.add_months(start, k) for k in range(len(values))], "value": list(values)},
        schema={"month": pl.Date, "value": pl.Float64},
    )


def seasonal(months: int, *, noise: float = 1.0, seed: int = 1) -> np.ndarray:
    t = np.arange(months)
    return 100 + 0.5 * t + 20 * np.sin(2 * np.pi * t / 12) + seed_noise(months, noise, seed)


def seed_noise(months: int, scale: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, scale, months)


def codes(result: fc.Forecast | fc.Backtest) -> list[str]:
    return [note.code for note in result.notes]


def assert_nested(points: pl.DataFrame) -> None:
    p = {c: points.get_column(c).to_numpy() for c in fc.POINT_COLUMNS[1:]}
    assert np.all(p["lower_95"] <= p["lower_80"])
    assert np.all(p["lower_80"] <= p["forecast"])
    assert np.all(p["forecast"] <= p["upper_80"])
    assert np.all(p["upper_80"] <= p["upper_95"])


def test_a_known_seasonal_series_is_forecast_within_tolerance() -> None:
    history = seasonal(60, noise=1.0)
    result = fc.forecast_series(series(history), months=12)
    assert result.ok
    assert result.method in ("ets_AAdA", "ets_MAdM")
    assert result.aicc is not None
    assert result.points.get_column("month").to_list() == [f"2026-{m:02d}" for m in range(1, 13)]
    truth = seasonal(72, noise=0.0)[60:]
    forecast = result.points.get_column("forecast").to_numpy()
    assert np.max(np.abs(forecast - truth)) < 4  # the season swings ±20 around a level of ~130
    assert_nested(result.points)
    inside = (result.points.get_column("lower_95").to_numpy() <= truth) & (
        truth <= result.points.get_column("upper_95").to_numpy()
    )
    assert inside.sum() >= 11
    assert result.backtest.mase is not None
    assert result.backtest.mase < 1  # beats the seasonal naive on a trending seasonal series
    assert result.backtest.origins == ("2025-01", "2025-04", "2025-07", "2025-10")
    assert result.backtest.errors == 12 + 9 + 6 + 3
    assert result.notes == ()


def test_a_series_with_negative_months_uses_additive_errors_only() -> None:
    values = seasonal(36) - 95  # a few months below 0
    result = fc.forecast_series(series(values))
    assert result.ok
    assert result.method == "ets_AAdA"
    assert fc.Note("negative_values", {"count": int(np.sum(values < 0))}) in result.notes
    assert "clipped_at_zero" not in codes(result)
    assert_nested(result.points)


def test_short_history_repeats_last_year_with_intervals_from_its_residuals() -> None:
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 14.0]
    result = fc.forecast_series(series(values), months=13)
    assert result.ok
    assert result.method == "seasonal_naive"
    assert result.notes == (
        fc.Note("short_history", {"months": 13, "needed": 24, "method": "year"}),
    )
    assert result.points.get_column("forecast").to_list() == [*values[1:], values[1]]
    sigma = 4.0  # one residual: 14 − 10
    first, thirteenth = result.points.row(0, named=True), result.points.row(12, named=True)
    assert first["upper_80"] == pytest.approx(20 + fc.Z[80] * sigma)
    assert first["lower_95"] == pytest.approx(20 - fc.Z[95] * sigma)
    assert thirteenth["upper_95"] == pytest.approx(20 + fc.Z[95] * sigma * math.sqrt(2))
    assert_nested(result.points)


def test_under_a_year_repeats_the_last_month() -> None:
    result = fc.forecast_series(series([5.0, 7.0, 6.0]), months=2)
    assert result.method == "naive"
    assert result.points.get_column("forecast").to_list() == [6.0, 6.0]
    sigma = math.sqrt((2**2 + 1**2) / 2)
    assert result.points.get_column("upper_80").to_list() == pytest.approx(
        [6 + fc.Z[80] * sigma, 6 + fc.Z[80] * sigma * math.sqrt(2)]
    )
    assert result.backtest == fc.Backtest(
        None, None, None, notes=(fc.Note("too_short_for_backtest", {"needed": 16, "months": 3}),)
    )


def test_one_month_of_history_has_a_forecast_but_no_interval() -> None:
    result = fc.forecast_series(series([42.0]), months=3)
    assert result.ok
    assert result.method == "naive"
    assert result.points.get_column("forecast").to_list() == [42.0, 42.0, 42.0]
    assert result.points.get_column("lower_80").null_count() == 3
    assert result.points.get_column("upper_95").null_count() == 3
    assert codes(result) == ["short_history", "no_intervals"]
    assert (
        result.notes[1].message
        == "One month of history gives no spread, so no prediction interval."
    )


def test_an_all_zero_series_forecasts_zero_and_says_why_the_errors_are_undefined() -> None:
    result = fc.forecast_series(series([0.0] * 30))
    assert result.ok
    assert result.method == "zero"
    assert result.points.select(pl.exclude("month").sum()).row(0) == (0, 0, 0, 0, 0)
    assert codes(result) == ["all_zero"]
    assert result.backtest.as_dict() == {"mase": None, "mape": None, "seasonal_naive_mape": None}
    assert codes(result.backtest) == ["mase_undefined", "mape_undefined"]
    assert result.backtest.notes[1].params == {"count": 30}


def test_backtest_numbers_match_a_hand_computation() -> None:
    """16 months: one origin (month 13, 3 months before the end). With 13 months of history
    the procedure is the seasonal naive: forecasts 20, 30, 40 for actuals 25, 28, 45 →
    errors 5, −2, 5; in-sample seasonal-naive MAE before the origin |15 − 10| = 5."""
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 15, 25, 28, 45]
    result = fc.forecast_series(series(values))
    check = result.backtest
    assert check.origins == ("2022-02",)
    assert check.errors == 3
    assert check.mase == pytest.approx((5 / 5 + 2 / 5 + 5 / 5) / 3)
    assert check.mape == pytest.approx((5 / 25 + 2 / 28 + 5 / 45) / 3 * 100)
    assert check.seasonal_naive_mape == check.mape
    assert check.as_dict() == {
        "mase": check.mase,
        "mape": check.mape,
        "seasonal_naive_mape": check.seasonal_naive_mape,
    }


def test_a_zero_actual_leaves_mape_undefined_but_not_mase() -> None:
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 15, 0, 28, 45]
    check = fc.forecast_series(series(values)).backtest
    assert check.mape is None
    assert check.seasonal_naive_mape is None
    assert check.mase == pytest.approx((20 / 5 + 2 / 5 + 5 / 5) / 3)
    assert check.notes == (fc.Note("mape_undefined", {"count": 1}),)
    assert check.notes[0].message == "MAPE is undefined: 1 of the months backtested had 0."


def test_when_no_ets_model_converges_the_seasonal_naive_stands_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fc, "_ets", lambda *args, **kwargs: None)
    values = seasonal(30)
    result = fc.forecast_series(series(values), months=1)
    assert result.method == "seasonal_naive"
    assert codes(result) == ["ets_failed"]
    assert result.points.get_column("forecast").to_list() == [values[18]]


def test_months_without_a_row_count_as_zero() -> None:
    data = series([5.0, 6.0, 7.0]).filter(pl.col("value") != 6.0)
    result = fc.forecast_series(data, months=1)
    assert result.notes[0] == fc.Note("filled_months", {"count": 1})
    assert result.points.get_column("forecast").to_list() == [7.0]


def test_forecasts_of_a_non_negative_series_stay_non_negative() -> None:
    values = [0, 0, 0, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 1.0]
    result = fc.forecast_series(series(values))
    assert "clipped_at_zero" in codes(result)
    assert result.points.select(pl.exclude("month").min()).min_horizontal().item() == 0
    assert_nested(result.points)


@pytest.mark.parametrize(
    ("data", "months", "reason", "params"),
    [
        (series([]), 12, "no_history", {}),
        (pl.DataFrame({"month": [START]}), 12, "missing_columns", {"columns": "value"}),
        (
            series([1.0, math.nan, 3.0]),
            12,
            "not_finite",
            {"count": 1, "months": "2021-02"},
        ),
        (series([1.0, 2.0, math.inf]), 12, "not_finite", {"count": 1, "months": "2021-03"}),
        (
            pl.DataFrame({"month": [START, START], "value": [1.0, None]}),
            12,
            "not_finite",
            {"count": 1, "months": "2021-01"},
        ),
        (
            pl.DataFrame({"month": [START, dt.date(2021, 1, 20)], "value": [1.0, 2.0]}),
            12,
            "duplicate_months",
            {"count": 1, "months": "2021-01"},
        ),
        (series([1.0]), 0, "bad_horizon", {"months": 0, "maximum": 60}),
    ],
)
def test_bad_input_gives_a_reason_and_no_points(
    data: pl.DataFrame, months: int, reason: str, params: dict
) -> None:
    result = fc.forecast_series(data, months=months)
    assert result.ok is False
    assert result.method is None
    assert result.reason == reason
    assert result.reason_params == params
    assert result.message == fc.NOTES[reason].format(**params)
    assert result.points.height == 0
    assert result.points.columns == fc.POINT_COLUMNS


def test_pipeline_weights_open_deals_by_their_expected_close_month() -> None:
    deals = pl.DataFrame(
        {
            "amount": [1000.0, 500.0, 200.0, 300.0, 400.0, -5.0, 100.0, 50.0],
            "probability": [50, 20, 100, 10, 60, 50, 150, 40],
            "expected_close": [
                dt.date(2026, 3, 15),  # March: 500
                dt.date(2026, 3, 31),  # March: 100
                dt.date(2026, 1, 10),  # overdue: counted in the first month, February: 200
                dt.date(2026, 5, 1),  # May: 30
                dt.date(2026, 6, 1),  # after the horizon
                dt.date(2026, 3, 1),  # negative amount: invalid
                dt.date(2026, 3, 1),  # probability over 100: invalid
                None,  # no date
            ],
        }
    )
    pipeline = fc.pipeline_forecast(deals, first_month=dt.date(2026, 2, 1), months=4)
    assert pipeline.months.to_dicts() == [
        {"month": "2026-02", "weighted_amount": 200.0, "deals": 1},
        {"month": "2026-03", "weighted_amount": 600.0, "deals": 2},
        {"month": "2026-04", "weighted_amount": 0.0, "deals": 0},
        {"month": "2026-05", "weighted_amount": 30.0, "deals": 1},
    ]
    assert (pipeline.overdue, pipeline.undated, pipeline.beyond, pipeline.invalid) == (1, 1, 1, 2)


def test_pipeline_without_deals_is_all_zero() -> None:
    deals = pl.DataFrame(
        schema={"amount": pl.Float64, "probability": pl.Int64, "expected_close": pl.Date}
    )
    pipeline = fc.pipeline_forecast(deals, first_month=dt.date(2026, 2, 1), months=2)
    assert pipeline.months.to_dicts() == [
        {"month": "2026-02", "weighted_amount": 0.0, "deals": 0},
        {"month": "2026-03", "weighted_amount": 0.0, "deals": 0},
    ]
