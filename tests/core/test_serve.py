"""`rapport serve`: granian with static files, plus a supervised worker on SQLite."""

import itertools
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

from rapport.core.management.commands.serve import granian_command, worker_command
from tests.core.subprocess_env import rapport_env, run_rapport


def test_granian_command_serves_the_wsgi_app_and_static_root():
    command = granian_command(host="192.0.2.10", port=9000, workers=3, threads=4)

    assert command[:3] == [sys.executable, "-m", "granian"]
    assert command[-1] == "rapport.wsgi:application"
    pairs = dict(itertools.pairwise(command[3:-1]))
    assert pairs["--interface"] == "wsgi"
    assert (pairs["--host"], pairs["--port"], pairs["--workers"]) == ("192.0.2.10", "9000", "3")
    assert pairs["--blocking-threads"] == "4"
    assert pairs["--static-path-route"] == "/static"
    assert pairs["--static-path-mount"] == str(settings.STATIC_ROOT)


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


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own server)
        return response.status, response.headers.get("Content-Type", ""), response.read()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_serve_answers_pages_and_static_files_and_stops_its_worker(tmp_path):
    # given a migrated SQLite database in a fresh home
    env = rapport_env(tmp_path, RAPPORT_HTTPS="0", RAPPORT_DEBUG=None)
    assert run_rapport("migrate", "--no-input", env=env).returncode == 0
    port = _free_port()

    # when the server starts
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "rapport", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/admin/login/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.3)

        # then Django answers, granian serves the collected static files
        assert status == 200
        assert b"csrfmiddlewaretoken" in body
        css_status, css_type, css = _get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert (css_status, css_type.split(";")[0]) == (200, "text/css")
        assert css == (tmp_path / "var" / "static" / "admin" / "css" / "base.css").read_bytes()
        # and a task worker runs beside granian
        children = _children(server.pid)
        assert sorted("rapport worker" in _cmdline(c) for c in children) == [False, True]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # and stopping the server stopped every child
    for child in children:
        assert (
            not Path(f"/proc/{child}").exists()
            or "Z" in (Path(f"/proc/{child}/stat").read_text().split()[2])
        )
