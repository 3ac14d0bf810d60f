"""The campaigns app's settings, read from Django settings (see rapport/settings.py).

RAPPORT_FREQUENCY_CAP  "2/7d": at most 2 marketing messages per contact per rolling 7 days,
                       across every channel, campaign and scenario ("3/24h", "1/30d"…);
                       "0" or "off" switches the cap off.
RAPPORT_ATTRIBUTION_DAYS  14: an order counts for a campaign (or a scenario's message) when
                       it is placed within this many days after the person was sent it (for
                       the holdout: after the launch).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_CAP = "2/7d"
_CAP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": dt.timedelta(days=1), "h": dt.timedelta(hours=1), "m": dt.timedelta(minutes=1)}


@dataclass(frozen=True)
class FrequencyCap:
    """At most `limit` marketing messages per contact in any `window`; None: no cap."""

    limit: int
    window: dt.timedelta


def parse_cap(text: str) -> FrequencyCap | None:
    """ "2/7d" → FrequencyCap(2, 7 days); "off" or "0" → None; anything else is refused."""
    if text.strip().lower() in {"0", "off", "none"}:
        return None
    match = _CAP.match(text)
    if match is None or int(match[2]) == 0:
        raise ImproperlyConfigured(
            f"RAPPORT_FREQUENCY_CAP: {text!r} is not a cap such as '2/7d' (count/window, "
            "window in d, h or m), or 'off'"
        )
    return FrequencyCap(int(match[1]), int(match[2]) * _UNITS[match[3]])


def frequency_cap() -> FrequencyCap | None:
    return parse_cap(str(getattr(settings, "RAPPORT_FREQUENCY_CAP", DEFAULT_CAP)))


def lease() -> dt.timedelta:
    """How long a claimed batch stays a worker's before another may recover it."""
    return dt.timedelta(seconds=float(getattr(settings, "RAPPORT_OUTBOX_LEASE", 120)))


# Retries of a message whose provider answered "try later" (or could not be reached): the
# first after BACKOFF, doubling each time, at most MAX_ATTEMPTS attempts in all.
BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=1)
MAX_ATTEMPTS = 8


def retry_delay(failed_attempts: int) -> dt.timedelta:
    return min(BACKOFF * 2 ** max(failed_attempts - 1, 0), MAX_BACKOFF)


DEFAULT_ATTRIBUTION_DAYS = 14


def attribution_days() -> int:
    """The attribution window in days (RAPPORT_ATTRIBUTION_DAYS, checked at start-up)."""
    return int(getattr(settings, "RAPPORT_ATTRIBUTION_DAYS", DEFAULT_ATTRIBUTION_DAYS))
