"""Outbound webhooks: one signed JSON POST to an integrator's https URL, safe against SSRF.

Safety: https only, on a port in RAPPORT_WEBHOOK_PORTS (default 443), no credentials in the URL.
The host is resolved once and refused if any address is not public (private, loopback,
link-local, CGNAT, multicast, reserved, unspecified, also inside IPv6 as ::ffff:10.0.0.1 or 6to4,
also odd IPv4 spellings like 2130706433 or 0x7f.1). The connection goes to an address of that one
resolution, so a second DNS answer (rebinding) cannot move it, while TLS sends the host name (SNI,
Host) and verifies the certificate for it. Redirects are never followed. `timeout` bounds connect,
TLS, request and answer together (a watchdog cuts a trickling connection; DNS keeps the
resolver's own timeout). At most BODY_CAP bytes of the answer are read.

Signature, for receivers (docs/webhooks.md has a verification snippet):
    X-Rapport-Timestamp: <unix seconds>
    X-Rapport-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body bytes>")>
    X-Rapport-Delivery:  <delivery id>, the same on every attempt for one event
A receiver compares the signature in constant time, refuses timestamps over 5 minutes off, and acts
once per delivery id: a retry after a timeout may reach it twice.

OutboundRefused: retrying cannot help (fix the URL, the target or its answer). OutboundFailed: a
later attempt with backoff may pass (timeout, connection, TLS, 5xx, 408, 429).

The URL and address checks live in core/outbound_guard.py. The standard library does the HTTP:
urllib3 is installed here only for a test tool (requests, via schemathesis), it is no runtime
dependency of Rapport, and http.client lets one overridden method pin the connected address.
"""

import contextlib
import hashlib
import hmac
import http.client
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from rapport.core.outbound_guard import (
    OutboundError,
    OutboundFailed,
    OutboundRefused,
    Target,
    parse,
    resolve,
    validate_url,
)

__all__ = [
    "OutboundError",
    "OutboundFailed",
    "OutboundRefused",
    "OutboundResult",
    "post_json",
    "signature",
    "validate_url",
]
BODY_CAP = 64 * 1024  # bytes of an answer read at most
_DELIVERY_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")


@dataclass(frozen=True)
class OutboundResult:
    status: int
    body_excerpt: str  # the answer's first BODY_CAP bytes, decoded leniently
    elapsed_ms: int
    truncated: bool = False


@lru_cache(maxsize=4)
def _tls_context(ca_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context()  # verifies the chain and the host name
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class _Watchdog:
    """Cuts the connection when the deadline passes, whatever phase it is in."""

    def __init__(self, deadline: float) -> None:
        self.deadline, self.fired = deadline, False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> None:
        # a duplicate descriptor: shutdown() acts on the connection, whoever wraps it in TLS
        self._sock = sock.dup()
        self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            self.fired = True
            if self._sock is not None:
                self._sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTPS to addresses resolved beforehand, naming the host in SNI, certificate and Host."""

    def __init__(self, target: Target, addresses: list[tuple[int, Any]], watchdog: _Watchdog):
        self._tls = _tls_context(settings.RAPPORT_WEBHOOK_CA_FILE)
        super().__init__(target.host, target.port, context=self._tls)
        self._addresses, self._watchdog = addresses, watchdog

    def connect(self) -> None:
        error = OSError("no address")
        for family, sockaddr in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(max(0.001, self._watchdog.deadline - time.monotonic()))
            try:
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self._watchdog.watch(sock)
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            return
        raise error


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Rapport-Signature value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def post_json(
    url: str, payload: dict[str, Any], *, secret: str, delivery_id: str, timeout: float = 5.0
) -> OutboundResult:
    """POST `payload` as signed JSON: the 2xx answer, else OutboundRefused / OutboundFailed."""
    if not secret:
        raise OutboundRefused("no_secret")
    if not _DELIVERY_ID.fullmatch(delivery_id):
        raise ValueError(f"delivery id {delivery_id!r}: 1-200 of A-Z a-z 0-9 . _ : -")
    target = parse(url)
    started = time.monotonic()
    addresses = resolve(target)
    data = json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    body, timestamp = data.encode(), str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Rapport/{_version()}",
        "X-Rapport-Delivery": delivery_id,
        "X-Rapport-Timestamp": timestamp,
        "X-Rapport-Signature": signature(secret, timestamp, body),
    }
    watchdog = _Watchdog(started + timeout)
    connection = _PinnedConnection(target, addresses, watchdog)
    sent = False
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        sent = True
        response = connection.getresponse()
        answer = response.read(BODY_CAP + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise _failure(exc, target.host, timeout, watchdog.fired, sent) from exc
    finally:
        watchdog.stop()
        connection.close()
    if watchdog.fired:  # the cut may have looked like the end of a whole answer
        raise OutboundFailed(
            "timeout", host=target.host, seconds=f"{timeout:g}", maybe_delivered=True
        )
    status, excerpt = response.status, answer[:BODY_CAP].decode("utf-8", errors="replace")
    if 200 <= status < 300:
        elapsed_ms = round((time.monotonic() - started) * 1000)
        return OutboundResult(status, excerpt, elapsed_ms, truncated=len(answer) > BODY_CAP)
    if 300 <= status < 400:
        location = response.getheader("Location") or "?"
        raise OutboundRefused("redirect", status, location=location)
    if status in (408, 429):
        retry_after = response.getheader("Retry-After", "").strip()
        raise OutboundFailed(
            "throttled",
            status,
            maybe_delivered=status == 408,
            retry_after=float(retry_after) if retry_after.isdigit() else None,
        )
    if 400 <= status < 500:
        raise OutboundRefused("rejected", status, excerpt=excerpt[:200])
    raise OutboundFailed("server_error", status, maybe_delivered=True, excerpt=excerpt[:200])


def _failure(
    exc: OSError | http.client.HTTPException, host: str, timeout: float, timed_out: bool, sent: bool
) -> OutboundError:
    """The error a failed exchange means."""
    if timed_out or isinstance(exc, TimeoutError):
        return OutboundFailed("timeout", host=host, seconds=f"{timeout:g}", maybe_delivered=sent)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return OutboundRefused("certificate", host=host, error=exc.verify_message)
    if isinstance(exc, ssl.SSLError):
        return OutboundFailed("tls", host=host, error=exc.reason or exc)
    if isinstance(exc, http.client.HTTPException):
        return OutboundFailed("bad_response", host=host, error=repr(exc), maybe_delivered=sent)
    return OutboundFailed("connection", host=host, error=exc.strerror or exc, maybe_delivered=sent)


@lru_cache(maxsize=1)
def _version() -> str:
    try:
        return metadata.version("rapport")
    except metadata.PackageNotFoundError:
        return "dev"
