"""The development provider: prints each message instead of sending it."""

import logging
import sys
from typing import TextIO

from rapport.campaigns.channels.base import Outgoing

log = logging.getLogger(__name__)


class ConsoleProvider:
    """Writes every message to standard output (or `stream`); for `make run` and tests."""

    def __init__(self, channel: str, stream: TextIO | None = None) -> None:
        self.channel = channel
        self.stream = stream

    def __enter__(self) -> "ConsoleProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        stream = self.stream or sys.stdout
        lines = [f"--- {self.channel} message {message.key} to {message.to}"]
        lines += [f"{name}: {value}" for name, value in message.headers.items()]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        lines += ["", message.text, "---", ""]
        stream.write("\n".join(lines))
        stream.flush()
        return f"console-{message.key}"
