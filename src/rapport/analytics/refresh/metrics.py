"""The refresh's customer row: every step's figures joined into `CustomerMetrics`' columns."""

import polars as pl


def metrics_frame(
    summary: pl.DataFrame,
    scored: pl.DataFrame,
    classes: pl.DataFrame,
    predictions: pl.DataFrame,
    risk: pl.DataFrame,
) -> pl.DataFrame:
    """One row per customer, named as CustomerMetrics' columns, but for the next-best offer
    (`with_offers`)."""
    return (
        summary.select(
            "contact_id",
            "orders",
            "first_purchase",
            "last_purchase",
            "recency_days",
            "frequency",
            "T_days",
            pl.col("total_revenue").round(2),
            pl.col("monetary").round(2),
        )
        .join(
            scored.select("contact_id", "r_score", "f_score", "m_score", "rfm_segment"),
            on="contact_id",
            how="left",
        )
        .join(
            classes.select(
                "contact_id", pl.col("abc").alias("abc_class"), pl.col("xyz").alias("xyz_class")
            ),
            on="contact_id",
            how="left",
        )
        .join(
            predictions.select(
                "contact_id",
                "p_alive",
                "expected_purchases_90d",
                "expected_purchases_365d",
                pl.col("expected_order_value").round(2),
                pl.col(predictions.columns[-1]).round(2).alias("clv_365d"),
            ),
            on="contact_id",
            how="left",
        )
        .join(
            risk.select(
                "contact_id",
                "churn_risk",
                pl.col("reason").alias("churn_reason_code"),
                "usual_interval_days",
                pl.col("interval_source").fill_null(""),
            ),
            on="contact_id",
            how="left",
        )
        .with_columns(
            pl.col("rfm_segment").fill_null(""),
            pl.col("abc_class").fill_null(""),
            pl.col("xyz_class").fill_null(""),
            pl.col("churn_reason_code").fill_null(""),
            pl.col("interval_source").fill_null(""),
        )
    )


def with_offers(metrics: pl.DataFrame, offers: pl.DataFrame) -> pl.DataFrame:
    """`metrics` with each customer's next-best offer and its reason's parts (none: null)."""
    return metrics.join(
        offers.select(
            "contact_id",
            pl.col("offer").alias("next_best_offer_id"),
            "offer_label",
            pl.col("because_of_label").alias("offer_because_of"),
            pl.col("confidence").alias("offer_confidence"),
            pl.col("lift").alias("offer_lift"),
            pl.col("customers").alias("offer_customers"),
        ),
        on="contact_id",
        how="left",
    ).with_columns(pl.col("offer_label", "offer_because_of").fill_null(""))


def segment_frame(summary: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """contact_id, rfm_segment ("" for none): each customer's segment as `metrics_frame` has
    it, known before the rest of the row (the segment history is written from it first)."""
    return (
        summary.select("contact_id")
        .join(scored.select("contact_id", "rfm_segment"), on="contact_id", how="left")
        .with_columns(pl.col("rfm_segment").fill_null(""))
    )
