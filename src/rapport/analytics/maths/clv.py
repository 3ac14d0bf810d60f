"""Customer lifetime value: BG/NBD repeat purchasing and Gamma-Gamma spend (no Django here).

Models (lifetimes' conventions, so results compare with published work):
- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a
  customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they die with
  probability p ~ Beta(a, b). Data per customer: x = repeat purchases (`frequency`),
  t_x = time from the first to the last purchase (`recency`), T = time from the first
  purchase to the end of the data, all in one period unit (days for Rapport, weeks for CDNOW).
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Hardie's note 025): the values of a
  customer's repeat purchases are Gamma(p, ν) with ν ~ Gamma(q, γ); fitted on repeat buyers
  from (x, m̄ = mean repeat purchase value). lifetimes calls γ `v`; so do we.

Both are fitted by maximum likelihood with SciPy on the parameters' logarithms (positivity
without bounds). Customers with the same (x, t_x, T) are collapsed into one weighted row, and
the terms that depend on x alone are summed once per distinct x, so one likelihood evaluation
costs a few array operations over the distinct rows. Gradients are analytic (BFGS needs 5
likelihood evaluations per step without them). As in lifetimes, BG/NBD times are divided by
the largest T while fitting (α is scaled back after), the objective is the mean negative
log-likelihood, and the optional L2 penalizer adds `penalizer × Σ θ²` over the parameters in
those scaled units (Gamma-Gamma: spend scaled by its mean, so v is penalized in that unit).

CLV over H months with monthly discount rate d (lifetimes' `customer_lifetime_value`,
discounted cash flow, month k's purchases discounted k months):

    CLV = E[m] · Σ_{k=1..H} (E[N(k·M)] − E[N((k−1)·M)]) / (1 + d)^k

where M = periods per month (`days_per_month / period_days`), E[N(t)] = expected purchases in
the next t periods given the history (FHL 2005 eq. 10) and E[m] = the Gamma-Gamma conditional
expected order value (note 025 eq. 5). E[N(t)] = P(alive) · g(t; x, T), so the costly
hypergeometric part is computed once per distinct (x, T) and horizon.

Nothing here raises on data: bad or thin data, a fit that does not converge or parameters
that give no finite prediction produce `ok=False`, a reason code with its parameters, and
nulls in place of the predictions (`REASONS` words each code in English for logs; the app
words them in the reader's language).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1, roots_jacobi

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

COLUMNS = ("contact_id", "frequency", "recency", "T", "monetary")
BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")
DAYS_PER_MONTH = 365.25 / 12
GRADIENT_TOLERANCE = 1e-5  # max |∂ mean NLL / ∂ log θ| accepted as converged
START = 0.1  # log-parameter start in scaled units, as lifetimes (every parameter ≈ 1.1)
SANE_LOG_RANGE = math.log(1e6)  # fitted parameters in fitting units stay within 1e-6..1e6

REASONS = {
    "missing_columns": "The customer summary lacks the columns {columns}.",
    "no_customers": "There are no customers with purchases to fit.",
    "not_finite": "{rows} customers have a missing, non-numeric or infinite {column}.",
    "negative": "{rows} customers have a negative {column}.",
    "fractional_frequency": "{rows} customers have a frequency that is not a whole number.",
    "recency_exceeds_age": "{rows} customers have a recency larger than their age T.",
    "recency_without_repeat": "{rows} customers have a recency but no repeat purchase.",
    "too_few_repeat_buyers": (
        "Only {repeat_buyers} customers bought more than once; the {model} model needs at "
        "least {minimum}."
    ),
    "not_converged": "The {model} model did not converge ({detail}).",
    "degenerate_parameters": (
        "The {model} model's parameters run off to 0 or infinity ({detail}): the customers are "
        "too alike to estimate how they differ."
    ),
    "spend_mean_undefined": (
        "The spend model's q is {q:.3g}; at q ≤ 1 the mean order value is undefined."
    ),
}


@dataclass(frozen=True)
class Fit:
    """One model's fit: parameters (original time and money units) or why there are none."""

    model: str
    ok: bool
    params: dict[str, float] | None = None
    log_likelihood: float | None = None
    customers: int = 0  # customers fitted
    rows: int = 0  # weighted rows after collapsing identical customers
    seconds: float = 0.0
    optimizer: str | None = None  # the method that converged ("BFGS", "Nelder-Mead+BFGS")
    evaluations: int = 0
    reason: str | None = None
    reason_params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        return describe(self.reason, self.reason_params)


@dataclass(frozen=True)
class ClvSettings:
    """Time units and horizons. `period_days` is the length of the data's period (1 = days,
    7 = weeks); horizons are in days whatever the period."""

    period_days: float = 1.0
    horizons_days: tuple[int, ...] = (90, 365)
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    days_per_month: float = DAYS_PER_MONTH
    min_repeat_buyers: int = 20
    penalizer: float = 0.0

    @property
    def clv_column(self) -> str:
        return f"clv_{self.clv_months * 365 // 12}d"


@dataclass(frozen=True)
class ClvResult:
    """Both fits and one prediction row per customer (nulls where a model could not say)."""

    ok: bool
    bgnbd: Fit
    gamma_gamma: Fit
    predictions: pl.DataFrame
    seconds: float
    reason: str | None = None
    reason_params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        return describe(self.reason, self.reason_params)


def describe(reason: str | None, params: dict[str, object]) -> str | None:
    """The English sentence for a reason code (for logs and the command line)."""
    return None if reason is None else REASONS[reason].format(**params)


# ---------------------------------------------------------------------------------------------
# Collapsing identical customers


def group_ids(*columns: FloatArray) -> tuple[IntArray, int]:
    """A group number per row (equal rows share one) and the number of groups. The columns
    become one integer key, sorted once (5× faster than a lexicographic sort of floats): whole
    non-negative numbers (Rapport's days) as digits of a mixed-radix number, anything else by
    its rank among the column's distinct values."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0
    key = np.zeros(n, dtype=np.int64)
    size = 1  # key < size
    for column in columns:
        top = float(column.max())
        if float(column.min()) >= 0 and top < 2**31 and np.array_equal(column, np.floor(column)):
            codes, count = column.astype(np.int64), int(top) + 1
        else:
            values, codes = np.unique(column, return_inverse=True)
            count = len(values)
        if size * count >= 2**62:  # renumber the key so far to keep it within int64
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max()) + 1
        key = key * count + codes
        size *= count
    _, ids = np.unique(key, return_inverse=True)
    return ids.astype(np.intp), int(ids.max()) + 1


@dataclass(frozen=True)
class Collapsed:
    """Distinct (x, t_x, T) rows with the number of customers on each, and each customer's row."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weight: FloatArray
    row_of: IntArray


def collapse(
    x: FloatArray, t_x: FloatArray, T: FloatArray, weight: FloatArray | None = None
) -> Collapsed:
    row_of, rows = group_ids(x, t_x, T)
    first = np.zeros(rows, dtype=np.intp)
    first[row_of] = np.arange(len(x))
    w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=float)
    return Collapsed(x[first], t_x[first], T[first], np.bincount(row_of, w, rows), row_of)


# ---------------------------------------------------------------------------------------------
# BG/NBD likelihood


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Σ a·b without BLAS: for one vector its threads cost more than they save (100× here,
    on a busy two-core machine)."""
    return float(np.einsum("i,i->", a, b))


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
    ll = _dot(wx, (gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux))) + W * (
        -gammaln(r) + r * log_alpha + gammaln(a + b) - gammaln(b)
    )
    g_r = _dot(wx, digamma(r + ux)) + W * (log_alpha - digamma(r))
    g_alpha = W * r / alpha
    dg_ab = _dot(wx, digamma(a + b + ux))
    g_a = W * digamma(a + b) - dg_ab
    g_b = _dot(wx, digamma(b + ux)) - dg_ab + W * (digamma(a + b) - digamma(b))
    # Non-repeaters: A3 = −r ln(α + T).
    log_T0 = np.log(alpha + d.T0)
    ll -= r * _dot(d.w0, log_T0)
    g_r -= _dot(d.w0, log_T0)
    g_alpha -= r * _dot(d.w0, (1.0 / (alpha + d.T0)))
    # Repeaters: log(exp(A3) + exp(A4)), A4 = ln a − ln(b + x − 1) − (r + x) ln(α + t_x).
    rx = r + d.x1
    log_T1 = np.log(alpha + d.T1)
    log_t1 = np.log(alpha + d.t1)
    a3 = -rx * log_T1
    a4 = math.log(a) - np.log(b + d.x1 - 1) - rx * log_t1
    both = np.logaddexp(a3, a4)
    ll += _dot(d.w1, both)
    share4 = np.exp(a4 - both)  # the part of the likelihood that has the customer dead now
    share3 = 1.0 - share4
    w1 = d.w1
    g_r -= _dot(w1, (share3 * log_T1 + share4 * log_t1))
    g_alpha -= _dot(w1, (rx * (share3 / (alpha + d.T1) + share4 / (alpha + d.t1))))
    w_dead = w1 * share4
    g_a += float(w_dead.sum()) / a
    g_b -= _dot(w_dead, (1.0 / (b + d.x1 - 1)))
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


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma likelihood


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
            s_x_log_m=_dot(w, (x * log_m)),
            s_log_m=_dot(w, log_m),
            s_x_log_x=_dot(w, (x * np.log(x))),
        )


def _gg_log_likelihood(theta: FloatArray, d: _GgData) -> tuple[float, FloatArray]:
    """Σ w [lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)]
    (lifetimes' form of note 025) and its gradient; only ln(xm + v) is per row."""
    p, q, v = theta
    ux, wx, W = d.ux, d.wx, d.w_total
    log_xm_v = np.log(d.x * d.m + v)
    s_x_l = _dot(d.w, (d.x * log_xm_v))
    s_l = _dot(d.w, log_xm_v)
    ll = (
        _dot(wx, (gammaln(p * ux + q) - gammaln(p * ux)))
        + W * (q * math.log(v) - gammaln(q))
        + p * (d.s_x_log_m + d.s_x_log_x)
        - d.s_log_m
        - p * s_x_l
        - q * s_l
    )
    psi_pq = digamma(p * ux + q)
    g_p = _dot(wx, (ux * (psi_pq - digamma(p * ux)))) + d.s_x_log_m + d.s_x_log_x - s_x_l
    g_q = _dot(wx, psi_pq) - W * digamma(q) + W * math.log(v) - s_l
    g_v = W * q / v - _dot(d.w, ((p * d.x + q) / (d.x * d.m + v)))
    return ll, np.array([g_p, g_q, g_v])


# ---------------------------------------------------------------------------------------------
# Maximum likelihood


@dataclass(frozen=True)
class _Optimum:
    theta: FloatArray | None  # the parameters (fitting units) when converged to a sane point
    reason: str | None  # else "not_converged" or "degenerate_parameters"
    method: str | None
    evaluations: int
    detail: str


def _objective(
    log_likelihood: Callable[[FloatArray], tuple[float, FloatArray]],
    weight_total: float,
    penalizer: float,
) -> Objective:
    """The mean negative log-likelihood (plus penalizer) over log-parameters, with gradient."""

    def f(log_theta: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(log_theta)
        ll, grad = log_likelihood(theta)
        value = -ll / weight_total + penalizer * _dot(theta, theta)
        gradient = -grad * theta / weight_total + 2 * penalizer * theta * theta
        if not math.isfinite(value) or not np.all(np.isfinite(gradient)):
            return math.inf, np.zeros_like(log_theta)
        return value, gradient

    return f


def _converged(objective: Objective, log_theta: FloatArray) -> bool:
    value, gradient = objective(log_theta)
    return math.isfinite(value) and float(np.max(np.abs(gradient))) <= GRADIENT_TOLERANCE


def _degenerate(log_theta: FloatArray) -> bool:
    """A parameter gone to 0 or ∞ (in fitting units, where sane fits are within 1e-3..1e2):
    the likelihood rises toward a boundary, e.g. customers too alike to show any spread."""
    return not bool(np.all(np.abs(log_theta) < SANE_LOG_RANGE))


def _maximize(
    objective: Objective, names: tuple[str, ...], *, analytic_gradient: bool = True
) -> _Optimum:
    """BFGS from lifetimes' start; if that stalls, Nelder-Mead from the same start, polished by
    BFGS. Converged means the gradient vanishes, not the optimizer's own status (BFGS reports
    "precision loss" at an optimum it cannot improve). Both are capped: a fit that will not
    settle costs a few hundred likelihood evaluations, not thousands."""
    size = len(names)
    start = np.full(size, START)
    evaluations = 0

    def bfgs(x0: FloatArray) -> FloatArray:
        nonlocal evaluations
        options = {"maxiter": 100 * size}
        if analytic_gradient:
            res = minimize(objective, x0, jac=True, method="BFGS", tol=1e-7, options=options)
        else:
            res = minimize(lambda t: objective(t)[0], x0, method="BFGS", tol=1e-7, options=options)
        evaluations += int(res.nfev)
        return np.asarray(res.x, dtype=float)

    def outcome(theta: FloatArray, method: str) -> _Optimum | None:
        if _degenerate(theta):
            detail = ", ".join(f"{k}={v:.3g}" for k, v in zip(names, np.exp(theta), strict=True))
            return _Optimum(None, "degenerate_parameters", None, evaluations, detail)
        if _converged(objective, theta):
            return _Optimum(np.exp(theta), None, method, evaluations, "")
        return None

    with np.errstate(all="ignore"):
        theta = bfgs(start)
        if found := outcome(theta, "BFGS"):
            return found
        res = minimize(
            lambda t: objective(t)[0],
            start,
            method="Nelder-Mead",
            options={"maxfev": 200 * size, "xatol": 1e-6, "fatol": 1e-10},
        )
        evaluations += int(res.nfev)
        theta = bfgs(np.asarray(res.x, dtype=float))
        if found := outcome(theta, "Nelder-Mead+BFGS"):
            return found
        gradient = objective(theta)[1]
    detail = f"largest gradient {float(np.max(np.abs(gradient))):.3g}"
    return _Optimum(None, "not_converged", None, evaluations, detail)


@dataclass(frozen=True)
class _Problem:
    """One model's likelihood in fitting units, and how to get back to the data's units."""

    model: str
    names: tuple[str, ...]
    customers: int
    repeat_buyers: int
    rows: int
    log_likelihood: Callable[[FloatArray], tuple[float, FloatArray]]
    weight_total: float
    units: FloatArray  # fitted parameters × units = parameters in the data's units
    original_log_likelihood: Callable[[FloatArray], float]


def _solve(
    problem: _Problem, *, start: float, minimum: int, penalizer: float, analytic_gradient: bool
) -> Fit:
    """Maximum likelihood for `problem`, or a Fit saying why there is none."""
    base = Fit(problem.model, ok=False, customers=problem.customers, rows=problem.rows)
    minimum = max(minimum, 1)
    if problem.repeat_buyers < minimum:
        return replace(
            base,
            seconds=time.perf_counter() - start,
            reason="too_few_repeat_buyers",
            reason_params={
                "model": problem.model,
                "repeat_buyers": problem.repeat_buyers,
                "minimum": minimum,
            },
        )
    objective = _objective(problem.log_likelihood, problem.weight_total, penalizer)
    optimum = _maximize(objective, problem.names, analytic_gradient=analytic_gradient)
    if optimum.theta is None:
        return replace(
            base,
            seconds=time.perf_counter() - start,
            evaluations=optimum.evaluations,
            reason=optimum.reason,
            reason_params={"model": problem.model, "detail": optimum.detail},
        )
    theta = optimum.theta * problem.units
    return replace(
        base,
        ok=True,
        params=dict(zip(problem.names, map(float, theta), strict=True)),
        log_likelihood=problem.original_log_likelihood(theta),
        seconds=time.perf_counter() - start,
        optimizer=optimum.method,
        evaluations=optimum.evaluations,
    )


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
    problem = _Problem(
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
    return _solve(
        problem,
        start=start,
        minimum=min_repeat_buyers,
        penalizer=penalizer,
        analytic_gradient=analytic_gradient,
    )


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
    problem = _Problem(
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
    return _solve(
        problem,
        start=start,
        minimum=min_repeat_buyers,
        penalizer=penalizer,
        analytic_gradient=analytic_gradient,
    )


# ---------------------------------------------------------------------------------------------
# Predictions


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


def _nullable(name: str, values: FloatArray | None, n: int) -> pl.Series:
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
    x, t_x, T, m = (_floats(summary, c) for c in COLUMNS[1:])
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
    columns.append(_nullable("p_alive", None if alive_rows is None else alive_rows[rows.row_of], n))
    columns += [_nullable(f"expected_purchases_{d}d", v, n) for d, v in horizons.items()]
    order_value = None
    if gamma_gamma.ok and gamma_gamma.params:
        order_value = expected_order_value(gamma_gamma.params, x, m)
    columns.append(_nullable("expected_order_value", order_value, n))
    clv = None if order_value is None or discounted is None else order_value * discounted
    columns.append(_nullable(settings.clv_column, clv, n))
    return pl.DataFrame(columns)


# ---------------------------------------------------------------------------------------------
# The whole job


def _floats(summary: pl.DataFrame, column: str) -> FloatArray:
    return summary.get_column(column).cast(pl.Float64, strict=False).to_numpy().astype(float)


def check_summary(summary: pl.DataFrame) -> tuple[str, dict[str, object]] | None:
    """The first thing wrong with a customer summary, as (reason, params), or None."""
    missing = [c for c in COLUMNS if c not in summary.columns]
    if missing:
        return "missing_columns", {"columns": ", ".join(missing)}
    if summary.height == 0:
        return "no_customers", {}
    values = {c: _floats(summary, c) for c in COLUMNS[1:]}
    for column, v in values.items():
        if bad := int((~np.isfinite(v)).sum()):
            return "not_finite", {"column": column, "rows": bad}
    for column, v in values.items():
        if bad := int((v < 0).sum()):
            return "negative", {"column": column, "rows": bad}
    x, t_x, T = values["frequency"], values["recency"], values["T"]
    checks = {
        "fractional_frequency": x != np.round(x),
        "recency_exceeds_age": t_x > T,
        "recency_without_repeat": (x == 0) & (t_x != 0),
    }
    for reason, rows in checks.items():
        if bad := int(rows.sum()):
            return reason, {"rows": bad}
    return None


def customer_lifetime_values(
    summary: pl.DataFrame, settings: ClvSettings | None = None
) -> ClvResult:
    """Fit both models on a customer summary (columns `COLUMNS`, lifetimes' sense, in periods
    of `settings.period_days`) and predict per customer. Never raises on data."""
    settings = settings or ClvSettings()
    start = time.perf_counter()
    problem = check_summary(summary)
    if problem is not None:
        reason, params = problem
        failed = Fit(model="bgnbd", ok=False, reason=reason, reason_params=params)
        spend = Fit(model="gamma_gamma", ok=False, reason=reason, reason_params=params)
        ids = (
            summary.get_column("contact_id")
            if "contact_id" in summary.columns
            else pl.Series("contact_id", [], dtype=pl.Int64)
        )
        nulls = [_nullable(name, None, len(ids)) for name in prediction_columns(settings)]
        predictions = pl.DataFrame([pl.Series("contact_id", ids), *nulls])
        return ClvResult(
            False, failed, spend, predictions, time.perf_counter() - start, reason, params
        )
    x, t_x, T, m = (_floats(summary, c) for c in COLUMNS[1:])
    rows = collapse(x, t_x, T)
    penalizer, minimum = settings.penalizer, settings.min_repeat_buyers
    bgnbd = fit_bgnbd(x, t_x, T, collapsed=rows, penalizer=penalizer, min_repeat_buyers=minimum)
    spend = fit_gamma_gamma(x, m, penalizer=penalizer, min_repeat_buyers=minimum)
    if spend.ok and spend.params and spend.params["q"] <= 1:
        spend = replace(
            spend,
            ok=False,
            reason="spend_mean_undefined",
            reason_params={"model": "gamma_gamma", "q": spend.params["q"]},
        )
    predictions = predict(summary, bgnbd, spend, settings, collapsed=rows)
    failure = next((f for f in (bgnbd, spend) if not f.ok), None)
    return ClvResult(
        ok=failure is None,
        bgnbd=bgnbd,
        gamma_gamma=spend,
        predictions=predictions,
        seconds=time.perf_counter() - start,
        reason=failure.reason if failure else None,
        reason_params=failure.reason_params if failure else {},
    )
