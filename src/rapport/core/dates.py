"""A user's choice of date format, applied to every date shown during their request.

The language decides the usual format (core/formats/: day first in English, Russian and
Ukrainian; year first in Lithuanian). A user may prefer ISO dates or the US month-first
ones whatever their language. Django caches formats per language, not per user, so the
choice travels in a context variable that DateStyleMiddleware sets for the request, and
the `date` template filter (core/templatetags/dates.py, a template builtin) asks
`format_for` which format a named one ("SHORT_DATE_FORMAT") means for this reader.
"""

import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _


class DateStyle(models.TextChoices):
    USUAL = "", _("Usual for the interface language")
    ISO = "iso", _("Year first (2026-12-31)")
    MONTH_FIRST = "month_first", _("Month first, as in the US (12/31/2026)")


# The named formats each style replaces; the others (and the usual style) stay the language's.
_FORMATS: dict[str, dict[str, str]] = {
    DateStyle.ISO: {
        "DATE_FORMAT": "Y-m-d",
        "SHORT_DATE_FORMAT": "Y-m-d",
        "DATETIME_FORMAT": "Y-m-d H:i",
        "SHORT_DATETIME_FORMAT": "Y-m-d H:i",
        "MONTH_DAY_FORMAT": "m-d",
        "YEAR_MONTH_FORMAT": "Y-m",
    },
    DateStyle.MONTH_FIRST: {  # Django's own US English formats
        "DATE_FORMAT": "N j, Y",
        "SHORT_DATE_FORMAT": "m/d/Y",
        "DATETIME_FORMAT": "N j, Y, P",
        "SHORT_DATETIME_FORMAT": "m/d/Y P",
        "MONTH_DAY_FORMAT": "F j",
    },
}

# Resolved on first use, so a request that shows no date never loads its user for this.
_style: ContextVar[Callable[[], str] | None] = ContextVar("rapport_date_style", default=None)


@contextmanager
def date_style(style: Callable[[], str]) -> Iterator[None]:
    """Show dates in `style()` (a DateStyle value) inside the block."""
    token = _style.set(style)
    try:
        yield
    finally:
        _style.reset(token)


def format_for(name: str | None) -> str | None:
    """The format to use for `name` (a named format, a literal format or None = DATE_FORMAT).

    Literal formats ("Y-m-d", "c") are what the template asked for and pass unchanged.
    """
    resolve = _style.get()
    if resolve is None:
        return name
    formats = _FORMATS.get(resolve())
    if not formats:
        return name
    return formats.get(name or "DATE_FORMAT", name)


@cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name the system knows ("Europe/Kyiv", "UTC")."""
    return frozenset(zoneinfo.available_timezones())


def zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone called `name`; the site's zone (settings.TIME_ZONE) for none or an unknown one."""
    from django.conf import settings

    if name and name in time_zones():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)
