"""The per-customer purchase summary on hand-checked orders, and against lifetimes."""

import datetime as dt
import re
from decimal import Decimal

import pandas
import polars as pl
import pytest
from hypothesis import given, settings
from lifetimes import utils

from rapport.analytics.maths.purchases import customer_summary, lifetimes_frame, purchases
from tests.analytics.maths.strategies import AS_OF, order_rows, orders_frame

D = dt.date


def orders(*rows):
    return pl.DataFrame(
        rows,
        schema={"contact_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64},
        orient="row",
    )


# Contact 1: two orders on 10 January (one purchase of 150), then 200 and 300; the April
# order is after as_of. Contact 2: one zero-value order on as_of itself.
ORDERS = orders(
    (1, D(2026, 1, 10), 100.0),
    (1, D(2026, 1, 10), 50.0),
    (1, D(2026, 2, 1), 200.0),
    (1, D(2026, 3, 1), 300.0),
    (1, D(2026, 4, 1), 999.0),
    (2, D(2026, 3, 15), 0.0),
)


def test_summary_counts_purchases_per_day_with_lifetimes_conventions():
    summary = customer_summary(ORDERS, as_of=AS_OF)

    assert summary.to_dicts() == [
        {
            "contact_id": 1,
            "orders": 4,
            "purchase_days": 3,
            "frequency": 2,
            "first_purchase": D(2026, 1, 10),
            "last_purchase": D(2026, 3, 1),
            "recency_days": 14,
            "T_days": 64,
            "first_to_last_days": 50,
            "total_revenue": 650.0,
            "monetary": 250.0,  # (200 + 300) / 2: the first purchase is not a repeat
        },
        {
            "contact_id": 2,
            "orders": 1,
            "purchase_days": 1,
            "frequency": 0,
            "first_purchase": D(2026, 3, 15),
            "last_purchase": D(2026, 3, 15),
            "recency_days": 0,
            "T_days": 0,
            "first_to_last_days": 0,
            "total_revenue": 0.0,
            "monetary": 0.0,
        },
    ]


def test_purchases_sums_a_days_orders():
    days = purchases(ORDERS, as_of=AS_OF).sort("contact_id", "day")

    assert days.rows() == [
        (1, D(2026, 1, 10), 150.0, 2),
        (1, D(2026, 2, 1), 200.0, 1),
        (1, D(2026, 3, 1), 300.0, 1),
        (2, D(2026, 3, 15), 0.0, 1),
    ]


def test_lifetimes_frame_names_and_units():
    frame = lifetimes_frame(customer_summary(ORDERS, as_of=AS_OF), unit_days=7)

    assert frame.columns == ["contact_id", "frequency", "recency", "T", "monetary_value"]
    assert frame.row(0) == (1, 2.0, pytest.approx(50 / 7), pytest.approx(64 / 7), 250.0)


def test_decimal_values_and_datetimes_are_accepted():
    frame = pl.DataFrame(
        {
            "contact_id": [7, 7],
            "ordered_at": [dt.datetime(2026, 1, 1, 23, 59), dt.datetime(2026, 1, 1, 8, 0)],
            "value": [Decimal("10.10"), Decimal("0.20")],
        }
    )

    summary = customer_summary(frame, as_of=AS_OF)

    assert summary.select("purchase_days", "orders", "total_revenue").row(0) == (
        1,
        2,
        pytest.approx(10.30),
    )


def test_no_orders_give_an_empty_summary_with_every_column():
    summary = customer_summary(ORDERS.clear(), as_of=AS_OF)

    assert summary.is_empty()
    assert summary.columns == customer_summary(ORDERS, as_of=AS_OF).columns


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (ORDERS.drop("value"), "orders lacks the column(s) value"),
        (
            ORDERS.with_columns(pl.lit(None, pl.Int64).alias("contact_id")),
            "orders.contact_id has 6",
        ),
        (ORDERS.with_columns(pl.lit("x").alias("value")), "orders.value must hold numbers"),
        (ORDERS.with_columns(pl.lit("x").alias("ordered_at")), "orders.ordered_at must hold dates"),
    ],
)
def test_bad_orders_are_named(frame, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        customer_summary(frame, as_of=AS_OF)


@settings(max_examples=40, deadline=None)
@given(order_rows)
def test_summary_equals_lifetimes_and_its_identities_hold(rows):
    frame = orders_frame(rows)

    summary = customer_summary(frame, as_of=AS_OF)

    assert (summary["recency_days"] + summary["first_to_last_days"] == summary["T_days"]).all()
    assert (summary["frequency"] == summary["purchase_days"] - 1).all()
    assert summary["recency_days"].min() is None or summary["recency_days"].min() >= 0
    assert summary.select(pl.col("monetary", "total_revenue").is_nan().any()).row(0) == (
        False,
        False,
    )
    seen = frame.filter(pl.col("ordered_at") <= AS_OF)
    if seen.is_empty():
        assert summary.is_empty()
        return
    transactions = pandas.DataFrame(seen.to_dict(as_series=False))
    transactions["ordered_at"] = pandas.to_datetime(transactions["ordered_at"])
    theirs = utils.summary_data_from_transaction_data(
        transactions,
        "contact_id",
        "ordered_at",
        monetary_value_col="value",
        observation_period_end=AS_OF.isoformat(),
        freq="D",
    )
    ours = lifetimes_frame(summary).sort("contact_id")
    assert ours["contact_id"].to_list() == theirs.index.to_list()
    for column in ("frequency", "recency", "T", "monetary_value"):
        assert ours[column].to_list() == pytest.approx(theirs[column].to_list()), column
