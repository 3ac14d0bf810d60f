"""The campaigns app's settings, read from Django settings (see rapport/settings.py).

RAPPORT_FREQUENCY_CAP  "2/7d": at most 2 marketing messages per contact per rolling 7 days,
                       across every channel, campaign and scenario ("3/24h", "1/30d"…);
                       "0" or "off" switches the cap off.
RAPPORT_ATTRIBUTION_DAYS  14: an order counts for a campaign (or a scenario's message) when
                       it is placed within this many days after the person was sent it (for
                       the holdout: after the launch).
RAPPORT_VIBER_URL      viber://AUTH_TOKEN@chatapi.viber.com?sender=Sun%20Travel&uri=suntravel
                       (the bot's token; `sender` is the name shown, up to 28 characters;
                       `uri`, optional, the bot's URI from its admin panel, which the deep
                       links that let a customer link their Viber account need).
RAPPORT_VIBER_LINK_DAYS  30: how long such a link stays valid after it is made.
RAPPORT_WHATSAPP_URL   whatsapp://ACCESS_TOKEN@graph.facebook.com/v21.0/PHONE_NUMBER_ID
                       ?app_secret=…&verify_token=… (Meta's WhatsApp Cloud API: the app secret
                       signs its webhooks, the verify token answers its subscription check).
Both take `+http` (viber+http://…) to talk plain HTTP to a local test server.
"""

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

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


# --- messenger providers ---------------------------------------------------------------------


@dataclass(frozen=True)
class ViberConfig:
    """The Viber bot to send as: its API base ("https://chatapi.viber.com"), auth token (which
    also keys the signature of its callbacks) and the sender name shown to people."""

    base: str
    token: str
    sender: str
    uri: str = ""


@dataclass(frozen=True)
class WhatsAppConfig:
    """The WhatsApp Cloud API phone number to send from: `endpoint` is
    ".../v21.0/PHONE_NUMBER_ID/messages"; the app secret signs Meta's webhooks and the verify
    token is echoed back in its subscription check."""

    endpoint: str
    token: str
    app_secret: str
    verify_token: str


def _base(parts: SplitResult, default_host: str) -> str:
    scheme = "http" if parts.scheme.endswith("+http") else "https"
    port = f":{parts.port}" if parts.port else ""
    return f"{scheme}://{parts.hostname or default_host}{port}"


def parse_viber_url(url: str) -> ViberConfig:
    """viber://TOKEN@chatapi.viber.com?sender=Name → ViberConfig; a URL without a token or a
    sender name is refused, naming what is missing."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    token = unquote(parts.username or "")
    sender = query.get("sender", [""])[0].strip()
    if parts.scheme not in {"viber", "viber+http"} or not token:
        raise ImproperlyConfigured(
            "RAPPORT_VIBER_URL: expected viber://AUTH_TOKEN@chatapi.viber.com?sender=Name"
        )
    if not sender or len(sender) > 28:
        raise ImproperlyConfigured(
            "RAPPORT_VIBER_URL: `sender` (the name people see, 1 to 28 characters) is required"
        )
    uri = query.get("uri", [""])[0].strip()
    if uri and not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", uri):
        raise ImproperlyConfigured(
            "RAPPORT_VIBER_URL: `uri` is the bot's URI as its admin panel shows it (letters, "
            "digits, '.', '_' and '-')"
        )
    return ViberConfig(base=_base(parts, "chatapi.viber.com"), token=token, sender=sender, uri=uri)


def parse_whatsapp_url(url: str) -> WhatsAppConfig:
    """whatsapp://TOKEN@graph.facebook.com/v21.0/PHONE_NUMBER_ID?app_secret=…&verify_token=…
    → WhatsAppConfig; a URL missing any of them is refused, naming what is missing."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    token = unquote(parts.username or "")
    path = [p for p in parts.path.split("/") if p]
    if parts.scheme not in {"whatsapp", "whatsapp+http"} or not token:
        raise ImproperlyConfigured(
            "RAPPORT_WHATSAPP_URL: expected whatsapp://ACCESS_TOKEN@graph.facebook.com/"
            "v21.0/PHONE_NUMBER_ID?app_secret=…&verify_token=…"
        )
    if len(path) != 2 or not re.fullmatch(r"v\d+(\.\d+)?", path[0]) or not path[1].isdigit():
        raise ImproperlyConfigured(
            "RAPPORT_WHATSAPP_URL: the path must be /vN.N/PHONE_NUMBER_ID (e.g. /v21.0/1234567890)"
        )
    missing = [name for name in ("app_secret", "verify_token") if not query.get(name, [""])[0]]
    if missing:
        raise ImproperlyConfigured(f"RAPPORT_WHATSAPP_URL: {', '.join(missing)} is required")
    return WhatsAppConfig(
        endpoint=f"{_base(parts, 'graph.facebook.com')}/{path[0]}/{path[1]}/messages",
        token=token,
        app_secret=query["app_secret"][0],
        verify_token=query["verify_token"][0],
    )


DEFAULT_VIBER_LINK_DAYS = 30


def viber_link_validity() -> dt.timedelta:
    """How long a link made for a customer to link their Viber account stays valid."""
    days = getattr(settings, "RAPPORT_VIBER_LINK_DAYS", DEFAULT_VIBER_LINK_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise ImproperlyConfigured("RAPPORT_VIBER_LINK_DAYS: a whole number of days, 1 to 365")
    return dt.timedelta(days=days)


def viber() -> ViberConfig | None:
    url = str(getattr(settings, "RAPPORT_VIBER_URL", "") or "")
    return parse_viber_url(url) if url else None


def whatsapp() -> WhatsAppConfig | None:
    url = str(getattr(settings, "RAPPORT_WHATSAPP_URL", "") or "")
    return parse_whatsapp_url(url) if url else None


def messengers() -> set[str]:
    """The messengers a provider is configured for (the others' messages are printed)."""
    configured = {
        "telegram": getattr(settings, "RAPPORT_TELEGRAM_URL", ""),
        "viber": getattr(settings, "RAPPORT_VIBER_URL", ""),
        "whatsapp": getattr(settings, "RAPPORT_WHATSAPP_URL", ""),
    }
    return {name for name, url in configured.items() if url}
