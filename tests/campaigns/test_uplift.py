"""The uplift maths against values worked out by hand."""

from decimal import Decimal

import pytest

from rapport.campaigns.uplift import Group, conversion_rate, uplift


def test_the_two_proportion_interval_of_a_textbook_case():
    # 120 of 1,000 treated converted, 100 of 1,000 held out: d = 0.12 − 0.10 = 0.02,
    # se = √(0.12·0.88/1000 + 0.10·0.90/1000) = √0.0001956 = 0.0139857,
    # margin = 1.959964 · 0.0139857 = 0.0274115
    result = uplift(Group(1000, 120, Decimal("6000.00")), Group(1000, 100, Decimal("4500.00")))

    assert result is not None
    assert round(result.rate, 7) == 0.02
    assert round(result.low, 7) == -0.0074115
    assert round(result.high, 7) == 0.0474115
    # (6000/1000 − 4500/1000) · 1000
    assert result.incremental_revenue == Decimal("1500.00")


def test_small_groups_and_revenue_rounded_to_the_cent():
    # 2 of 4 against 1 of 3: d = 1/6; se = √(0.25/4 + (2/9)/3) = √0.1365741 = 0.3695593
    result = uplift(Group(4, 2, Decimal("165.00")), Group(3, 1, Decimal("80.00")))

    assert result is not None
    assert round(result.rate, 6) == 0.166667
    assert round(result.low, 6) == -0.557656
    assert round(result.high, 6) == 0.890990
    # (165/4 − 80/3) · 4 = 58.333…
    assert result.incremental_revenue == Decimal("58.33")


def test_nothing_to_compare_without_both_groups():
    assert uplift(Group(10, 1), Group(0, 0)) is None
    assert uplift(Group(0, 0), Group(10, 1)) is None
    assert conversion_rate(0, 0) is None
    assert conversion_rate(3, 4) == 0.75


@pytest.mark.parametrize("rate", [0, 1])
def test_certain_groups_have_no_spread(rate):
    result = uplift(Group(5, 5 * rate), Group(5, 5 * rate))

    assert result is not None
    assert (result.rate, result.low, result.high) == (0, 0, 0)
