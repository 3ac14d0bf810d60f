"""RFM scores, segments, the R × F grid and the segment totals.

Input `summary`: `purchases.customer_summary` (contact_id, recency_days Int64,
purchase_days Int64, total_revenue Float64); only customers with at least one purchase are
scored (the others are dropped).

`rfm_scores(summary, segment_map=)` → contact_id, recency_days, purchase_days, total_revenue,
  r_score, f_score, m_score (Int8, 1..5, 5 best) and rfm_segment (String, a key of the map).
`rfm_grid(scored)` → r_score, f_score (Int8), count (Int64), revenue (Float64): all 25 cells,
  empty ones with 0, R descending then F descending.
`segment_totals(scored, segment_map=)` → rfm_segment, count, revenue: every segment of the map,
  in the map's order, empty ones with 0.

Scores are quintiles among the scored customers: R from recency_days (fewer days is better),
F from purchase_days, M from total_revenue. Tie rule (deterministic, independent of row
order): equal values get equal scores, from their *average* rank. With n customers and the
average rank r (1 = worst) of a value, its score is 1 + ⌊5 · (r − ½) / n⌋, i.e. the quintile
of the value's mid-rank percentile. So when everyone is alike (one customer, or everyone
bought once) everyone is in the middle (3), and when six customers in ten bought exactly once
they share one score (2) instead of being split arbitrarily across quintiles 1–3.
"""

from collections.abc import Mapping, Sequence

import polars as pl

from rapport.analytics.maths import money
from rapport.analytics.maths.inputs import ANY, ID, MONEY, checked

# Segment keys (stable, written to the database; the interface translates them) → the R × F
# cells ("RF", R then F score) that belong to the segment. After the R × F segment map
# popularised by Guillaume Martin, "RFM Analysis For Successful Customer Segmentation"
# (Towards Data Science, 2019; the same grid as the widely used `seg_map` of Kaggle's RFM
# notebooks), with one change: its "Hibernating" block (R 1–2 × F 1–2) gives its worst cell,
# R1 F1, to "Lost", the eleventh segment the issue names. Every one of the 25 cells belongs
# to exactly one segment (`segment_lookup` checks any map given as a setting).
DEFAULT_SEGMENT_MAP: dict[str, tuple[str, ...]] = {
    "champions": ("55", "54"),
    "loyal": ("45", "44", "35", "34"),
    "potential_loyalist": ("53", "52", "43", "42"),
    "new": ("51",),
    "promising": ("41",),
    "need_attention": ("33",),
    "about_to_sleep": ("32", "31"),
    "at_risk": ("24", "23", "14", "13"),
    "cant_lose_them": ("25", "15"),
    "hibernating": ("22", "21", "12"),
    "lost": ("11",),
}

SCORES = range(1, 6)
SUMMARY = {"contact_id": ANY, "recency_days": ID, "purchase_days": ID, "total_revenue": MONEY}


def quintile(column: str, *, higher_is_better: bool = True) -> pl.Expr:
    """The 1..5 score of `column` by the tie rule in the module docstring (Int8)."""
    # Rank 1 is the worst value; "average" ranks of ties are whole or half numbers, so
    # 2r − 1 is a whole number and the quintile is computed exactly in integers.
    twice_rank = (pl.col(column).rank("average", descending=not higher_is_better) * 2).cast(
        pl.Int64
    )
    n = pl.len().cast(pl.Int64)
    return (1 + (5 * (twice_rank - 1)) // (2 * n)).cast(pl.Int8)


def segment_lookup(segment_map: Mapping[str, Sequence[str]] | None = None) -> pl.DataFrame:
    """The map as a 25-row frame (r_score, f_score, rfm_segment), or a ValueError naming the
    cell that is missing, repeated or not a cell."""
    segment_map = DEFAULT_SEGMENT_MAP if segment_map is None else segment_map
    owner: dict[str, str] = {}
    for segment, cells in segment_map.items():
        for cell in cells:
            if len(cell) != 2 or not all(c in "12345" for c in cell):
                raise ValueError(
                    f"RFM segment {segment!r}: {cell!r} is not a cell; write R then F, "
                    "each 1 to 5, such as '54'"
                )
            if cell in owner:
                raise ValueError(
                    f"RFM cell {cell} is in both {owner[cell]!r} and {segment!r}; "
                    "give it to one segment"
                )
            owner[cell] = segment
    missing = [f"{r}{f}" for r in SCORES for f in SCORES if f"{r}{f}" not in owner]
    if missing:
        raise ValueError(f"RFM cells {', '.join(missing)} belong to no segment")
    return pl.DataFrame(
        {
            "r_score": [int(cell[0]) for cell in owner],
            "f_score": [int(cell[1]) for cell in owner],
            "rfm_segment": list(owner.values()),
        },
        schema={"r_score": pl.Int8, "f_score": pl.Int8, "rfm_segment": pl.String},
    )


def rfm_scores(
    summary: pl.DataFrame, *, segment_map: Mapping[str, Sequence[str]] | None = None
) -> pl.DataFrame:
    """Scores and segment per customer with a purchase (see the module docstring)."""
    lookup = segment_lookup(segment_map)
    customers = checked(summary, "summary", SUMMARY).filter(pl.col("purchase_days") >= 1)
    return (
        customers.with_columns(
            quintile("recency_days", higher_is_better=False).alias("r_score"),
            quintile("purchase_days").alias("f_score"),
            quintile("total_revenue").alias("m_score"),
        )
        .join(lookup, on=["r_score", "f_score"], how="left")
        .sort("contact_id")
    )


def _all_cells() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "r_score": [r for r in reversed(SCORES) for _ in SCORES],
            "f_score": [f for _ in SCORES for f in reversed(SCORES)],
        },
        schema={"r_score": pl.Int8, "f_score": pl.Int8},
    )


def rfm_grid(scored: pl.DataFrame) -> pl.DataFrame:
    """Customers and revenue per R × F cell (all 25)."""
    counts = scored.group_by("r_score", "f_score").agg(
        pl.len().cast(pl.Int64).alias("count"), money.money_sum("total_revenue").alias("revenue")
    )
    return (
        _all_cells()
        .join(counts, on=["r_score", "f_score"], how="left")
        .with_columns(pl.col("count").fill_null(0), pl.col("revenue").fill_null(0.0))
    )


def segment_totals(
    scored: pl.DataFrame, *, segment_map: Mapping[str, Sequence[str]] | None = None
) -> pl.DataFrame:
    """Customers and revenue per segment, every segment of the map in its order."""
    segment_map = DEFAULT_SEGMENT_MAP if segment_map is None else segment_map
    names = pl.DataFrame({"rfm_segment": list(segment_map)}, schema={"rfm_segment": pl.String})
    totals = scored.group_by("rfm_segment").agg(
        pl.len().cast(pl.Int64).alias("count"), money.money_sum("total_revenue").alias("revenue")
    )
    return names.join(totals, on="rfm_segment", how="left", maintain_order="left").with_columns(
        pl.col("count").fill_null(0), pl.col("revenue").fill_null(0.0)
    )
