"""Referral value: what the customers each contact referred have bought.

Inputs:
  links      contact_id Int64, referred_by Int64 — one row per contact who has a referrer
             (Contact.referred_by; never the contact itself, never a circle)
  customers  contact_id Int64, total_revenue Float64 — one row per customer with a counted
             purchase (purchases.customer_summary), in the reporting currency

`referral_value(links, customers)` → one row per contact who referred at least one customer:
  contact_id          Int64    the referrer (a customer or not)
  referred_customers  Int64    the contacts they referred directly who have a counted purchase
  referred_revenue    Float64  those customers' total_revenue, summed
sorted by contact_id. Referred contacts who have not bought count nowhere; a referral's own
referrals count for their direct referrer only (no chains are summed).

`top_referrers(value, limit=)` → the `limit` rows of `referral_value` with the highest
referred_revenue (then more referred customers, then the lower contact_id), with rank
(Int32, from 1).
"""

import polars as pl

from rapport.analytics.maths import money

SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "contact_id": pl.Int64,
    "referred_customers": pl.Int64,
    "referred_revenue": pl.Float64,
}


def referral_value(links: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Each referrer's referred customers and their revenue (module docstring)."""
    if links.is_empty() or customers.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    return (
        links.select("contact_id", "referred_by")
        .join(customers.select("contact_id", "total_revenue"), on="contact_id", how="inner")
        .group_by("referred_by")
        .agg(
            pl.len().cast(pl.Int64).alias("referred_customers"),
            money.money_sum("total_revenue").alias("referred_revenue"),
        )
        .select(pl.col("referred_by").alias("contact_id"), "referred_customers", "referred_revenue")
        .sort("contact_id")
    )


def top_referrers(value: pl.DataFrame, *, limit: int) -> pl.DataFrame:
    """The best `limit` referrers by what their referred customers bought."""
    return (
        value.sort(
            ["referred_revenue", "referred_customers", "contact_id"],
            descending=[True, True, False],
        )
        .head(limit)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int32))
    )
