"""Predictions from fitted CLV models: P(alive), expected purchases over a horizon, the
expected order value, the discounted CLV sum, and one prediction row per customer.
"""

import numpy as np
import polars as pl
from scipy.special import expit, hyp2f1, roots_jacobi

from rapport.analytics.maths.clv.base import (
    COLUMNS,
    ClvSettings,
    Collapsed,
    Fit,
    FloatArray,
    collapse,
    floats,
    group_ids,
)


def _bg(params: dict[str, float]) -> tuple[float, float, float, float]:
    return params["r"], params["alpha"], params["a"], params["b"]


def p_alive(params: dict[str, float], x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(alive | x, t_x, T) (Hardie's note 021); 1 without a repeat purchase, as the model
    lets customers die only just after a purchase."""
    r, alpha, a, b = _bg(params)
    with np.errstate(all="ignore"):
        odds_dead = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(
            a / (b + np.maximum(x, 1) - 1)
        )
        return np.where(x == 0, 1.0, expit(-odds_dead))


def purchase_curve(params: dict[str, float], t: float, x: FloatArray, T: FloatArray) -> FloatArray:
    """E[purchases in (T, T+t] | alive, x, T]: FHL 2005 eq. 10 without its P(alive) factor,
    which is why it depends on (x, T) only. Where SciPy's hypergeometric function gives no
    finite answer (a + b + x − 1 ≤ 0, far from realistic fits), by quadrature instead."""
    r, alpha, a, b = _bg(params)
    x, T = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(T, dtype=float))
    with np.errstate(all="ignore"):
        ha, hb, hc = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        log_hyp = np.log(hyp2f1(ha, hb, hc, z))
        # Where the series overflows, Euler's transformation gives the same value.
        euler = np.log(hyp2f1(hc - ha, hc - hb, hc, z)) + (hc - ha - hb) * np.log1p(-z)
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp, euler)
        remaining = log_hyp + (r + x) * np.log((alpha + T) / (alpha + T + t))
        curve = np.asarray((a + b + x - 1) / (a - 1) * -np.expm1(remaining), dtype=float)
    bad = ~np.isfinite(curve) | (curve < 0)
    if bad.any():
        curve[bad] = _purchase_curve_by_quadrature(params, t, x[bad], T[bad])
    return curve


QUADRATURE_NODES = 64


def _purchase_curve_by_quadrature(
    params: dict[str, float], t: float, x: FloatArray, T: FloatArray
) -> FloatArray:
    """The same expectation as an integral over the dropout probability: alive, a customer
    with (λ, p) buys (1 − e^{−λpt})/p times in t; λ ~ Gamma(r+x, α+T) integrates in closed
    form, p ~ Beta(a, b+x) by Gauss-Jacobi quadrature (exact to 1e-8 while t/(α+T) ≤ 40;
    always finite, non-negative and growing with t)."""
    r, alpha, a, b = _bg(params)
    out = np.empty(len(x))
    with np.errstate(all="ignore"):  # huge b + x overflows the weights: nulls, not warnings
        for value in np.unique(x):
            nodes, weights = roots_jacobi(QUADRATURE_NODES, b + value - 1, a - 1)
            p = (1 + nodes) / 2
            rows = x == value
            s = t / (alpha + T[rows])
            bought = -np.expm1(-(r + value) * np.log1p(np.outer(s, p))) / p
            out[rows] = np.einsum("ij,j->i", bought, weights / weights.sum())
    return out


def expected_purchases(
    params: dict[str, float], t: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """E[purchases in the next t periods | x, t_x, T] (FHL 2005 eq. 10)."""
    return p_alive(params, x, t_x, T) * purchase_curve(params, t, x, T)


def expected_order_value(params: dict[str, float], x: FloatArray, m: FloatArray) -> FloatArray:
    """E[mean order value | x, m̄] (note 025 eq. 5): the population mean v·p/(q−1) shrunk
    toward the customer's own mean by their number of repeat purchases."""
    p, q, v = params["p"], params["q"], params["v"]
    with np.errstate(all="ignore"):
        own = p * x / (p * x + q - 1)
        return (1 - own) * (v * p / (q - 1)) + own * m


def discounted_purchases(
    params: dict[str, float],
    x: FloatArray,
    T: FloatArray,
    *,
    months: int,
    periods_per_month: float,
    monthly_discount_rate: float,
) -> FloatArray:
    """Σ_k (g(k·M) − g((k−1)·M)) / (1+d)^k over months k = 1..H, per (x, T): the CLV sum
    before the P(alive) and order-value factors."""
    total = np.zeros(len(x))
    previous = np.zeros(len(x))
    for k in range(1, months + 1):
        current = purchase_curve(params, k * periods_per_month, x, T)
        total += (current - previous) / (1 + monthly_discount_rate) ** k
        previous = current
    return total


def prediction_columns(settings: ClvSettings) -> list[str]:
    """The prediction columns after contact_id, in order."""
    horizons = [f"expected_purchases_{d}d" for d in settings.horizons_days]
    return ["p_alive", *horizons, "expected_order_value", settings.clv_column]


def nullable(name: str, values: FloatArray | None, n: int) -> pl.Series:
    if values is None:
        return pl.Series(name, [None] * n, dtype=pl.Float64)
    clean = np.where(np.isfinite(values), values, np.nan)
    return pl.Series(name, clean, dtype=pl.Float64, nan_to_null=True)


def predict(
    summary: pl.DataFrame,
    bgnbd: Fit,
    gamma_gamma: Fit,
    settings: ClvSettings,
    *,
    collapsed: Collapsed | None = None,
) -> pl.DataFrame:
    """One row per customer: contact_id, p_alive, expected_purchases_<N>d per horizon,
    expected_order_value and the CLV column; null where a model failed or gave no number."""
    x, t_x, T, m = (floats(summary, c) for c in COLUMNS[1:])
    n = len(x)
    rows = collapsed or collapse(x, t_x, T)
    columns = [summary.get_column("contact_id")]
    alive_rows: FloatArray | None = None
    discounted: FloatArray | None = None
    horizons: dict[int, FloatArray | None] = dict.fromkeys(settings.horizons_days)
    if bgnbd.ok and bgnbd.params:
        alive_rows = p_alive(bgnbd.params, rows.x, rows.t_x, rows.T)
        pair_of, pairs = group_ids(rows.x, rows.T)  # the hypergeometric part needs (x, T) only
        first = np.zeros(pairs, dtype=np.intp)
        first[pair_of] = np.arange(len(rows.x))
        px, pT = rows.x[first], rows.T[first]
        for days in settings.horizons_days:
            curve = purchase_curve(bgnbd.params, days / settings.period_days, px, pT)
            horizons[days] = (alive_rows * curve[pair_of])[rows.row_of]
        discounted = (
            alive_rows
            * discounted_purchases(
                bgnbd.params,
                px,
                pT,
                months=settings.clv_months,
                periods_per_month=settings.days_per_month / settings.period_days,
                monthly_discount_rate=settings.monthly_discount_rate,
            )[pair_of]
        )[rows.row_of]
    columns.append(nullable("p_alive", None if alive_rows is None else alive_rows[rows.row_of], n))
    columns += [nullable(f"expected_purchases_{d}d", v, n) for d, v in horizons.items()]
    order_value = None
    if gamma_gamma.ok and gamma_gamma.params:
        order_value = expected_order_value(gamma_gamma.params, x, m)
    columns.append(nullable("expected_order_value", order_value, n))
    clv = None if order_value is None or discounted is None else order_value * discounted
    columns.append(nullable(settings.clv_column, clv, n))
    return pl.DataFrame(columns)
