"""Local fake servers that answer as Twilio's Messages API and Telegram's Bot API do,
including their errors and rate-limit answers, scripted per test."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Scripted:
    """Requests received, and the answers to give next: (status, JSON body, headers) or
    "hang" (read the request, never answer)."""

    requests: list[dict] = field(default_factory=list)
    answers: list = field(default_factory=list)
    counter: int = 0


def _handler(api: str, state: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return None

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if api == "twilio":
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            else:
                body = json.loads(raw)
            state.requests.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            answer = state.answers.pop(0) if state.answers else None
            if answer == "hang":
                self.wfile.flush()
                self.close_connection = True
                self.connection.close()
                return
            if answer is None:
                state.counter += 1
                if api == "twilio":
                    answer = (201, {"sid": f"SM{state.counter:032d}", "status": "queued"}, {})
                else:
                    answer = (200, {"ok": True, "result": {"message_id": state.counter}}, {})
            status, payload, headers = answer
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def fake_api(api: str) -> Iterator[tuple[Scripted, int]]:
    state = Scripted()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api, state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
