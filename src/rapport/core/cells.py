"""Parsing cells of imported files: dates, times, numbers and lists written the common ways."""

import datetime as dt
import functools
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
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


def choice_lookup(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Folded code and label in every interface language → code, for a choice column.

    Exports write labels ("Qualified", "Кваліфікований"), so a file exported in any language
    imports again; codes ("qualified") keep working.
    """
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices:
                lookup.setdefault(str(label).strip().casefold(), code)
    for code, _label in choices:
        lookup[str(code).casefold()] = code
    return lookup


@functools.cache
def _lookup_for(choices_class: type) -> dict[str, str]:
    return choice_lookup(choices_class.choices)  # type: ignore[attr-defined]


def choice_code(choices_class: type, raw: str) -> str | None:
    """The code of a TextChoices member written as its code or its label in any language."""
    return _lookup_for(choices_class).get(raw.strip().casefold())


def choice_hint(choices_class: type) -> str:
    """'Choose from: …' listing the labels in the reader's language."""
    labels = [str(label) for _code, label in choices_class.choices]  # type: ignore[attr-defined]
    return _("Choose from: %(c)s.") % {"c": ", ".join(labels)}
