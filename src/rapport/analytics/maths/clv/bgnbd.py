"""BG/NBD repeat purchasing (Fader, Hardie & Lee 2005): its log-likelihood with the analytic
gradient over weighted rows, and its fit.
"""

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from rapport.analytics.maths.clv.base import Collapsed, Fit, FloatArray, collapse, dot
from rapport.analytics.maths.clv.optimizer import Problem, solve

BGNBD_PARAMS = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class _BgData:
    """Weighted rows split into non-repeaters (their likelihood needs T only) and repeaters."""

    ux: FloatArray  # distinct frequencies and their total weight
    wx: FloatArray
    w_total: float
    T0: FloatArray  # non-repeaters
    w0: FloatArray
    x1: FloatArray  # repeaters
    t1: FloatArray
    T1: FloatArray
    w1: FloatArray

    @classmethod
    def of(cls, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> "_BgData":
        ux, inverse = np.unique(x, return_inverse=True)
        rep = x > 0
        return cls(
            ux=ux,
            wx=np.bincount(inverse, w, len(ux)),
            w_total=float(w.sum()),
            T0=T[~rep],
            w0=w[~rep],
            x1=x[rep],
            t1=t_x[rep],
            T1=T[rep],
            w1=w[rep],
        )


def _bg_log_likelihood(theta: FloatArray, d: _BgData) -> tuple[float, FloatArray]:
    """Total log-likelihood and its gradient with respect to (r, α, a, b) (FHL 2005 §7):
    LL = A1 + A2 + log(exp(A3) + [x > 0] exp(A4)) summed over weighted rows."""
    r, alpha, a, b = theta
    ux, wx, W = d.ux, d.wx, d.w_total
    log_alpha = math.log(alpha)
    # The terms in x alone: A1 + A2 = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b).
    ll = dot(wx, (gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux))) + W * (
        -gammaln(r) + r * log_alpha + gammaln(a + b) - gammaln(b)
    )
    g_r = dot(wx, digamma(r + ux)) + W * (log_alpha - digamma(r))
    g_alpha = W * r / alpha
    dg_ab = dot(wx, digamma(a + b + ux))
    g_a = W * digamma(a + b) - dg_ab
    g_b = dot(wx, digamma(b + ux)) - dg_ab + W * (digamma(a + b) - digamma(b))
    # Non-repeaters: A3 = −r ln(α + T).
    log_T0 = np.log(alpha + d.T0)
    ll -= r * dot(d.w0, log_T0)
    g_r -= dot(d.w0, log_T0)
    g_alpha -= r * dot(d.w0, (1.0 / (alpha + d.T0)))
    # Repeaters: log(exp(A3) + exp(A4)), A4 = ln a − ln(b + x − 1) − (r + x) ln(α + t_x).
    rx = r + d.x1
    log_T1 = np.log(alpha + d.T1)
    log_t1 = np.log(alpha + d.t1)
    a3 = -rx * log_T1
    a4 = math.log(a) - np.log(b + d.x1 - 1) - rx * log_t1
    both = np.logaddexp(a3, a4)
    ll += dot(d.w1, both)
    share4 = np.exp(a4 - both)  # the part of the likelihood that has the customer dead now
    share3 = 1.0 - share4
    w1 = d.w1
    g_r -= dot(w1, (share3 * log_T1 + share4 * log_t1))
    g_alpha -= dot(w1, (rx * (share3 / (alpha + d.T1) + share4 / (alpha + d.t1))))
    w_dead = w1 * share4
    g_a += float(w_dead.sum()) / a
    g_b -= dot(w_dead, (1.0 / (b + d.x1 - 1)))
    return ll, np.array([g_r, g_alpha, g_a, g_b])


def bgnbd_log_likelihood(
    params: dict[str, float],
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    weight: FloatArray | None = None,
) -> float:
    """The BG/NBD log-likelihood of the rows (each counted `weight` times) at `params`."""
    w = np.ones(len(frequency)) if weight is None else np.asarray(weight, dtype=float)
    theta = np.array([params[k] for k in BGNBD_PARAMS])
    return _bg_log_likelihood(theta, _BgData.of(frequency, recency, T, w))[0]


def fit_bgnbd(
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    *,
    weight: FloatArray | None = None,
    penalizer: float = 0.0,
    min_repeat_buyers: int = 1,
    analytic_gradient: bool = True,
    collapsed: Collapsed | None = None,
) -> Fit:
    """Fit BG/NBD to valid arrays (see `check_summary` for what valid means)."""
    start = time.perf_counter()
    rows = collapsed or collapse(frequency, recency, T, weight)
    scale = 1.0 / float(rows.T.max()) if len(rows.T) and rows.T.max() > 0 else 1.0
    data = _BgData.of(rows.x, rows.t_x * scale, rows.T * scale, rows.weight)
    problem = Problem(
        model="bgnbd",
        names=BGNBD_PARAMS,
        customers=round(data.w_total),
        repeat_buyers=round(float(data.w1.sum())),
        rows=len(rows.x),
        log_likelihood=lambda theta: _bg_log_likelihood(theta, data),
        weight_total=data.w_total,
        units=np.array([1.0, 1.0 / scale, 1.0, 1.0]),  # α is a time
        original_log_likelihood=lambda theta: _bg_log_likelihood(
            theta, _BgData.of(rows.x, rows.t_x, rows.T, rows.weight)
        )[0],
    )
    return solve(
        problem,
        start=start,
        minimum=min_repeat_buyers,
        penalizer=penalizer,
        analytic_gradient=analytic_gradient,
    )
