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
