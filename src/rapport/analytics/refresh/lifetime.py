"""The refresh's lifetime-value step: BG/NBD and Gamma-Gamma fitted on the purchase summary,
and each fit as the run stores it.
"""

from typing import Any

import polars as pl

from rapport.analytics import config
from rapport.analytics.maths import clv, purchases
from rapport.analytics.maths.clv.base import ClvSettings


def lifetime_value(summary: pl.DataFrame, settings: config.AnalyticsSettings) -> Any:
    frame = purchases.lifetimes_frame(summary, unit_days=1.0).rename({"monetary_value": "monetary"})
    return clv.customer_lifetime_values(
        frame,
        ClvSettings(
            period_days=1.0,
            horizons_days=(90, 365),
            clv_months=settings.clv_months,
            monthly_discount_rate=settings.monthly_discount_rate,
            min_repeat_buyers=settings.min_repeat_buyers,
        ),
    )


def fit_record(fit: Any) -> dict[str, Any]:
    return {
        "ok": fit.ok,
        "params": fit.params,
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "rows": fit.rows,
        "seconds": round(fit.seconds, 4),
        "optimizer": fit.optimizer,
        "reason": fit.reason,
        "reason_params": {k: jsonable(v) for k, v in fit.reason_params.items()},
        "message": fit.message,
    }


def jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
