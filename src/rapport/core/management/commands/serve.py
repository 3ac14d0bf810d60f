"""`rapport serve`: granian (WSGI) serving Rapport and its static files, plus a task worker.

With SQLite (the embedded default) a `rapport worker` child process runs beside the server (the
background tasks and the periodic jobs of core/schedule.py), so one command is a complete
installation; it is restarted if it dies and stopped with the server.
With PostgreSQL run workers yourself (`rapport worker`), on as many machines as needed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

WORKER_RESTART_DELAY = 2.0
APP = "rapport.wsgi:application"
# granian's `--backpressure` counts open *connections*, not requests: a permit is taken when a
# connection is accepted and given back when it closes, so a browser's idle keep-alive socket
# holds one. With the old setting (backpressure = threads = 4) four idle sockets stopped the
# server: the next visitor waited 29.5 s, until granian dropped an idle one. An idle connection
# costs about 28 KiB (measured: 900 of them grew a worker by 25 MiB, and another request was
# still answered in 33 ms); 1000 also stays under the common 1024 open-files limit. Requests
# still queue for the `threads` below.
CONNECTIONS = 1000
# hyper closes a connection whose request head has not fully arrived in this time; the same
# timer closes an idle keep-alive connection (measured: an idle socket was dropped after 30 s).
# granian's 30 s default keeps a browser's connection for its next click and bounds how long
# a slow-loris client, sending half a request line, keeps its slot.
HEADER_READ_TIMEOUT_MS = 30_000
# Idle keep-alive connections would otherwise keep a stopping worker alive until they time out;
# this kills it sooner than `rapport serve` gives up waiting for granian (STOP_TIMEOUT).
WORKERS_KILL_TIMEOUT_S = 10
STOP_TIMEOUT = 15


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """One web process per core: Python runs one thread at a time per process, so a second
    process is what uses a second core (the 50-row contact list API at `large` size, 16 clients:
    100 requests/s with one worker, 257/s with two on 2 cores). With SQLite in WAL mode readers
    run side by side; writers queue behind IMMEDIATE transactions and the busy timeout."""
    return available_cores()


def default_threads() -> int:
    """Threads per worker: a slow page (a report, an export) holds one while quick requests run
    on the others, and a request waiting on PostgreSQL lets another one use the core. Measured
    with `make bench`'s HTTP load (2 workers, 16 clients, 50k contacts): server CPU per request
    was 11-13 ms with 1, 2, 4 or 8 threads, so threads cost little; past a few per core they only
    queue on the GIL."""
    return 4


def granian_command(
    *, host: str, port: int, workers: int, threads: int, app: str = APP
) -> list[str]:
    """The granian command line: WSGI app, static files straight from STATIC_ROOT."""
    command = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--no-ws",
        # Static files are answered by granian's Rust handler, never by the WSGI threads.
        "--static-path-route", "/" + settings.STATIC_URL.strip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        # Collected files keep their names across releases; a day of caching is a safe middle.
        "--static-path-expires", "1d",
        "--respawn-failed-workers",
        "--workers-kill-timeout", str(WORKERS_KILL_TIMEOUT_S),
        # granian's one Rust I/O thread per worker (--runtime-threads) is kept: the workers
        # already cover the cores, and the bare WSGI app of `make bench` answers the same
        # requests with under 1 ms of CPU each, so granian's own share is small.
        # WSGI requests run on these threads; requests beyond them wait for a free one.
        "--blocking-threads", str(threads),
        # Open connections per worker (idle keep-alive included), far above the threads.
        "--backpressure", str(CONNECTIONS),
        "--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS),
    ]  # fmt: skip
    return [*command, app]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "rapport", "worker", "--interval", "1"]


def needs_embedded_worker() -> bool:
    return connection.vendor == "sqlite"


class Command(BaseCommand):
    help = "Serve Rapport with granian (and a task worker when the database is SQLite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Web worker processes (default: one per core).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=default_threads(),
            help="Request threads per web worker (default: %(default)s).",
        )
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help="Do not start a task worker even with SQLite.",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Serve STATIC_ROOT as it is."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        with_worker = needs_embedded_worker() and not options["no_task_worker"]
        connection.close()  # children open their own connections

        server = subprocess.Popen(  # noqa: S603 (our own command line)
            granian_command(
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                threads=options["threads"],
            )
        )
        worker = None
        if with_worker:
            worker = subprocess.Popen(worker_command())  # noqa: S603 (our own command line)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"Rapport on http://{options['host']}:{options['port']}/"
            + (" with a task worker" if worker else "")
        )
        try:
            while not stopping and server.poll() is None:
                if worker is not None and worker.poll() is not None:
                    self.stderr.write(
                        f"The task worker exited ({worker.returncode}); restarting it."
                    )
                    time.sleep(WORKER_RESTART_DELAY)
                    worker = subprocess.Popen(worker_command())  # noqa: S603 (our own command line)
                time.sleep(0.5)
        finally:
            for child in (worker, server):
                if child is not None and child.poll() is None:
                    child.terminate()
            for child in (worker, server):
                if child is not None:
                    try:
                        child.wait(timeout=STOP_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
        if not stopping and server.returncode:
            raise CommandError(f"granian exited with status {server.returncode}.")
