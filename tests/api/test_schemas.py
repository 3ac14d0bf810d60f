from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pydantic import ValidationError as PydanticValidationError

from rapport.core.api.schemas import Money
from rapport.core.money import Money as MoneyValue


def test_money_round_trips_as_strings_never_floats():
    money = Money.of(MoneyValue(Decimal("123.45"), "EUR"))

    assert money.model_dump() == {"amount": "123.45", "currency": "EUR"}
    assert money.to_money() == MoneyValue(Decimal("123.45"), "EUR")


def test_money_rounds_to_the_currencys_minor_unit():
    assert Money(amount="1000.5", currency="JPY").to_money() == MoneyValue(Decimal("1000"), "JPY")


@pytest.mark.parametrize(
    ("amount", "currency"), [(12.5, "EUR"), ("12,50", "EUR"), ("1e5", "EUR"), ("12.50", "eur")]
)
def test_money_refuses_floats_and_loose_formats(amount, currency):
    with pytest.raises(PydanticValidationError):
        Money(amount=amount, currency=currency)


def test_money_refuses_an_unknown_currency_naming_it():
    with pytest.raises(ValidationError) as exc:
        Money(amount="1.00", currency="XXX").to_money()

    assert set(exc.value.message_dict) == {"currency"}
