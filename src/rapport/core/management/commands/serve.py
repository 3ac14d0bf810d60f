"""`rapport serve`: granian (WSGI) serving Rapport and its static files, plus a task worker.

With SQLite (the embedded default) a `rapport worker` child process runs beside the server, so
one command is a complete installation; it is restarted if it dies and stopped with the server.
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


def granian_command(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The granian command line: WSGI app, static files straight from STATIC_ROOT."""
    command = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--no-ws",
        "--static-path-route", "/" + settings.STATIC_URL.strip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        # Collected files keep their names across releases; a day of caching is a safe middle.
        "--static-path-expires", "1d",
        "--respawn-failed-workers",
        # WSGI requests run on these threads; more than a handful per core only adds
        # contention on the GIL and the database, so requests beyond them wait in line.
        "--blocking-threads", str(threads),
        "--backpressure", str(threads),
    ]  # fmt: skip
    return [*command, "rapport.wsgi:application"]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "rapport", "worker", "--interval", "1"]


def needs_embedded_worker() -> bool:
    return connection.vendor == "sqlite"


class Command(BaseCommand):
    help = "Serve Rapport with granian (and a task worker when the database is SQLite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Web worker processes.")
        parser.add_argument(
            "--threads",
            type=int,
            default=min(8, 2 * (os.cpu_count() or 1)),
            help="Threads per web worker (default: two per core, at most 8).",
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
                        child.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
        if not stopping and server.returncode:
            raise CommandError(f"granian exited with status {server.returncode}.")
