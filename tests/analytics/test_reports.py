"""The stored reports' helpers: the lifetime-value histogram's bins."""

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from rapport.analytics.reports import histogram


def test_bins_are_round_whole_cent_ranges_that_hold_each_value_once():
    bins = histogram(pl.Series([0.0, 10.5, 99.99, 100.0, None]))

    assert bins[:2] == [
        {"from": 0.0, "to": 10.0, "count": 1},
        {"from": 10.0, "to": 20.0, "count": 1},
    ]
    assert bins[-2:] == [
        {"from": 90.0, "to": 100.0, "count": 1},
        {"from": 100.0, "to": 110.0, "count": 1},
    ]
    assert len(bins) == 11


def test_one_value_is_one_cent_wide_bin_and_nothing_is_no_bin():
    assert histogram(pl.Series([5.0, 5.0])) == [{"from": 5.0, "to": 5.01, "count": 2}]
    assert histogram(pl.Series([None], dtype=pl.Float64)) == []


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=200))
def test_every_value_falls_in_the_one_bin_whose_range_holds_it(cents):
    values = [c / 100 for c in cents]
    bins = histogram(pl.Series(values))

    assert 1 <= len(bins) <= 20
    for value in values:
        assert sum(1 for b in bins if b["from"] <= value < b["to"]) == 1
    assert [b["count"] for b in bins] == [
        sum(1 for v in values if b["from"] <= v < b["to"]) for b in bins
    ]
