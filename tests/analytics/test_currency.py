"""Orders converted to the reporting currency with the stored rates; none dropped silently."""

import datetime as dt

import polars as pl
import pytest

from rapport.analytics.currency import convert

D = dt.date


def orders(*rows):
    return pl.DataFrame(
        rows,
        schema={"order_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64,
                "currency": pl.String},
        orient="row",
    )  # fmt: skip


def rates(*rows):
    return pl.DataFrame(
        rows, schema={"currency": pl.String, "rate": pl.Float64, "valid_from": pl.Date},
        orient="row",
    )  # fmt: skip


def test_each_order_takes_the_rate_valid_on_its_day():
    result = convert(
        orders(
            (1, D(2025, 1, 10), 100.0, "EUR"),
            (2, D(2025, 1, 10), 100.0, "USD"),
            (3, D(2025, 2, 1), 100.0, "USD"),
            (4, D(2025, 3, 5), 50.0, "USD"),
        ),
        rates(("USD", 0.90, D(2025, 1, 1)), ("USD", 0.95, D(2025, 2, 1))),
        currency="EUR",
    )

    kept = result.orders.sort("order_id")
    assert kept["order_id"].to_list() == [1, 2, 3, 4]
    assert kept["value"].to_list() == pytest.approx([100.0, 90.0, 95.0, 47.5])
    assert kept["rate"].to_list() == [1.0, 0.90, 0.95, 0.95]
    [usd] = result.uses
    assert (usd.currency, usd.converted, usd.left_out) == ("USD", 3, 0)
    assert usd.rates == [(D(2025, 1, 1), 0.90, 1), (D(2025, 2, 1), 0.95, 2)]


def test_orders_without_a_rate_are_left_out_and_counted():
    result = convert(
        orders(
            (1, D(2024, 12, 31), 200.0, "USD"),  # before USD's first rate
            (2, D(2025, 1, 2), 100.0, "USD"),
            (3, D(2025, 1, 2), 1000.0, "UAH"),  # no UAH rate at all
            (4, D(2025, 1, 2), 500.0, "UAH"),
            (5, D(2025, 1, 2), 10.0, "EUR"),
        ),
        rates(("USD", 0.9, D(2025, 1, 1))),
        currency="EUR",
    )

    assert sorted(result.orders["order_id"].to_list()) == [2, 5]
    assert result.left_out == 3
    uah, usd = result.uses
    assert (uah.currency, uah.converted, uah.left_out, uah.left_out_value) == ("UAH", 0, 2, 1500.0)
    assert uah.first_rate_from is None
    assert (usd.converted, usd.left_out, usd.left_out_value) == (1, 1, 200.0)
    assert usd.first_rate_from == D(2025, 1, 1)


def test_only_home_currency_needs_no_rates():
    result = convert(orders((1, D(2025, 1, 1), 5.0, "EUR")), rates(), currency="EUR")

    assert result.orders["value"].to_list() == [5.0]
    assert result.uses == []
