"""Rapport over real HTTP: `rapport serve` (default options) under load, next to a bare WSGI app.

The load: 16 keep-alive clients page through the contact list API (half as admin, half as a
sales manager, Bearer tokens) while 20 more keep-alive connections sit idle, for 30 s
(`RAPPORT_BENCH_HTTP_SECONDS` shortens it). Then contact search, one query at a time, with the
query mix of `rapport.bench.contacts`. The baseline (`rapport.bench.bare_wsgi`) is served by the
same granian command line and must return the same contacts before anything is timed. The
servers use the benchmark's database (`DATABASE_URL`, as `rapport.bench` set it).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from rapport.accounts.models import ApiToken, User
from rapport.bench.contacts import API_PATH, BENCH_USERS, PAGE, SEARCH_TARGET_MS, search_queries
from rapport.bench.harness import Bench, Result, percentile, served_benchmark
from rapport.core.management.commands.serve import (
    default_threads,
    default_workers,
    granian_command,
)

CLIENTS = 16
IDLE = 20
PAGES = 20  # each client walks this many pages, then starts again from the first
THROUGHPUT_TARGET = 250.0  # requests/s
P99_TARGET_MS = 250.0
MAX_TARGET_MS = 1000.0
CHECK_PAGES = 5
CHECK_QUERIES = 12
STARTUP_TIMEOUT = 120.0


def _seconds() -> float:
    return float(os.environ.get("RAPPORT_BENCH_HTTP_SECONDS", "30"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """One keep-alive connection to a server's /api/v1/contacts, as one token's owner."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, **params: str) -> dict[str, Any]:
        self.connection.request("GET", f"{API_PATH}?{urlencode(params)}", headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{API_PATH} answered {response.status}: {body[:300]!r}")
        return json.loads(body)

    def ids(self, **params: str) -> list[int]:
        return [item["id"] for item in self.get(**params)["items"]]

    def close(self) -> None:
        self.connection.close()


def _wait_until_up(process: subprocess.Popen[bytes], port: int, token: str, log: Any) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            api = Api(port, token)
            api.get(limit="1")
            api.close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the server on port {port} did not start:\n{output}") from None
            time.sleep(0.5)


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants (Linux /proc; else 0)."""
    proc = Path(f"/proc/{pid}")
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for task in (proc / "task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_tree_cpu_seconds(child) for child in children)


@dataclass
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        return _tree_cpu_seconds(self.pid)


@contextmanager
def _server(command: list[str], port: int, token: str) -> Iterator[Server]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, env=os.environ, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(process, port, token, log)
            yield Server(port=port, pid=process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def rapport_command(port: int) -> list[str]:
    """`rapport serve` with its default serving options, without the task worker it starts
    beside them on SQLite: its scheduler would run every periodic job (segments, analytics,
    automation scans over the whole set) during the measurement, taking CPU from the requests
    timed and writing to the benchmark's data set outside the run's cleanup. collectstatic is
    skipped too: the API serves no static file."""
    return [
        *[sys.executable, "-m", "rapport", "serve", "--port", str(port)],
        *["--no-task-worker", "--no-collectstatic"],
    ]


def rapport_server(token: str) -> Any:
    port = _free_port()
    return _server(rapport_command(port), port, token)


def baseline_server(token: str) -> Any:
    port = _free_port()
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # granian mounts it
    command = granian_command(
        host="127.0.0.1",
        port=port,
        workers=default_workers(),
        threads=default_threads(),
        app="rapport.bench.bare_wsgi:application",
    )
    return _server(command, port, token)


def _walk(api: Api, pages: int) -> list[list[int]]:
    out, cursor = [], None
    for _ in range(pages):
        params = {"limit": str(PAGE)} | ({"cursor": cursor} if cursor else {})
        page = api.get(**params)
        out.append([item["id"] for item in page["items"]])
        cursor = page["next"]
        if cursor is None:
            break
    return out


def answers(port: int, tokens: dict[str, str], queries: list[str]) -> dict[str, Any]:
    """What a server answers for a sample of pages and searches, per user (ids only)."""
    out: dict[str, Any] = {}
    for username, token in tokens.items():
        api = Api(port, token)
        out[username] = {
            "pages": _walk(api, CHECK_PAGES),
            "search": {q: api.ids(q=q, limit=str(PAGE)) for q in queries[:CHECK_QUERIES]},
        }
        api.close()
    return out


def load(server: Server, tokens: list[str]) -> dict[str, Any]:
    """The load generator in its own process: its JSON report, plus the server's CPU time."""
    config = {
        "port": server.port,
        "path": f"{API_PATH}?limit={PAGE}",
        "tokens": tokens,
        "clients": CLIENTS,
        "idle": IDLE,
        "pages": PAGES,
        "warmup": 3.0,
        "duration": _seconds(),
    }
    cpu = server.cpu_seconds()
    result = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "rapport.bench.loadgen", json.dumps(config)],
        capture_output=True,
        check=True,
        timeout=_seconds() + 120,
    )
    return json.loads(result.stdout) | {"server_cpu_s": server.cpu_seconds() - cpu}


def search_ms(port: int, token: str, queries: list[str]) -> list[float]:
    """Milliseconds per search, one at a time on one keep-alive connection (after a warm-up)."""
    api = Api(port, token)
    for q in queries:
        api.get(q=q, limit=str(PAGE))
    out = []
    for q in queries:
        start = time.perf_counter()
        api.get(q=q, limit=str(PAGE))
        out.append((time.perf_counter() - start) * 1000)
    api.close()
    return out


def measure(server: Server, tokens: dict[str, str], queries: list[str]) -> dict[str, Any]:
    """The load's report; per user, each search's milliseconds and the server's mean CPU
    milliseconds per search (on a shared machine wall time also counts other processes)."""
    out: dict[str, Any] = {"load": load(server, list(tokens.values())), "search": {}, "cpu": {}}
    for user, token in tokens.items():
        before = server.cpu_seconds()
        out["search"][user] = search_ms(server.port, token, queries)
        # search_ms asks each query twice: a warm-up round, then the timed one
        out["cpu"][user] = 1000 * (server.cpu_seconds() - before) / (2 * len(queries))
    return out


@contextmanager
def bench_tokens() -> Iterator[dict[str, str]]:
    """Committed tokens for the benchmark users (servers must see them), deleted afterwards."""
    issued = {
        username: ApiToken.issue(user=User.objects.get(username=username), name="http benchmark")
        for username, _ in BENCH_USERS
    }
    try:
        yield {username: raw for username, (_, raw) in issued.items()}
    finally:
        ApiToken.objects.filter(pk__in=[token.pk for token, _ in issued.values()]).delete()


def _load_rows(rapport: dict[str, Any], baseline: dict[str, Any]) -> list[Result]:
    seconds = rapport["seconds"]
    label = f"contact list API over HTTP, {CLIENTS} clients + {IDLE} idle, {seconds:.0f} s"

    def stat(run: dict[str, Any], name: str) -> float:
        latencies = run["latencies_ms"]
        return {
            "rps": len(latencies) / run["seconds"],
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "max": max(latencies, default=0.0),
            "errors": float(len(run["errors"])),
            "client": 1000 * run["client_cpu_s"] / max(1, len(latencies)),
            "server": 1000 * run["server_cpu_s"] / max(1, run["requests"]),
        }[name]

    def row(name: str, metric: str, unit: str, target: float | None = None, **kw: Any) -> Result:
        return Result(
            metric=f"{label}: {metric}",
            rapport=stat(rapport, name),
            baseline=stat(baseline, name),
            unit=unit,
            target=target,
            **kw,
        )

    return [
        row("rps", "throughput", "req/s", THROUGHPUT_TARGET, at_least=True),
        row("p50", "p50", "ms"),
        row("p99", "p99", "ms", P99_TARGET_MS),
        row("max", "slowest request", "ms", MAX_TARGET_MS),
        row("errors", "errors", "", 0.0),
        row("server", "server CPU per request", "ms"),
        row("client", "load client CPU per request", "ms"),
    ]


@served_benchmark
def http_contacts(bench: Bench) -> list[Result]:
    queries = search_queries(80)
    with bench_tokens() as tokens:
        first = next(iter(tokens.values()))
        # Both sides must compute the same result before either is timed.
        with baseline_server(first) as bare, rapport_server(first) as server:
            if answers(server.port, tokens, queries) != answers(bare.port, tokens, queries):
                raise AssertionError("Rapport's HTTP answers differ from the baseline's")
            baseline = measure(bare, tokens, queries)
            rapport = measure(server, tokens, queries)
    for run in (rapport, baseline):
        if run["load"]["errors"]:
            print("load errors, e.g.:", run["load"]["errors"][:3], file=sys.stderr)
    results = _load_rows(rapport["load"], baseline["load"])
    labels = dict(BENCH_USERS)
    for username in tokens:
        results.append(
            Result(
                metric=f"contact search over HTTP p95, {labels[username]} ({len(queries)} queries)",
                rapport=percentile(rapport["search"][username], 95),
                baseline=percentile(baseline["search"][username], 95),
                unit="ms",
                target=SEARCH_TARGET_MS,
            )
        )
        results.append(
            Result(
                metric=f"contact search over HTTP, server CPU per search, {labels[username]}",
                rapport=rapport["cpu"][username],
                baseline=baseline["cpu"][username],
                unit="ms",
            )
        )
    return results
