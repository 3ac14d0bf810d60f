"""The monthly cohort triangle on hand-checked orders, and its invariants."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings

from rapport.analytics.maths.cohorts import monthly_cohorts, monthly_cohorts_by
from tests.analytics.maths.strategies import AS_OF, order_rows, orders_frame

D = dt.date


def test_cohorts_count_returning_customers_and_their_revenue():
    # January: contacts 1 and 2 arrive; 1 comes back in March. February: contact 3 arrives
    # (two orders that month) and comes back in March. An order after as_of is ignored.
    orders = pl.DataFrame(
        [
            (1, D(2026, 1, 5), 100.0), (2, D(2026, 1, 20), 200.0), (1, D(2026, 3, 2), 50.0),
            (3, D(2026, 2, 1), 70.0), (3, D(2026, 2, 27), 30.0), (3, D(2026, 3, 9), 10.0),
            (2, D(2026, 4, 1), 999.0),
        ],
        schema={"contact_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64},
        orient="row",
    )  # fmt: skip

    cells = monthly_cohorts(orders, as_of=D(2026, 3, 20))

    assert cells.rows() == [
        (D(2026, 1, 1), 0, 2, 2, 300.0, 1.0),
        (D(2026, 1, 1), 1, 2, 0, 0.0, 0.0),
        (D(2026, 1, 1), 2, 2, 1, 50.0, 0.5),
        (D(2026, 2, 1), 0, 1, 1, 100.0, 1.0),
        (D(2026, 2, 1), 1, 1, 1, 10.0, 1.0),
    ]


def test_no_orders_give_no_cells():
    empty = pl.DataFrame(
        schema={"contact_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64}
    )

    cells = monthly_cohorts(empty, as_of=AS_OF)

    assert cells.is_empty()
    assert cells.columns == ["cohort", "months_since", "cohort_size", "customers", "revenue",
                             "retention"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(order_rows)
def test_a_cohort_never_has_more_customers_than_it_started_with(rows):
    orders = orders_frame(rows)

    cells = monthly_cohorts(orders, as_of=AS_OF)

    seen = orders.filter(pl.col("ordered_at") <= AS_OF)
    assert (cells["customers"] <= cells["cohort_size"]).all()
    first = cells.filter(pl.col("months_since") == 0)
    assert (first["customers"] == first["cohort_size"]).all()
    assert first["cohort_size"].sum() == seen["contact_id"].n_unique()
    assert cells["revenue"].sum() == pytest.approx(seen["value"].sum())
    assert cells["retention"].is_between(0, 1).all()


@settings(max_examples=60, deadline=None)
@given(order_rows)
def test_cohorts_by_audience_are_those_of_each_audiences_orders(rows):
    # contacts 1-2 in team:a, 3-4 in team:b, 5-6 in none
    orders = orders_frame(rows).with_columns(
        pl.col("contact_id")
        .replace_strict({1: "team:a", 2: "team:a", 3: "team:b", 4: "team:b"}, default=None)
        .alias("scope")
    )

    whole, parts = monthly_cohorts_by(orders, as_of=AS_OF, by="scope")

    plain = orders.drop("scope")
    assert whole.equals(monthly_cohorts(plain, as_of=AS_OF))
    for scope in ("team:a", "team:b"):
        alone = monthly_cohorts(plain.filter(orders["scope"] == scope), as_of=AS_OF)
        assert parts.get(scope, alone.clear()).equals(alone)
    assert set(parts) <= {"team:a", "team:b"}
