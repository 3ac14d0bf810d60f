"""The attribution's pure part on frames built by hand: the window's edges, first exposures,
groups, revenue converted to the reporting currency and orders without a rate left out."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import polars as pl

from rapport.campaigns.attribution import (
    EXPOSURES_SCHEMA,
    ORDERS_SCHEMA,
    attribute,
    totals,
)
from rapport.campaigns.uplift import Group

DAY = 86_400
T0 = 1_772_445_600  # 2026-03-02 10:00 UTC
RATES = pl.DataFrame(
    {"currency": ["USD"], "rate": [0.5], "valid_from": [dt.date(2026, 1, 1)]},
    schema={"currency": pl.String, "rate": pl.Float64, "valid_from": pl.Date},
)


def _exposures(*rows):
    return pl.DataFrame(rows, schema=EXPOSURES_SCHEMA, orient="row")


def _orders(*rows):
    return pl.DataFrame(rows, schema=ORDERS_SCHEMA, orient="row")


def test_an_order_counts_from_the_first_exposure_to_the_windows_end():
    exposures = _exposures((1, T0 + DAY, "treated"), (1, T0, "treated"), (2, T0, "holdout"))
    orders = _orders(
        (10, 1, T0 - 1, 5.0, "EUR"),  # before
        (11, 1, T0, 7.0, "EUR"),  # at the exposure
        (12, 1, T0 + 7 * DAY - 1, 3.0, "EUR"),  # the last second
        (13, 1, T0 + 7 * DAY, 9.0, "EUR"),  # over
        (14, 3, T0 + DAY, 4.0, "EUR"),  # not exposed
    )

    counted = attribute(exposures, orders, days=7)

    assert sorted(counted["order_id"].to_list()) == [11, 12]


def test_totals_per_group_in_the_reporting_currency():
    exposures = _exposures(
        (1, T0, "treated"), (2, T0, "treated"), (3, T0, "holdout"), (4, T0, "holdout")
    )
    orders = _orders(
        (10, 1, T0 + DAY, 100.0, "EUR"),
        (11, 1, T0 + 2 * DAY, 40.0, "USD"),  # 20 EUR
        (12, 2, T0 + DAY, 30.0, "GBP"),  # no rate: a converter, no revenue
        (13, 3, T0 + DAY, 12.5, "EUR"),
    )

    result = totals(
        exposures,
        orders,
        RATES,
        days=14,
        currency="EUR",
        zone=zoneinfo.ZoneInfo("Europe/Vilnius"),
    )

    assert result.groups == {
        "treated": Group(2, 2, Decimal("120.00")),
        "holdout": Group(2, 1, Decimal("12.50")),
    }
    assert (result.left_out, result.days, result.currency) == (1, 14, "EUR")
    assert result.group("variant:9") == Group(0, 0)
    assert result.combined(["treated", "holdout"]) == Group(4, 3, Decimal("132.50"))
