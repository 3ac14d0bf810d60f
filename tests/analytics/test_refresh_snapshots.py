"""The refresh's stored reports: each audience's product classes from its monthly sums."""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths import abcxyz
from rapport.analytics.refresh.snapshots import monthly_sales

AS_OF = dt.date(2026, 3, 15)
FIRST = dt.date(2024, 9, 1)

line_rows = st.lists(
    st.tuples(
        st.integers(1, 5),  # product
        st.integers(0, 600),  # days after FIRST (some after the window)
        st.sampled_from([0.0, 0.01, 19.99, 250.0, 1234.56, -40.0]),
        st.sampled_from(["team:1", "team:2", None]),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(line_rows, st.sampled_from(["month", "quarter"]))
def test_an_audiences_product_classes_from_its_monthly_sums_are_those_of_its_lines(rows, period):
    lines = pl.DataFrame(
        [(p, FIRST + dt.timedelta(days=d), v, s) for p, d, v, s in rows],
        schema={"product_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64,
                "scope": pl.String},
        orient="row",
    )  # fmt: skip
    start, end = abcxyz.complete_window(AS_OF, months=12, period=period)
    items = pl.DataFrame({"product_id": [1, 2, 3, 4, 5, 6]})

    sums = monthly_sales(lines, start, end)

    for scope in ("team:1", "team:2"):

        def classes(sales: pl.DataFrame, scope: str = scope) -> pl.DataFrame:
            return abcxyz.classify(
                sales.filter(pl.col("scope") == scope).drop("scope"),
                id_column="product_id", start=start, end=end, items=items,
                entity="products", period=period,
            )  # fmt: skip

        assert classes(sums).equals(classes(lines))
