"""`python -m rapport.bench.loadgen CONFIG_JSON`: concurrent keep-alive HTTP clients (no Django).

Runs in its own process so its Python does not share a GIL with the benchmark or the server.
Each client thread keeps one HTTP/1.1 connection open and pages through a list by following
each answer's `next` cursor; `idle` more connections make one request and then stay open,
silent, for the whole run, as browsers do. Prints one JSON object: latencies of the requests
sent during the measured window, errors, and the CPU time this process spent (the client's own
overhead, to be told apart from the server's).
"""

import http.client
import json
import resource
import sys
import threading
import time
from typing import Any
from urllib.parse import quote


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Client(threading.Thread):
    def __init__(self, config: dict[str, Any], token: str, start_at: float, stop_at: float):
        super().__init__(daemon=True)
        self.config = config
        self.headers = {"Authorization": f"Bearer {token}"}
        self.start_at, self.stop_at = start_at, stop_at
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.requests = 0  # all of them, warm-up included

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.config["port"], timeout=10)

    def run(self) -> None:
        connection = self._connect()
        cursor: str | None = None
        pages = 0
        while (now := time.monotonic()) < self.stop_at:
            path = self.config["path"] + (f"&cursor={quote(cursor)}" if cursor else "")
            try:
                connection.request("GET", path, headers=self.headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.monotonic() - now) * 1000
                if response.status != 200:
                    raise RuntimeError(f"{response.status}: {body[:200]!r}")
                cursor = json.loads(body)["next"]
            except Exception as error:  # every failure counts as an error
                if now >= self.start_at:
                    self.errors.append(f"{type(error).__name__}: {error}"[:300])
                connection.close()
                connection = self._connect()
                cursor, pages = None, 0
                continue
            self.requests += 1
            if now >= self.start_at:
                self.latencies_ms.append(elapsed)
            pages += 1
            if cursor is None or pages >= self.config["pages"]:
                cursor, pages = None, 0
        connection.close()


def idle_connections(config: dict[str, Any], token: str) -> list[http.client.HTTPConnection]:
    """Connections that made one request and now sit open without a word."""
    out = []
    for _ in range(config["idle"]):
        connection = http.client.HTTPConnection("127.0.0.1", config["port"], timeout=10)
        connection.request("GET", config["path"], headers={"Authorization": f"Bearer {token}"})
        connection.getresponse().read()
        out.append(connection)
    return out


def run(config: dict[str, Any]) -> dict[str, Any]:
    tokens = config["tokens"]
    idle = idle_connections(config, tokens[0])
    start_at = time.monotonic() + config["warmup"]
    stop_at = start_at + config["duration"]
    clients = [
        Client(config, tokens[i % len(tokens)], start_at, stop_at) for i in range(config["clients"])
    ]
    for client in clients:
        client.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_start = _cpu_seconds()
    for client in clients:
        client.join()
    cpu = _cpu_seconds() - cpu_start
    for connection in idle:
        connection.close()
    latencies = [ms for client in clients for ms in client.latencies_ms]
    errors = [error for client in clients for error in client.errors]
    return {
        "latencies_ms": latencies,
        "errors": errors,
        "seconds": config["duration"],
        "client_cpu_s": cpu,
        "requests": config["idle"] + sum(client.requests for client in clients),
    }


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
