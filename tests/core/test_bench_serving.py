"""The HTTP benchmark's parts: the load generator, the bare WSGI baseline, the table's targets."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from rapport.accounts.models import ApiToken
from rapport.bench import bare_wsgi, loadgen, serving
from rapport.bench.harness import Result, percentile, table
from tests.factories import ContactFactory


def test_a_throughput_target_is_a_minimum():
    fast = Result(metric="throughput", rapport=300, baseline=600, unit="req/s", target=250)
    fast.at_least = True
    slow = Result(metric="throughput", rapport=200, baseline=600, unit="req/s", target=250)
    slow.at_least = True

    assert (fast.passed, slow.passed) == (True, False)
    assert "≥ 250 req/s" in table([fast])
    assert Result(metric="p99", rapport=200, baseline=None, unit="ms", target=250).passed is True


def test_percentile_interpolates_between_values():
    assert percentile(list(range(1, 101)), 50) == 50.5
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0


class _Pages(BaseHTTPRequestHandler):
    """Three pages chained by cursors; `cursor=2` fails once with a 500."""

    protocol_version = "HTTP/1.1"  # keep-alive
    seen: list[tuple[str | None, str]] = []
    failed = threading.Event()

    def do_GET(self) -> None:  # http.server calls it by this name
        cursor = parse_qs(urlsplit(self.path).query).get("cursor", [None])[0]
        self.seen.append((cursor, self.headers["Authorization"]))
        if cursor == "2" and not self.failed.is_set():
            self.failed.set()
            self._send(500, {})
            return
        following = {None: "1", "1": "2", "2": None}[cursor]
        self._send(200, {"items": [], "next": following})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_load_generator_follows_cursors_counts_errors_and_holds_idle_connections():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {
        "port": server.server_address[1],
        "path": "/api/v1/contacts?limit=50",
        "tokens": ["a", "b"],
        "clients": 2,
        "idle": 3,
        "pages": 20,
        "warmup": 0.0,
        "duration": 0.5,
    }
    try:
        report = loadgen.run(config)
    finally:
        server.shutdown()

    assert report["errors"] == ["RuntimeError: 500: b'{}'"]
    assert len(report["latencies_ms"]) > 10
    assert report["requests"] == 3 + len(report["latencies_ms"])
    # pages are walked in order, from the first again after the last (or after an error)
    walked = [cursor for cursor, auth in _Pages.seen[3:] if auth == "Bearer a"]
    assert walked[:3] == [None, "1", "2"]
    assert {auth for _, auth in _Pages.seen} == {"Bearer a", "Bearer b"}
    assert _Pages.seen[:3] == [(None, "Bearer a")] * 3  # the idle connections' one request


def _wsgi_get(token: str, query: str) -> tuple[str, dict]:
    environ = {
        "PATH_INFO": "/api/v1/contacts",
        "QUERY_STRING": query,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(),
    }
    started: list[str] = []
    body = b"".join(bare_wsgi.application(environ, lambda status, headers: started.append(status)))
    return started[0], json.loads(body)


@pytest.mark.django_db
def test_bare_wsgi_pages_through_what_the_api_shows(users):
    # given contacts of the manager's team and of another
    for i in range(7):
        ContactFactory(owner=users["manager_mate"] if i % 2 else users["manager2"])
    ContactFactory(owner=users["manager"])
    _, raw = ApiToken.issue(user=users["manager"], name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    # when both walk the manager's list, two contacts a page
    def walk(get):
        ids, cursor = [], None
        while True:
            page = get(cursor)
            ids.append([item["id"] for item in page["items"]])
            cursor = page["next"]
            if cursor is None:
                return ids

    def params(cursor: str | None) -> dict[str, str]:
        return {"limit": "2"} | ({"cursor": cursor} if cursor else {})

    bare_pages = walk(lambda cursor: _wsgi_get(raw, urlencode(params(cursor)))[1])
    api_pages = walk(lambda cursor: api.get("/api/v1/contacts", params(cursor)).json())

    # then they hold the same contacts, in the same order: the team's four, two a page
    assert bare_pages == api_pages
    assert [len(ids) for ids in api_pages] == [2, 2]
    # and a wrong token is refused
    assert _wsgi_get("rpt_wrong", "")[0] == "401 Unauthorized"


def test_the_served_benchmark_runs_rapport_serve_without_its_task_worker():
    # the worker would run every periodic job over the benchmark's data set while it is timed
    command = serving.rapport_command(8123)

    assert command[1:] == [
        *["-m", "rapport", "serve", "--port", "8123"],
        *["--no-task-worker", "--no-collectstatic"],
    ]
