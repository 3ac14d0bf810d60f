"""Schemas and field types every app's API shares: errors, pages, ids, times and money.

App routers (`<app>/api.py`) import from here; this module imports no app, so the
dependency still runs one way (apps → this toolkit; `rapport.api.main` → app routers).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict

from rapport.core.money import Money as MoneyValue

# Database ids are signed 64-bit; a larger number can only be a mistake (and would overflow
# the SQLite driver), so it is refused as invalid input rather than looked up.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _aware_timestamp(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError(_("Give the time with its UTC offset, like 2025-05-01T10:00:00+03:00."))
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(_("Give a time between the years 1900 and 2999.")) from exc
    if not 1900 <= utc.year <= 2999:
        raise ValueError(_("Give a time between the years 1900 and 2999."))
    return utc


# ISO 8601 with an offset; naive times are refused (we never guess a time zone).
Timestamp = Annotated[dt.datetime, AfterValidator(_aware_timestamp)]


def _plausible_day(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2999:
        raise ValueError(_("Give a day between the years 1900 and 2999."))
    return value


# A calendar day (YYYY-MM-DD) for periods and filters. Bounded like Timestamp: a day in the
# year 507 is a typo, and period arithmetic on it (the period before, a zone's midnight)
# would overflow Python's datetime instead of answering.
Day = Annotated[dt.date, AfterValidator(_plausible_day)]


class InputSchema(Schema):
    """Request bodies: unknown fields are an error naming them, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """The body of every 4xx answer."""

    detail: str
    errors: list[FieldError] = []


class ExistingRef(Schema):
    id: int
    url: str


class ConflictOut(ErrorOut):
    """A 409: the input collides with a record; `existing` is set when the caller may see it."""

    existing: ExistingRef | None = None


class ListParams(Schema):
    """Cursor pagination shared by every list endpoint."""

    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}."
    )
    cursor: str | None = Field(
        None, max_length=2000, description="The `next` value of the previous page."
    )
    count: bool = Field(False, description="Add `count` (capped) and `count_exact` to the answer.")


class OutSchema(BaseModel):
    """A response body our serializers build as a dict: a plain pydantic model.

    ninja's Schema runs a root validator on every object to read ORM instances by attribute;
    over a page of 50 contacts with their e-mails and phones that was ≈ 3 ms of a ≈ 17 ms
    search request (cProfile), for dicts that need none of it.
    """


class Page(OutSchema):
    """One page of a list; `next` is the cursor of the following page or null at the end."""

    next: str | None
    count: int | None = None
    count_exact: bool | None = None


class Money(Schema):
    """An amount of money: a decimal string (never a float) and an ISO 4217 currency."""

    amount: str = Field(..., pattern=r"^-?\d{1,12}(\.\d{1,4})?$", examples=["123.45"])
    currency: str = Field(..., pattern=r"^[A-Z]{3}$", examples=["EUR"])

    @classmethod
    def of(cls, value: MoneyValue) -> "Money":
        return cls(**value.as_json())

    def to_money(self) -> MoneyValue:
        """The validated value (rounded to the currency's minor unit); raises a field error."""
        try:
            return MoneyValue.parse(Decimal(self.amount), self.currency)
        except DjangoValidationError as exc:
            raise DjangoValidationError({"currency": exc.messages}) from exc
