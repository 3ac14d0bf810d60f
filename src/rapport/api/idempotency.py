"""`Idempotency-Key` on writes: a retried request gets the first answer instead of a second effect.

Installed once for the whole API (`api.add_decorator(idempotent, mode="view")`), so every
POST, PUT, PATCH and DELETE honours it. The key is reserved before the work starts, so two
concurrent requests with one key cannot both act: the second gets 409 until the first ends.
Answers are kept for KEEP (a day, as Stripe does: retries come within minutes); each new key
removes a bounded batch of older ones, so the table holds about a day of writes; the hourly
job api.purge_idempotency_keys (api/jobs.py) removes the rest when no writes come.
"""

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.api.auth import request_user
from rapport.core.api.errors import error_response
from rapport.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
IN_PROGRESS = 0
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces: UUIDs, ULIDs, hashes
# Answers that say nothing about the request itself are not kept: retrying them must work.
_NOT_STORED = {401, 429}
KEEP = dt.timedelta(hours=24)
PRUNE_BATCH = 500  # more than any write rate adds between two writes


def _prune() -> None:
    """Forget answers older than KEEP (stuck in-progress ones too), a bounded batch at a time."""
    cutoff = timezone.now() - KEEP
    stale = list(
        IdempotencyRecord.objects.filter(created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:PRUNE_BATCH]
    )
    if stale:
        IdempotencyRecord.objects.filter(pk__in=stale).delete()


def purge_expired() -> int:
    """Forget every answer older than KEEP; how many."""
    expired = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP)
    return expired.delete()[0]


def _fingerprint(request: HttpRequest) -> str:
    return hashlib.sha256(request.body).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    body = bytes(record.response_body)
    response = HttpResponse(body, status=record.status_code)
    if body:
        response["Content-Type"] = "application/json"
    else:
        del response["Content-Type"]
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method not in WRITE_METHODS or key is None:
            return run(request, *args, **kwargs)
        if not _KEY.match(key):
            message = _("Use 1 to 200 printable ASCII characters without spaces, like a UUID.")
            return error_response(422, f"{HEADER}: {message}", [(HEADER, message)])
        user = request_user(request)
        if user is None:
            return run(request, *args, **kwargs)  # answers 401 / 403 (CSRF) itself
        method, path, fingerprint = (
            request.method,
            request.get_full_path()[:500],
            _fingerprint(request),
        )
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=method,
                    path=path,
                    request_hash=fingerprint,
                    status_code=IN_PROGRESS,
                    response_body=b"",
                )
        except IntegrityError:
            first = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if first is None:  # its first request failed and released the key meanwhile
                return run(request, *args, **kwargs)
            if first.created_at < timezone.now() - KEEP:  # expired: the key is free again
                first.delete()
                return wrapper(request, *args, **kwargs)
            if (first.method, first.path, first.request_hash) != (method, path, fingerprint):
                message = _(
                    "This Idempotency-Key was already used for a different request; "
                    "use a new key for a new request."
                )
                return error_response(409, message, [(HEADER, message)])
            if first.status_code == IN_PROGRESS:
                message = _(
                    "A request with this Idempotency-Key is still in progress; retry later."
                )
                return error_response(409, message, [(HEADER, message)])
            return _replay(first)
        _prune()
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code in _NOT_STORED:
            record.delete()
        else:
            record.status_code = response.status_code
            record.response_body = response.content
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper
