"""Gamma-Gamma spend (Fader, Hardie & Lee 2005; Hardie's note 025): its log-likelihood with the
analytic gradient over the repeat buyers, and its fit.
"""

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from rapport.analytics.maths.clv.base import Fit, FloatArray, dot
from rapport.analytics.maths.clv.optimizer import Problem, solve

GAMMA_GAMMA_PARAMS = ("p", "q", "v")


@dataclass(frozen=True)
class _GgData:
    ux: FloatArray
    wx: FloatArray
    w_total: float
    x: FloatArray
    m: FloatArray
    w: FloatArray
    s_x_log_m: float  # Σ w x ln m
    s_log_m: float  # Σ w ln m
    s_x_log_x: float  # Σ w x ln x

    @classmethod
    def of(cls, x: FloatArray, m: FloatArray, w: FloatArray) -> "_GgData":
        ux, inverse = np.unique(x, return_inverse=True)
        log_m = np.log(m)
        return cls(
            ux=ux,
            wx=np.bincount(inverse, w, len(ux)),
            w_total=float(w.sum()),
            x=x,
            m=m,
            w=w,
            s_x_log_m=dot(w, (x * log_m)),
            s_log_m=dot(w, log_m),
            s_x_log_x=dot(w, (x * np.log(x))),
        )


def _gg_log_likelihood(theta: FloatArray, d: _GgData) -> tuple[float, FloatArray]:
    """Σ w [lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)]
    (lifetimes' form of note 025) and its gradient; only ln(xm + v) is per row."""
    p, q, v = theta
    ux, wx, W = d.ux, d.wx, d.w_total
    log_xm_v = np.log(d.x * d.m + v)
    s_x_l = dot(d.w, (d.x * log_xm_v))
    s_l = dot(d.w, log_xm_v)
    ll = (
        dot(wx, (gammaln(p * ux + q) - gammaln(p * ux)))
        + W * (q * math.log(v) - gammaln(q))
        + p * (d.s_x_log_m + d.s_x_log_x)
        - d.s_log_m
        - p * s_x_l
        - q * s_l
    )
    psi_pq = digamma(p * ux + q)
    g_p = dot(wx, (ux * (psi_pq - digamma(p * ux)))) + d.s_x_log_m + d.s_x_log_x - s_x_l
    g_q = dot(wx, psi_pq) - W * digamma(q) + W * math.log(v) - s_l
    g_v = W * q / v - dot(d.w, ((p * d.x + q) / (d.x * d.m + v)))
    return ll, np.array([g_p, g_q, g_v])


def fit_gamma_gamma(
    frequency: FloatArray,
    monetary: FloatArray,
    *,
    weight: FloatArray | None = None,
    penalizer: float = 0.0,
    min_repeat_buyers: int = 1,
    analytic_gradient: bool = True,
) -> Fit:
    """Fit Gamma-Gamma on the repeat buyers with a positive mean order value (others are not
    in the model's support: one-time buyers have no repeat purchase to average)."""
    start = time.perf_counter()
    keep = (frequency > 0) & (monetary > 0)
    x, m = frequency[keep], monetary[keep]
    w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=float)[keep]
    money = float(np.average(m, weights=w)) if len(x) else 1.0  # spend in its mean's units
    data = _GgData.of(x, m / money, w)
    problem = Problem(
        model="gamma_gamma",
        names=GAMMA_GAMMA_PARAMS,
        customers=round(data.w_total),
        repeat_buyers=round(data.w_total),
        rows=len(x),
        log_likelihood=lambda theta: _gg_log_likelihood(theta, data),
        weight_total=data.w_total,
        units=np.array([1.0, 1.0, money]),  # v is an amount of money
        original_log_likelihood=lambda theta: _gg_log_likelihood(theta, _GgData.of(x, m, w))[0],
    )
    return solve(
        problem,
        start=start,
        minimum=min_repeat_buyers,
        penalizer=penalizer,
        analytic_gradient=analytic_gradient,
    )
