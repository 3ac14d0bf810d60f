"""Fixed-window rate limits kept in the database, so every web process shares one count
(no cache server needed with SQLite; the same rows work on PostgreSQL)."""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rapport.core.models import RateLimitBucket


def client_key(prefix: str, ip: str) -> str:
    """A key for an address that does not store the address itself (personal data)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


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
        # Old windows are useless; sweeping once in a while keeps the table tiny.
        RateLimitBucket.objects.filter(window_start__lt=now - dt.timedelta(days=1)).delete()
    return hits <= limit
