"""Pieces every sales endpoint shares: the caller, the error answers, money in and out."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from rapport.core.api.schemas import ConflictOut, ErrorOut, Money
from rapport.core.money import Money as MoneyValue

WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}


def user_of(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def money_json(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    """{"amount": "123.45", "currency": "EUR"}; null when there is no amount."""
    if amount is None:
        return None
    return {"amount": str(amount), "currency": currency}


def money_in(value: Money, field: str) -> MoneyValue:
    """The validated amount of a Money input, errors named `<field>.currency`."""
    try:
        return value.to_money()
    except ValidationError as exc:
        raise ValidationError({f"{field}.currency": exc.messages}) from exc
