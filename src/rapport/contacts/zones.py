"""The time zone a contact lives in, for sending at sensible local hours."""

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from rapport.core.dates import zone_named

ZONE_ATTRIBUTE = "time_zone"


def contact_zone(custom: Any) -> ZoneInfo:
    """A contact's zone from their custom attributes: `time_zone` when it names an IANA
    zone, else the business's (most customers of a local agency live where it does)."""
    name = custom.get(ZONE_ATTRIBUTE) if isinstance(custom, dict) else None
    return zone_named(name if isinstance(name, str) else settings.TIME_ZONE)
