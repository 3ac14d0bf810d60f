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

Where each part lives: `base` (settings, `Fit`, reasons, collapsing), `bgnbd` and
`gamma_gamma` (likelihoods and fits), `optimizer` (maximum likelihood), `prediction` (what the
fitted models say per customer); this module runs the whole job.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from rapport.analytics.maths.clv.base import COLUMNS, ClvSettings, Fit, collapse, describe, floats
from rapport.analytics.maths.clv.bgnbd import fit_bgnbd
from rapport.analytics.maths.clv.gamma_gamma import fit_gamma_gamma
from rapport.analytics.maths.clv.prediction import nullable, predict, prediction_columns


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


def check_summary(summary: pl.DataFrame) -> tuple[str, dict[str, object]] | None:
    """The first thing wrong with a customer summary, as (reason, params), or None."""
    missing = [c for c in COLUMNS if c not in summary.columns]
    if missing:
        return "missing_columns", {"columns": ", ".join(missing)}
    if summary.height == 0:
        return "no_customers", {}
    values = {c: floats(summary, c) for c in COLUMNS[1:]}
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
        nulls = [nullable(name, None, len(ids)) for name in prediction_columns(settings)]
        predictions = pl.DataFrame([pl.Series("contact_id", ids), *nulls])
        return ClvResult(
            False, failed, spend, predictions, time.perf_counter() - start, reason, params
        )
    x, t_x, T, m = (floats(summary, c) for c in COLUMNS[1:])
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
