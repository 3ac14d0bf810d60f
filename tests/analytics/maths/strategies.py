"""Hypothesis strategies shared by the maths tests: small order frames with ties, zero values
and single customers, the cases that break naive code."""

import datetime as dt

import polars as pl
from hypothesis import strategies as st

AS_OF = dt.date(2026, 3, 15)
START = dt.date(2025, 1, 1)

order_rows = st.lists(
    st.tuples(
        st.integers(1, 6),  # contact
        st.integers(0, 500),  # days after START (some after AS_OF)
        st.sampled_from([0.0, 10.0, 25.5, 100.0, 999.99]),
    ),
    max_size=40,
)


def orders_frame(rows: list[tuple[int, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, START + dt.timedelta(days=d), v) for c, d, v in rows],
        schema={"contact_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64},
        orient="row",
    )


def rule_rows(items: int, size: int) -> st.SearchStrategy[list[tuple[int, int, float, float, int]]]:
    """Cross-sell rules (item, also_bought, confidence, lift, customers) over items 1..`items`,
    with ties in every ranking column."""
    return st.lists(
        st.tuples(
            st.integers(1, items),
            st.integers(1, items),
            st.sampled_from([0.1, 0.5]),
            st.sampled_from([1.0, 2.0, 3.0]),
            st.integers(1, 3),
        ),
        max_size=size,
    )


def rules_frame(rows: list[tuple[int, int, float, float, int]]) -> pl.DataFrame:
    """The rules of `rule_rows`, without self-pairs and with each pair once."""
    schema = {"item": pl.Int64, "also_bought": pl.Int64, "confidence": pl.Float64,
              "lift": pl.Float64, "customers": pl.Int64}  # fmt: skip
    return pl.DataFrame([r for r in rows if r[0] != r[1]], schema=schema, orient="row").unique(
        ["item", "also_bought"], keep="first", maintain_order=True
    )
