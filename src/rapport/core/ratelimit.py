"""Rate limits kept in the database, so every web process shares one count (no cache server
needed with SQLite; the same rows work on PostgreSQL): fixed-window hit counters for the
public form, timed events for sign-in throttling, and the client address they count by.

Behind a reverse proxy every request comes from the proxy's address. `X-Forwarded-For` is
believed only when the request comes from an address in RAPPORT_TRUSTED_PROXIES (a list of
CIDRs); then the client is the right-most address in that header that is not itself a trusted
proxy. Anyone else can write any X-Forwarded-For, so it is ignored.
"""

import datetime as dt
import functools
import hashlib
import ipaddress
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min
from django.http import HttpRequest
from django.utils import timezone

from rapport.core.models import RateLimitBucket, ThrottleEvent

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address a request counts as coming from (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _trusted(tuple(getattr(settings, "RAPPORT_TRUSTED_PROXIES", ())))
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a garbled header: count the proxy, not a made-up address
    return remote


def client_key(prefix: str, ip: str) -> str:
    """A key for an address that does not store the address itself (personal data)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


BUCKET_KEEP = dt.timedelta(days=1)  # longer than any window a caller counts in


def hit(key: str, *, limit: int, window: dt.timedelta) -> bool:
    """Count one hit; True while the key is within `limit` hits in the current window."""
    now = timezone.now()
    seconds = int(window.total_seconds())
    start = dt.datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=dt.UTC)
    with transaction.atomic():
        updated = RateLimitBucket.objects.filter(key=key, window_start=start).update(
            hits=F("hits") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(key=key, window_start=start, hits=1)
            except IntegrityError:
                RateLimitBucket.objects.filter(key=key, window_start=start).update(
                    hits=F("hits") + 1
                )
        hits = RateLimitBucket.objects.filter(key=key, window_start=start).values_list(
            "hits", flat=True
        )[0]
    if now.minute == 0 and now.second < 5:
        # Old windows are useless; sweeping once in a while keeps the table tiny (the hourly
        # job core.purge_expired sweeps too, for the hours nobody posts).
        RateLimitBucket.objects.filter(window_start__lt=now - BUCKET_KEEP).delete()
    return hits <= limit


# --- timed events (sign-in throttling) -----------------------------------------------------

EVENT_KEEP = dt.timedelta(days=31)


@dataclass(frozen=True)
class Recent:
    """The events of one key since some time: how many, the first and the last."""

    count: int
    first: dt.datetime | None
    last: dt.datetime | None


def event_key(prefix: str, *parts: str) -> str:
    """A key for a tuple of values (an account, an address) that stores neither."""
    joined = "\x1f".join(parts)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{prefix}:{joined}".encode()).hexdigest()
    return f"{prefix}:{digest[:40]}"


def record_event(*keys: str) -> None:
    now = timezone.now()
    ThrottleEvent.objects.bulk_create([ThrottleEvent(key=key, at=now) for key in keys])
    if random.random() < 0.01:
        ThrottleEvent.objects.filter(at__lt=now - EVENT_KEEP).delete()


def recent_events(key: str, *, since: dt.datetime) -> Recent:
    row = ThrottleEvent.objects.filter(key=key, at__gte=since).aggregate(
        count=Count("id"), first=Min("at"), last=Max("at")
    )
    return Recent(row["count"], row["first"], row["last"])


def forget_events(*keys: str) -> None:
    ThrottleEvent.objects.filter(key__in=keys).delete()


def purge_expired(now: dt.datetime) -> dict[str, int]:
    """Delete hit windows and throttle events too old to count; how many of each."""
    windows, _by_model = RateLimitBucket.objects.filter(window_start__lt=now - BUCKET_KEEP).delete()
    events, _by_model = ThrottleEvent.objects.filter(at__lt=now - EVENT_KEEP).delete()
    return {"rate_limit_windows": windows, "throttle_events": events}
