"""Maximum likelihood for the CLV models: SciPy's BFGS (then Nelder-Mead polished by BFGS) on
the parameters' logarithms, converged only where the gradient vanishes, and a fit that fails
saying why.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from rapport.analytics.maths.clv.base import Fit, FloatArray, dot

Objective = Callable[[FloatArray], tuple[float, FloatArray]]

GRADIENT_TOLERANCE = 1e-5  # max |∂ mean NLL / ∂ log θ| accepted as converged
START = 0.1  # log-parameter start in scaled units, as lifetimes (every parameter ≈ 1.1)
SANE_LOG_RANGE = math.log(1e6)  # fitted parameters in fitting units stay within 1e-6..1e6


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
        value = -ll / weight_total + penalizer * dot(theta, theta)
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
class Problem:
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


def solve(
    problem: Problem, *, start: float, minimum: int, penalizer: float, analytic_gradient: bool
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
