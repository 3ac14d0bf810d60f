from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from rapport.core.money import Money


@pytest.mark.parametrize(
    ("raw", "currency", "amount"),
    [("1 249,50", "eur", "1249.50"), ("10", "JPY", "10"), ("0.005", "EUR", "0.00")],
)
def test_amounts_are_parsed_to_the_currency_minor_unit(raw, currency, amount):
    assert Money.parse(raw, currency).amount == Decimal(amount)


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "1e40", "-1e13", "", "1.2.3"])
def test_bad_or_absurd_amounts_are_refused(raw):
    with pytest.raises(ValidationError):
        Money.parse(raw, "EUR")


def test_unknown_currency_is_refused():
    with pytest.raises(ValidationError):
        Money.parse("1", "XXX")


@given(st.text(max_size=30))
def test_parse_never_fails_other_than_with_a_validation_error(raw):
    try:
        money = Money.parse(raw, "EUR")
    except ValidationError:
        return
    assert abs(money.amount) < Decimal("1e12")
