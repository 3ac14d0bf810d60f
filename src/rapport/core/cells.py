"""Parsing cells of imported files: dates, times, numbers and lists written the common ways."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_DMY_TIME = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_date(text: str) -> dt.date:
    """A date written as 2024-03-31, 31.03.2024 or 31/03/2024 (day first, as in Europe)."""
    text = text.strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if "T" in text or " " in text:
            return dt.datetime.fromisoformat(text).date()
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD or DD.MM.YYYY."),
            params={"value": text[:40]},
        ) from exc


def parse_datetime(text: str) -> dt.datetime:
    """A time as ISO 8601 (with or without offset) or DD.MM.YYYY [HH:MM]; naive → local time."""
    text = text.strip()
    try:
        match = _DMY_TIME.match(text)
        if match:
            day, month, year, hour, minute = (int(g) for g in match.groups()[:5])
            value = dt.datetime(year, month, day, hour, minute, int(match.group(6) or 0))
        elif _DMY.match(text) or len(text) == 10:
            value = dt.datetime.combine(parse_date(text), dt.time())
        else:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, ValidationError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a date or time; write it as YYYY-MM-DD HH:MM or DD.MM.YYYY."),
            params={"value": text[:40]},
        ) from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_decimal(text: str) -> Decimal:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValidationError(
            _("“%(value)s” is not a number."), params={"value": text[:40]}
        ) from exc
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": text[:40]})
    return value


def split_list(text: str) -> list[str]:
    """Several values in one cell, separated by commas, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]
