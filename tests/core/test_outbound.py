"""Outbound webhooks against a real local HTTPS server (a self-signed certificate made by the
openssl command line), with the host names resolved by a stand-in for the system resolver."""

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import shlex
import socket
import ssl
import subprocess
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

import pytest

from rapport.core.outbound import (
    BODY_CAP,
    OutboundFailed,
    OutboundRefused,
    post_json,
    signature,
)

SECRET = "s3cret-for-tests"
PUBLIC = "93.184.215.14"
REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for hooks.test (its own CA)."""
    folder = tmp_path_factory.mktemp("tls")
    command = shlex.split(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=hooks.test -addext subjectAltName=DNS:hooks.test"
    )
    keys = ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
    subprocess.run(command + keys, check=True, capture_output=True)  # noqa: S603 (fixed command)
    return folder / "cert.pem", folder / "key.pem"


class Hook(BaseHTTPRequestHandler):
    """Answers by path: /ok, /redirect, /slow, /trickle, /400, /429, /500, /big, /garbage."""

    def log_message(self, format, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"path": self.path, "headers": self.headers, "body": body})
        release = self.server.release
        match self.path.split("?")[0]:
            case "/ok":
                self.send(200, b'{"ok": true}')
            case "/redirect":
                self.send(302, headers=[("Location", "https://hooks.test/elsewhere")])
            case "/slow":
                release.wait(5)
                self.send(200)
            case "/trickle":  # a byte every 0.1 s: no single read waits long
                self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
                with contextlib.suppress(OSError):  # until the client cuts the connection
                    while not release.wait(0.1):
                        self.wfile.write(b"a")
            case "/400":
                self.send(400, b"bad payload")
            case "/429":
                self.send(429, headers=[("Retry-After", "7")])
            case "/500":
                self.send(500, b"database down")
            case "/big":
                self.send(200, b"x" * (1024 * 1024))
            case "/garbage":
                self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")


@pytest.fixture
def server(certificate):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    httpd.received, httpd.release, httpd.sni = [], threading.Event(), []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda _sock, name, _ctx: httpd.sni.append(name)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def resolver(monkeypatch):
    """Host name → addresses, as the system resolver would answer; records every question."""

    class Resolver:
        def __init__(self):
            self.hosts, self.asked = {}, []

        def __call__(self, host, port, *args, **kwargs):
            self.asked.append(host)
            answer = self.hosts.get(host)
            if answer is None:
                return REAL_GETADDRINFO(host, port, *args, **kwargs)
            if isinstance(answer, socket.gaierror):
                raise answer
            addresses = answer.pop(0) if isinstance(answer[0], list) else answer
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port))
                for a in addresses
            ]  # fmt: skip

    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def hook(server, resolver, settings, certificate):
    """The local server as https://hooks.test:<port>, trusted and allowed as in development."""
    port = server.server_address[1]
    resolver.hosts["hooks.test"] = ["127.0.0.1"]
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    settings.RAPPORT_WEBHOOK_PORTS = [port]
    settings.RAPPORT_WEBHOOK_CA_FILE = str(certificate[0])
    return f"https://hooks.test:{port}"


def send(url, payload=None, **kwargs):
    kwargs = {"secret": SECRET, "delivery_id": "run-7.step-2", **kwargs}
    return post_json(url, payload or {"event": "test"}, **kwargs)


# --- a successful delivery --------------------------------------------------------------------


def test_a_signed_post_reaches_the_receiver_with_its_headers(hook, server, resolver):
    # given a payload with values JSON has no type for
    payload = {"contact": 12, "total": Decimal("19.90"), "at": dt.datetime(2026, 1, 9, 16, 0)}

    # when
    result = send(f"{hook}/ok?source=rapport&city=Kyjiw&name=bücher", payload)

    # then the answer
    assert (result.status, result.body_excerpt, result.truncated) == (200, '{"ok": true}', False)
    assert 0 <= result.elapsed_ms < 2000
    # and what the receiver saw
    (request,) = server.received
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/ok?source=rapport&city=Kyjiw&name=b%C3%BCcher"
    assert json.loads(body) == {"contact": 12, "total": "19.90", "at": "2026-01-09T16:00:00"}
    assert headers["Host"] == hook.removeprefix("https://")
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == f"Rapport/{metadata.version('rapport')}"
    assert headers["X-Rapport-Delivery"] == "run-7.step-2"
    assert abs(int(headers["X-Rapport-Timestamp"]) - time.time()) < 5
    signed = headers["X-Rapport-Timestamp"].encode() + b"." + body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Rapport-Signature"], f"sha256={expected}")
    assert server.sni == ["hooks.test"]
    assert resolver.asked == ["hooks.test"]


def test_the_documented_check_accepts_a_request_and_nothing_else(hook, server):
    # given the receivers' snippet from docs/webhooks.md
    namespace = {}
    exec(DOCS.read_text().split("```python\n")[1].split("```")[0], namespace)  # noqa: S102
    verify = namespace["verify"]
    # and a request as a receiver gets it
    send(f"{hook}/ok")
    (request,) = server.received
    headers, body = dict(request["headers"].items()), request["body"]
    stale = str(int(time.time()) - 301)
    replayed = {
        **headers,
        "X-Rapport-Timestamp": stale,
        "X-Rapport-Signature": signature(SECRET, stale, body),
    }

    # then
    assert verify(SECRET, headers, body) is True
    assert verify("another secret", headers, body) is False
    assert verify(SECRET, headers, body + b" ") is False
    assert verify(SECRET, replayed, body) is False
    assert verify(SECRET, {}, body) is False


def test_the_answer_read_is_capped(hook):
    result = send(f"{hook}/big")

    assert (result.status, result.truncated) == (200, True)
    assert result.body_excerpt == "x" * BODY_CAP


# --- answers that are not a success ---------------------------------------------------------


def test_a_redirect_is_refused_and_not_followed(hook, server):
    with pytest.raises(OutboundRefused) as caught:
        send(f"{hook}/redirect")

    assert (caught.value.reason_code, caught.value.status, caught.value.retryable) == (
        "redirect",
        302,
        False,
    )
    assert caught.value.message == (
        "The webhook answered 302, a redirect to https://hooks.test/elsewhere, which is not "
        "followed: use the final URL."
    )
    assert [r["path"] for r in server.received] == ["/redirect"]


def test_a_client_error_is_refused(hook):
    with pytest.raises(OutboundRefused) as caught:
        send(f"{hook}/400")

    assert (caught.value.reason_code, caught.value.status) == ("rejected", 400)
    assert caught.value.message == "The webhook refused the request (400): bad payload"


def test_a_server_error_is_retryable_and_may_have_been_delivered(hook):
    with pytest.raises(OutboundFailed) as caught:
        send(f"{hook}/500")

    error = caught.value
    assert (error.reason_code, error.status, error.retryable, error.maybe_delivered) == (
        "server_error",
        500,
        True,
        True,
    )
    assert error.message == "The webhook failed (500): database down"


def test_too_many_requests_is_retryable_after_the_time_asked(hook):
    with pytest.raises(OutboundFailed) as caught:
        send(f"{hook}/429")

    assert (caught.value.reason_code, caught.value.status, caught.value.retry_after) == (
        "throttled",
        429,
        7.0,
    )


def test_a_slow_receiver_times_out_within_the_bound(hook):
    started = time.monotonic()

    with pytest.raises(OutboundFailed) as caught:
        send(f"{hook}/slow", timeout=0.5)

    assert time.monotonic() - started < 1.5
    assert (caught.value.reason_code, caught.value.maybe_delivered) == ("timeout", True)
    assert caught.value.message == "hooks.test did not answer within 0.5 seconds."


def test_a_trickling_answer_is_cut_at_the_total_timeout(hook):
    # given a receiver that sends a byte every 0.1 s, so that no single read times out
    started = time.monotonic()

    with pytest.raises(OutboundFailed) as caught:
        send(f"{hook}/trickle", timeout=0.8)

    # then the whole exchange is cut at the deadline
    assert 0.7 < time.monotonic() - started < 1.6
    assert caught.value.reason_code == "timeout"


def test_an_answer_that_is_not_http_is_retryable(hook):
    with pytest.raises(OutboundFailed) as caught:
        send(f"{hook}/garbage")

    assert (caught.value.reason_code, caught.value.maybe_delivered) == ("bad_response", True)


def test_a_closed_port_is_a_retryable_connection_failure(hook, settings, resolver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.RAPPORT_WEBHOOK_PORTS = [closed_port]

    with pytest.raises(OutboundFailed) as caught:
        send(f"https://hooks.test:{closed_port}/ok")

    assert (caught.value.reason_code, caught.value.maybe_delivered) == ("connection", False)
    assert caught.value.message == "Could not connect to hooks.test (Connection refused)."


# --- certificates -----------------------------------------------------------------------------


def test_the_certificate_is_checked_for_the_host_name(hook, server, resolver):
    # given a host whose address serves a certificate for another name
    resolver.hosts["other.test"] = ["127.0.0.1"]
    port = server.server_address[1]

    with pytest.raises(OutboundRefused) as caught:
        send(f"https://other.test:{port}/ok")

    assert caught.value.reason_code == "certificate"
    assert caught.value.message == (
        "The certificate of other.test is not valid for it "
        "(Hostname mismatch, certificate is not valid for 'other.test'.)."
    )
    assert server.received == []


def test_an_untrusted_certificate_is_refused(hook, server, settings):
    settings.RAPPORT_WEBHOOK_CA_FILE = ""

    with pytest.raises(OutboundRefused) as caught:
        send(f"{hook}/ok")

    assert caught.value.reason_code == "certificate"
    assert server.received == []


# --- DNS rebinding ----------------------------------------------------------------------------


def test_the_first_resolution_is_pinned(server, resolver, settings, certificate, monkeypatch):
    # given a host that first resolves to a public address, then (rebinding) to loopback
    settings.RAPPORT_WEBHOOK_CA_FILE = str(certificate[0])
    resolver.hosts["hooks.test"] = [[PUBLIC], ["127.0.0.1"]]
    connected = []

    def connect(sock, address):
        # the public address stands for the local server
        connected.append(address)
        return REAL_CONNECT(sock, ("127.0.0.1", server.server_address[1]))

    monkeypatch.setattr(socket.socket, "connect", connect)

    # when
    result = send("https://hooks.test/ok")

    # then one resolution, and the connection went to its address
    assert result.status == 200
    assert resolver.asked == ["hooks.test"]
    assert connected == [(PUBLIC, 443)]
    assert server.sni == ["hooks.test"]


def test_one_private_address_among_the_answers_refuses_the_host(resolver, monkeypatch):
    resolver.hosts["mixed.example"] = [PUBLIC, "127.0.0.1"]
    monkeypatch.setattr(socket.socket, "connect", lambda *args: pytest.fail("connected"))

    with pytest.raises(OutboundRefused) as caught:
        send("https://mixed.example/hook")

    assert caught.value.reason_code == "private_address"
    assert caught.value.message == (
        "mixed.example is 127.0.0.1, a private or reserved address: webhooks only go to public "
        "internet addresses."
    )
