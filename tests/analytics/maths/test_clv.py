"""BG/NBD and Gamma-Gamma: the published CDNOW results, lifetimes' own answers, properties."""

import itertools
import math
from importlib.resources import files

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoFitter, GammaGammaFitter
from scipy.optimize import approx_fprime

from rapport.analytics.maths import clv
from rapport.analytics.maths.clv import base, bgnbd, gamma_gamma, optimizer, prediction
from rapport.bench.clv import synthetic_summary

# lifetimes' own loader needs pkg_resources (gone from setuptools 81); its CSV is read directly.
CDNOW = files("lifetimes") / "datasets" / "cdnow_customers_summary_with_transactions.csv"
WEEKS = base.ClvSettings(period_days=7, days_per_month=4.345 * 7)  # lifetimes' freq="W" month


@pytest.fixture(scope="module")
def cdnow() -> pl.DataFrame:
    with CDNOW.open() as f:
        raw = pl.read_csv(f.read().encode())
    return raw.rename({"ID": "contact_id", "x": "frequency", "t_x": "recency", "zbar": "monetary"})


@pytest.fixture(scope="module")
def cdnow_result(cdnow: pl.DataFrame) -> clv.ClvResult:
    return clv.customer_lifetime_values(cdnow, WEEKS)


def three_digits(value: float) -> str:
    return f"{value:.3g}"


def test_cdnow_reproduces_the_published_bgnbd_parameters(cdnow_result: clv.ClvResult) -> None:
    fit = cdnow_result.bgnbd
    assert fit.ok
    assert fit.params is not None
    assert {k: three_digits(v) for k, v in fit.params.items()} == {
        "r": "0.243",
        "alpha": "4.41",
        "a": "0.793",
        "b": "2.43",
    }
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)  # FHL 2005, table 1
    assert fit.customers == 2357
    assert fit.rows < 2357  # identical customers were collapsed
    assert fit.optimizer == "BFGS"


def test_cdnow_reproduces_the_published_gamma_gamma_parameters(
    cdnow_result: clv.ClvResult,
) -> None:
    fit = cdnow_result.gamma_gamma
    assert fit.ok
    assert fit.params is not None
    assert {k: three_digits(v) for k, v in fit.params.items()} == {
        "p": "6.25",
        "q": "3.74",
        "v": "15.4",
    }
    assert fit.customers == 946
    assert cdnow_result.ok
    assert cdnow_result.reason is None


def lifetimes_frame(summary: pl.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: summary.get_column(c).to_numpy() for c in base.COLUMNS[1:]})


def test_parameters_and_predictions_equal_those_of_lifetimes(
    cdnow: pl.DataFrame, cdnow_result: clv.ClvResult
) -> None:
    data = lifetimes_frame(cdnow)
    history = (data["frequency"], data["recency"], data["T"])
    bg = BetaGeoFitter().fit(*history)
    repeat = data[data["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary"])
    ours = {**(cdnow_result.bgnbd.params or {}), **(cdnow_result.gamma_gamma.params or {})}
    theirs = {**bg.params_.to_dict(), **gg.params_.to_dict()}
    assert ours == pytest.approx(theirs, rel=1e-3)
    expected = {
        "p_alive": bg.conditional_probability_alive(*history),
        "expected_purchases_90d": bg.predict(90 / 7, *history),
        "expected_purchases_365d": bg.predict(365 / 7, *history),
        "expected_order_value": gg.conditional_expected_average_profit(
            data["frequency"], data["monetary"]
        ),
        "clv_365d": gg.customer_lifetime_value(
            bg, *history, data["monetary"], time=12, discount_rate=0.01, freq="W"
        ),
    }
    predictions = cdnow_result.predictions
    assert predictions.columns == ["contact_id", *expected]
    assert predictions.get_column("contact_id").to_list() == cdnow["contact_id"].to_list()
    for column, values in expected.items():
        np.testing.assert_allclose(
            predictions.get_column(column).to_numpy(), np.asarray(values), rtol=1e-3
        )


def test_the_penalizer_is_lifetimes_penalizer(cdnow: pl.DataFrame) -> None:
    data = lifetimes_frame(cdnow)
    bg = BetaGeoFitter(penalizer_coef=0.05).fit(data["frequency"], data["recency"], data["T"])
    x, t_x, T = (cdnow.get_column(c).to_numpy().astype(float) for c in base.COLUMNS[1:4])
    fit = bgnbd.fit_bgnbd(x, t_x, T, penalizer=0.05)
    assert fit.params is not None
    assert fit.params == pytest.approx(bg.params_.to_dict(), rel=1e-3)
    assert fit.params["a"] < 0.5  # the penalty pulls the parameters toward zero


def test_analytic_gradients_match_finite_differences(cdnow: pl.DataFrame) -> None:
    x, t_x, T, m = (cdnow.get_column(c).to_numpy().astype(float) for c in base.COLUMNS[1:])
    rows = base.collapse(x, t_x, T)
    bg = bgnbd._BgData.of(rows.x, rows.t_x, rows.T, rows.weight)
    repeat = x > 0
    gg = gamma_gamma._GgData.of(x[repeat], m[repeat], np.ones(int(repeat.sum())))
    bg_theta = np.array([0.3, 5.0, 0.9, 2.0])
    np.testing.assert_allclose(
        bgnbd._bg_log_likelihood(bg_theta, bg)[1],
        approx_fprime(bg_theta, lambda t: bgnbd._bg_log_likelihood(t, bg)[0], 1e-6),
        rtol=1e-4,
    )
    gg_theta = np.array([5.0, 4.0, 12.0])
    np.testing.assert_allclose(
        gamma_gamma._gg_log_likelihood(gg_theta, gg)[1],
        approx_fprime(gg_theta, lambda t: gamma_gamma._gg_log_likelihood(t, gg)[0], 1e-6),
        rtol=1e-4,
    )


def test_known_parameters_are_recovered_from_simulated_customers() -> None:
    summary = synthetic_summary(40_000, seed=7)
    result = clv.customer_lifetime_values(summary)
    assert result.ok
    assert result.bgnbd.params == pytest.approx(
        {"r": 0.243, "alpha": 30.898, "a": 0.793, "b": 2.426}, rel=0.1
    )
    assert result.gamma_gamma.params == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, rel=0.1)


# --- properties ----------------------------------------------------------------------------

positive = st.floats(0.05, 20.0)
bg_params = st.fixed_dictionaries({"r": positive, "alpha": positive, "a": positive, "b": positive})


@st.composite
def histories(draw: st.DrawFn, max_size: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, max_size))
    T = np.array(draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)), dtype=float)
    x = np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), dtype=float)
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    t_x = np.where(x > 0, np.floor(share * T), 0.0)
    return x, t_x, T


@given(bg_params, histories())
@settings(max_examples=200, deadline=None)
def test_p_alive_is_a_probability(params: dict[str, float], history: tuple) -> None:
    alive = prediction.p_alive(params, *history)
    assert np.all((alive >= 0) & (alive <= 1))


@given(bg_params, histories(), st.lists(st.integers(1, 5), min_size=30, max_size=30))
@settings(max_examples=200, deadline=None)
def test_collapsing_identical_rows_keeps_the_log_likelihood(
    params: dict[str, float], history: tuple, copies: list[int]
) -> None:
    x, t_x, T = history
    repeat = np.array(copies[: len(x)])
    expanded = [np.repeat(column, repeat) for column in (x, t_x, T)]
    rows = base.collapse(*expanded)
    assert len(rows.x) <= len(x)
    one_by_one = bgnbd.bgnbd_log_likelihood(params, *expanded)
    weighted = bgnbd.bgnbd_log_likelihood(params, rows.x, rows.t_x, rows.T, rows.weight)
    # the same terms summed in another order: relative agreement, or absolute near zero
    # (hypothesis found a history whose log-likelihood is -1.1e-12 one way and 0.0 the other)
    assert weighted == pytest.approx(one_by_one, rel=1e-9, abs=1e-9)


@given(bg_params.filter(lambda p: abs(p["a"] - 1) > 0.01), histories(max_size=10))
@settings(max_examples=200, deadline=None)
def test_expected_purchases_are_non_negative_and_grow_with_the_horizon(
    params: dict[str, float], history: tuple
) -> None:
    curves = [prediction.expected_purchases(params, t, *history) for t in (0, 1, 30, 90, 365, 1000)]
    assert np.all(curves[0] == 0)
    for shorter, longer in itertools.pairwise(curves):
        assert np.all(longer >= shorter * (1 - 1e-9))
        assert np.all(longer >= 0)


# --- bad and thin data ---------------------------------------------------------------------


def summary(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "contact_id": list(range(1, n + 1)),
        "frequency": [0.0] * n,
        "recency": [0.0] * n,
        "T": [30.0] * n,
        "monetary": [0.0] * n,
    }
    return pl.DataFrame({**base, **columns}, strict=False)


def assert_failed(result: clv.ClvResult, reason: str, params: dict, rows: int) -> None:
    assert result.ok is False
    assert result.reason == reason
    assert result.reason_params == params
    assert result.message == base.REASONS[reason].format(**params)
    assert result.predictions.height == rows
    for column in prediction.prediction_columns(base.ClvSettings()):
        assert result.predictions.get_column(column).null_count() == rows


@pytest.mark.parametrize(
    ("data", "reason", "params"),
    [
        (summary(frequency=[]), "no_customers", {}),
        (
            pl.DataFrame({"contact_id": [1], "frequency": [1.0]}),
            "missing_columns",
            {"columns": "recency, T, monetary"},
        ),
        (summary(frequency=[1.0, math.nan]), "not_finite", {"column": "frequency", "rows": 1}),
        (summary(T=[math.inf, 3.0, 4.0]), "not_finite", {"column": "T", "rows": 1}),
        (summary(monetary=[None, 2.0]), "not_finite", {"column": "monetary", "rows": 1}),
        (summary(monetary=[-5.0, 2.0]), "negative", {"column": "monetary", "rows": 1}),
        (summary(frequency=[1.5, 2.0]), "fractional_frequency", {"rows": 1}),
        (summary(frequency=[1.0, 2.0], recency=[31.0, 3.0]), "recency_exceeds_age", {"rows": 1}),
        (summary(recency=[3.0, 0.0]), "recency_without_repeat", {"rows": 1}),
        (
            summary(frequency=[0.0] * 50),
            "too_few_repeat_buyers",
            {"model": "bgnbd", "repeat_buyers": 0, "minimum": 20},
        ),
        (
            summary(frequency=[1.0] * 5 + [0.0] * 40, recency=[10.0] * 5 + [0.0] * 40),
            "too_few_repeat_buyers",
            {"model": "bgnbd", "repeat_buyers": 5, "minimum": 20},
        ),
    ],
)
def test_bad_or_thin_data_gives_a_reason_and_null_predictions(
    data: pl.DataFrame, reason: str, params: dict
) -> None:
    result = clv.customer_lifetime_values(data)
    assert_failed(result, reason, params, data.height)
    assert result.bgnbd.ok is False
    assert result.gamma_gamma.ok is False


def test_a_spend_model_without_a_mean_keeps_the_purchase_predictions() -> None:
    """Order values so heavy-tailed that q ≤ 1: no expected order value, no CLV, but P(alive)
    and expected purchases stand."""
    data = synthetic_summary(5000, spend={"p": 1.0, "q": 0.6, "v": 5.0}, seed=3)
    result = clv.customer_lifetime_values(data)
    assert result.bgnbd.ok
    assert result.gamma_gamma.params is not None
    q = result.gamma_gamma.params["q"]
    assert q <= 1
    assert result.ok is False
    assert result.reason == "spend_mean_undefined"
    assert result.reason_params == {"model": "gamma_gamma", "q": q}
    predictions = result.predictions
    assert predictions.get_column("p_alive").null_count() == 0
    assert predictions.get_column("expected_purchases_365d").null_count() == 0
    assert predictions.get_column("expected_order_value").null_count() == 5000
    assert predictions.get_column("clv_365d").null_count() == 5000


def no_nan(frame: pl.DataFrame) -> bool:
    return not any(frame.select(pl.col(pl.Float64).is_nan().any()).row(0))


def test_customers_too_alike_give_degenerate_parameters_and_say_so() -> None:
    """Every customer bought three times in the same month for the same amount: no spread to
    estimate, the likelihood rises as the parameters run to infinity."""
    n = 200
    data = summary(
        frequency=[2.0] * n,
        recency=[float(5 + i % 20) for i in range(n)],
        T=[30.0] * n,
        monetary=[25.0] * n,
    )
    result = clv.customer_lifetime_values(data)
    assert result.ok is False
    assert result.reason == "degenerate_parameters"
    assert result.bgnbd.reason == "degenerate_parameters"
    assert result.gamma_gamma.reason == "degenerate_parameters"
    assert str(result.reason_params["detail"]).startswith("r=")
    assert result.message is not None
    assert result.message.startswith("The bgnbd model's parameters run off to 0 or infinity")
    for column in prediction.prediction_columns(base.ClvSettings()):
        assert result.predictions.get_column(column).null_count() == n
    assert no_nan(result.predictions)


def test_a_fit_that_does_not_converge_says_so(
    cdnow: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No optimizer reaches a zero gradient: both tries fail, capped, with the reason."""
    monkeypatch.setattr(optimizer, "GRADIENT_TOLERANCE", 0.0)
    result = clv.customer_lifetime_values(cdnow, WEEKS)
    assert result.ok is False
    assert result.reason == "not_converged"
    assert result.bgnbd.reason_params["model"] == "bgnbd"
    assert str(result.bgnbd.reason_params["detail"]).startswith("largest gradient ")
    assert result.bgnbd.evaluations < 2000
    assert result.predictions.get_column("p_alive").null_count() == cdnow.height
    assert no_nan(result.predictions)
