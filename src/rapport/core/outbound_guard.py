"""Which webhook targets Rapport may call (server-side request forgery guard), and the errors a
webhook call ends with (core/outbound.py sends; its docstring gives the whole scheme).

A target is https, on a port in RAPPORT_WEBHOOK_PORTS (default 443), without credentials in the
URL, and its host resolves to public addresses only: not private, loopback, link-local, CGNAT,
multicast, reserved or unspecified, also when wrapped in IPv6 (::ffff:10.0.0.1, 6to4) or spelled
oddly (2130706433, 0x7f.1, 0177.0.0.1, 127.1: whatever the resolver would read as an address).
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from string import punctuation as PUNCTUATION
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Every IPv4 spelling inet_aton accepts: 2130706433, 0x7f.1, 0177.0.0.1, 127.1
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?", re.IGNORECASE)
_DEV_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)
MESSAGES = {
    "malformed": _("The webhook URL is not valid (%(error)s)."),
    "not_https": _("The webhook URL must start with https://."),
    "credentials": _(
        "Remove the user name and password from the webhook URL: requests are signed."
    ),
    "no_host": _("The webhook URL has no host name."),
    "port": _("Webhooks may use port %(allowed)s only, not %(port)s."),
    "private_address": _(
        "%(host)s is %(address)s, a private or reserved address: webhooks only go to public "
        "internet addresses."
    ),
    "odd_address": _("Write the address %(host)s as %(address)s."),
    "unresolvable": _("The host %(host)s does not exist (DNS): check the webhook URL."),
    "dns": _("The host %(host)s could not be resolved now (%(error)s)."),
    "no_secret": _("Set a signing secret for this webhook."),
    "certificate": _("The certificate of %(host)s is not valid for it (%(error)s)."),
    "redirect": _(
        "The webhook answered %(status)s, a redirect to %(location)s, which is not followed: "
        "use the final URL."
    ),
    "rejected": _("The webhook refused the request (%(status)s): %(excerpt)s"),
    "throttled": _("The webhook asked to slow down (%(status)s); try again later."),
    "server_error": _("The webhook failed (%(status)s): %(excerpt)s"),
    "timeout": _("%(host)s did not answer within %(seconds)s seconds."),
    "tls": _("The secure connection to %(host)s failed (%(error)s)."),
    "bad_response": _("%(host)s gave no valid HTTP answer (%(error)s)."),
    "connection": _("Could not connect to %(host)s (%(error)s)."),
}


class OutboundError(Exception):
    """A webhook call that did not succeed: a stable `reason_code`, a message saying what to do."""

    retryable = False

    def __init__(self, reason_code: str, status: int | None = None, **params: Any) -> None:
        self.reason_code, self.status, self.params = reason_code, status, params
        self.message = str(MESSAGES[reason_code]) % {"status": status, **params}
        super().__init__(self.message)


class OutboundRefused(OutboundError):
    """Never retry: a bad URL, a non-public address, a bad certificate, a redirect, a 4xx."""


class OutboundFailed(OutboundError):
    """Worth retrying later. `maybe_delivered`: the request went over whole, so the receiver may
    have acted (retry with the same delivery id); `retry_after`: seconds the receiver asked for."""

    retryable = True

    def __init__(
        self,
        reason_code: str,
        status: int | None = None,
        *,
        maybe_delivered: bool = False,
        retry_after: float | None = None,
        **params: Any,
    ) -> None:
        super().__init__(reason_code, status, **params)
        self.maybe_delivered, self.retry_after = maybe_delivered, retry_after


@dataclass(frozen=True)
class Target:
    host: str  # ASCII (IDNA) host name, or the canonical text of a literal address
    port: int
    path: str  # path and query
    literal: bool


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return _is_public(inner)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def _check_address(host: str, address: Address) -> None:
    if _is_public(address):
        return
    if settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE:  # tests and development only
        plain = (isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped) or address
        if any(plain in net for net in _DEV_NETWORKS if net.version == plain.version):
            return
    raise OutboundRefused("private_address", host=host, address=address)


def parse(url: str) -> Target:
    """The checks made before any DNS."""
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise OutboundRefused("malformed", error=_("spaces or control codes"))
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as exc:
        raise OutboundRefused("malformed", error=exc) from exc
    if parts.scheme.lower() != "https":
        raise OutboundRefused("not_https")
    if "@" in parts.netloc:
        raise OutboundRefused("credentials")
    host = parts.hostname
    if not host:
        raise OutboundRefused("no_host")
    if port not in settings.RAPPORT_WEBHOOK_PORTS:
        allowed = ", ".join(str(p) for p in settings.RAPPORT_WEBHOOK_PORTS)
        raise OutboundRefused("port", allowed=allowed, port=port)
    # non-ASCII letters percent-encoded (UTF-8), as a browser sends them
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=PUNCTUATION)
    address = _literal_address(host)
    if address is not None:
        return Target(str(address), port, path, literal=True)
    try:
        return Target(host.encode("idna").decode("ascii"), port, path, literal=False)
    except UnicodeError as exc:
        raise OutboundRefused("malformed", error=host) from exc


def _literal_address(host: str) -> Address | None:
    """The allowed address a host names literally, in any spelling the resolver reads, or None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.fullmatch(host):
            return None
        try:
            odd = ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError as exc:
            raise OutboundRefused("malformed", error=host) from exc
        _check_address(host, odd)
        raise OutboundRefused("odd_address", host=host, address=odd) from None
    _check_address(host, address)
    return address


def resolve(target: Target) -> list[tuple[int, Any]]:
    """[(family, sockaddr)] of one resolution, every address allowed."""
    try:
        infos = socket.getaddrinfo(
            target.host,
            target.port,
            type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP,
            flags=socket.AI_NUMERICHOST if target.literal else 0,
        )
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
            raise OutboundRefused("unresolvable", host=target.host) from exc
        raise OutboundFailed("dns", host=target.host, error=exc.strerror) from exc
    for *_rest, sockaddr in infos:
        _check_address(target.host, ipaddress.ip_address(sockaddr[0]))
    return [(family, sockaddr) for family, *_rest, sockaddr in infos]


def validate_url(url: str) -> str:
    """The URL, if a webhook may be sent to it now (its host is resolved), else OutboundRefused."""
    target = parse(url)
    try:
        resolve(target)
    except OutboundFailed as exc:
        raise OutboundRefused(exc.reason_code, **exc.params) from exc
    return url
