"""`rapport serve`: granian with static files, plus a supervised worker on SQLite."""

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from rapport.core.management.commands.serve import (
    default_workers,
    granian_command,
    worker_command,
)
from tests.core.subprocess_env import rapport_env, run_python, run_rapport


def test_granian_command_serves_the_wsgi_app_and_static_root():
    command = granian_command(host="192.0.2.10", port=9000, workers=3, threads=4)

    assert command[:3] == [sys.executable, "-m", "granian"]
    assert command[-1] == "rapport.wsgi:application"
    pairs = dict(itertools.pairwise(command[3:-1]))
    assert pairs["--interface"] == "wsgi"
    assert (pairs["--host"], pairs["--port"], pairs["--workers"]) == ("192.0.2.10", "9000", "3")
    assert pairs["--blocking-threads"] == "4"
    # backpressure counts open connections, idle keep-alive ones included: far above threads
    assert int(pairs["--backpressure"]) >= 100 * 4
    assert pairs["--static-path-route"] == "/static"
    assert pairs["--static-path-mount"] == str(settings.STATIC_ROOT)


def test_granian_command_serves_another_app_with_the_same_settings():
    command = granian_command(host="127.0.0.1", port=9000, workers=2, threads=4, app="x:app")

    assert command[-1] == "x:app"
    assert command[:-1] == granian_command(host="127.0.0.1", port=9000, workers=2, threads=4)[:-1]


def test_serve_defaults_to_one_worker_per_core(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)

    assert default_workers() == 3


def test_worker_command_runs_rapport_worker():
    assert worker_command()[:4] == [sys.executable, "-m", "rapport", "worker"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port must be between 1 and 65535."),
        (["--port", "70000"], "--port must be between 1 and 65535."),
        (["--workers", "0"], "--workers and --threads must be at least 1."),
        (["--threads", "0"], "--workers and --threads must be at least 1."),
    ],
)
def test_serve_rejects_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve", *args)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our own server)
        return response.status, response.headers.get("Content-Type", ""), response.read()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _purge_runs(env: dict[str, str]) -> list[str]:
    code = (
        "from rapport.core.models import JobRun\n"
        "print(','.join(JobRun.objects.filter(job='core.purge_expired')"
        ".exclude(status='running').values_list('status', flat=True)))"
    )
    return [s for s in run_python(code, env=env).split(",") if s]


def _start_serve(env: dict[str, str], port: int, *args: str) -> subprocess.Popen:
    """`rapport serve` on `port`, once it answers the login page."""
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "rapport", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"http://127.0.0.1:{port}/admin/login/")
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                output = server.communicate()[0]
                raise AssertionError(f"the server did not start: {output!r}") from None
            time.sleep(0.3)


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh home with a migrated SQLite database, shared by the tests that serve it."""
    home = tmp_path_factory.mktemp("serve")
    env = rapport_env(home)
    assert run_rapport("migrate", "--no-input", env=env).returncode == 0
    return home


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_serve_answers_pages_and_static_files_and_stops_its_worker(migrated_home):
    # given a migrated SQLite database in a fresh home
    env = rapport_env(migrated_home, RAPPORT_HTTPS="0", RAPPORT_DEBUG=None)
    port = _free_port()

    # when the server starts
    server = _start_serve(env, port)
    try:
        status, _, body = _get(f"http://127.0.0.1:{port}/admin/login/")

        # then Django answers, granian serves the collected static files
        assert status == 200
        assert b"csrfmiddlewaretoken" in body
        css_status, css_type, css = _get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert (css_status, css_type.split(";")[0]) == (200, "text/css")
        assert css == (migrated_home / "var" / "static" / "admin" / "css" / "base.css").read_bytes()
        # and a task worker runs beside granian
        children = _children(server.pid)
        assert sorted("rapport worker" in _cmdline(c) for c in children) == [False, True]
        # and it runs the periodic jobs: core's hourly purge ran for the current hour
        # (a worker starting on a busy two-core machine took more than 30 s to get there)
        deadline = time.monotonic() + 90
        while (ran := _purge_runs(env)) == [] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ran == ["succeeded"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # and stopping the server stopped every child
    for child in children:
        assert (
            not Path(f"/proc/{child}").exists()
            or "Z" in (Path(f"/proc/{child}/stat").read_text().split()[2])
        )


IDLE_CONNECTIONS = 20


@pytest.mark.slow
def test_idle_and_slow_connections_do_not_delay_another_request(migrated_home):
    # given `rapport serve` with its default settings
    env = rapport_env(migrated_home, RAPPORT_HTTPS="0", RAPPORT_DEBUG=None)
    port = _free_port()
    server = _start_serve(env, port, "--no-task-worker", "--no-collectstatic")
    held: list[socket.socket | http.client.HTTPConnection] = []
    try:
        # and browsers that made a request and keep their connection open, idle
        for _ in range(IDLE_CONNECTIONS):
            browser = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            browser.request("GET", "/admin/login/")
            response = browser.getresponse()
            response.read()
            assert (response.status, response.getheader("Connection")) == (200, None)
            held.append(browser)
        # and a slow-loris client that sent half a request line, and one that sent nothing
        loris = socket.create_connection(("127.0.0.1", port))
        loris.sendall(b"GET /admin/lo")
        held += [loris, socket.create_connection(("127.0.0.1", port))]

        # when someone else asks for a page, three times
        elapsed = []
        for _ in range(3):
            start = time.monotonic()
            status, _, body = _get(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
            elapsed.append(time.monotonic() - start)
            assert (status, b"csrfmiddlewaretoken" in body) == (200, True)

        # then each is answered within a second
        assert max(elapsed) < 1.0, elapsed
        # and an idle browser's connection is still there for its next click
        held[0].request("GET", "/admin/login/")
        assert held[0].getresponse().status == 200
    finally:
        for connection in held:
            connection.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
