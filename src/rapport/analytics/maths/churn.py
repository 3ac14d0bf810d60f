"""Churn risk per customer, with its reason, and the at-risk list ranked by value at risk.

Input `customers`, one row per customer with a purchase (`purchases.customer_summary` joined
with the lifetime-value model's output):
  contact_id           any id
  recency_days         Int64    days since the last purchase
  frequency            Int64    repeat purchase days
  first_to_last_days   Int64    days from the first purchase to the last
  p_alive              Float64  the BG/NBD probability that the customer is still active;
                                null (or NaN) when the model did not fit

`churn_risk(customers, model_weight=, full_risk_ratio=, attention=)` → one row per customer:
  contact_id
  churn_risk           Float64  in [0, 1]; null only when neither part below is known
  reason               String   "overdue", "low_p_alive", "on_track" or "no_data" (below)
  days_since_last      Int64    = recency_days
  usual_interval_days  Float64  the customer's mean gap between purchases
                                (first_to_last_days / frequency), or, for a one-time buyer,
                                the typical gap: the median of the repeat buyers' own gaps
  interval_source      String   "own", "typical", or null (nobody has bought twice)
  overdue_ratio        Float64  days_since_last / usual_interval_days
  rhythm_risk          Float64  0 up to the usual interval, rising linearly to 1 at
                                `full_risk_ratio` (3) times it: clip((ratio − 1) / (3 − 1))
  model_risk           Float64  1 − p_alive (null without a model)
  p_alive              Float64
churn_risk = model_weight · model_risk + (1 − model_weight) · rhythm_risk (default weight ½)
when both are known, else the one that is. The model sees the population's pattern, the
rhythm the customer's own habit (a customer who books every spring is not lost in autumn).
reason: "no_data" when churn_risk is null; "on_track" when churn_risk < `attention` (0.5);
else "overdue" when the rhythm weighs at least as much as the model, else "low_p_alive". The
caller words it from the numbers: "no purchase for 240 days, usually every 90 (2.7×)".

`at_risk(scored, value_column=, min_risk=, limit=)`: `scored` is `churn_risk`'s output with a
value column joined (default "clv"; null when the model did not fit) → the customers with
churn_risk ≥ min_risk, ranked by value_at_risk = value × churn_risk (highest first, unknown
values last; ties by churn_risk, then contact_id): every input column plus
value_at_risk (Float64) and rank (Int32, from 1).
"""

import polars as pl

from rapport.analytics.maths.inputs import ANY, ID, MONEY, checked

CUSTOMERS = {
    "contact_id": ANY,
    "recency_days": ID,
    "frequency": ID,
    "first_to_last_days": ID,
    "p_alive": MONEY,
}
MODEL_WEIGHT = 0.5
FULL_RISK_RATIO = 3.0
ATTENTION = 0.5


def churn_risk(
    customers: pl.DataFrame,
    *,
    model_weight: float = MODEL_WEIGHT,
    full_risk_ratio: float = FULL_RISK_RATIO,
    attention: float = ATTENTION,
) -> pl.DataFrame:
    """Churn risk, its parts and its reason per customer (module docstring)."""
    if not 0 <= model_weight <= 1:
        raise ValueError("model_weight is between 0 and 1")
    if full_risk_ratio <= 1:
        raise ValueError("full_risk_ratio must be above 1 (times the usual interval)")
    frame = checked(customers, "customers", CUSTOMERS, nullable=["p_alive"])
    own = pl.when(pl.col("frequency") > 0).then(pl.col("first_to_last_days") / pl.col("frequency"))
    frame = frame.with_columns(own.alias("own_interval"))
    typical = frame["own_interval"].median()
    interval = pl.col("own_interval").fill_null(pl.lit(typical, dtype=pl.Float64))
    ratio = pl.when(interval > 0).then(pl.col("recency_days") / interval)
    rhythm = ((ratio - 1) / (full_risk_ratio - 1)).clip(0.0, 1.0)
    model = (1 - pl.col("p_alive").fill_nan(None)).clip(0.0, 1.0)
    parts = frame.with_columns(
        interval.alias("usual_interval_days"),
        pl.when(pl.col("own_interval").is_not_null())
        .then(pl.lit("own"))
        .when(interval.is_not_null())
        .then(pl.lit("typical"))
        .alias("interval_source"),
        ratio.alias("overdue_ratio"),
        rhythm.alias("rhythm_risk"),
        model.alias("model_risk"),
        pl.col("p_alive").fill_nan(None),
    )
    both = model_weight * pl.col("model_risk") + (1 - model_weight) * pl.col("rhythm_risk")
    risk = pl.coalesce(both, pl.col("model_risk"), pl.col("rhythm_risk"))
    rhythm_leads = pl.col("rhythm_risk").is_not_null() & (
        pl.col("model_risk").is_null() | (pl.col("rhythm_risk") >= pl.col("model_risk"))
    )
    return (
        parts.with_columns(risk.alias("churn_risk"))
        .with_columns(
            pl.when(pl.col("churn_risk").is_null())
            .then(pl.lit("no_data"))
            .when(pl.col("churn_risk") < attention)
            .then(pl.lit("on_track"))
            .when(rhythm_leads)
            .then(pl.lit("overdue"))
            .otherwise(pl.lit("low_p_alive"))
            .alias("reason")
        )
        .select(
            "contact_id",
            "churn_risk",
            "reason",
            pl.col("recency_days").alias("days_since_last"),
            "usual_interval_days",
            "interval_source",
            "overdue_ratio",
            "rhythm_risk",
            "model_risk",
            "p_alive",
        )
    )


def at_risk(
    scored: pl.DataFrame,
    *,
    value_column: str = "clv",
    min_risk: float = ATTENTION,
    limit: int | None = None,
) -> pl.DataFrame:
    """The at-risk list ranked by value at risk (module docstring)."""
    checked(scored, "scored", {"contact_id": ANY, "churn_risk": MONEY, value_column: MONEY},
            nullable=["churn_risk", value_column])  # fmt: skip
    value = pl.col(value_column).cast(pl.Float64).fill_nan(None)
    ranked = (
        scored.filter(pl.col("churn_risk") >= min_risk)
        .with_columns((value * pl.col("churn_risk")).alias("value_at_risk"))
        .sort(
            ["value_at_risk", "churn_risk", "contact_id"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("rank"))
    )
    return ranked if limit is None else ranked.head(limit)
