"""The messenger channel's provider: each message goes through the API of its contact's
account (Telegram, Viber or WhatsApp, `Outgoing.via`); a messenger with no provider
configured prints its messages, as every unconfigured channel does. Each messenger's provider
is opened at its first message of the batch and closed with the batch."""

from collections.abc import Callable
from contextlib import ExitStack

from rapport.campaigns.channels.base import Outgoing, Provider


class MessengerRouter:
    def __init__(self, open_provider: Callable[[str], Provider]) -> None:
        self.open_provider = open_provider
        self.opened: dict[str, Provider] = {}
        self.stack = ExitStack()

    def __enter__(self) -> "MessengerRouter":
        self.stack.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.opened.clear()
        self.stack.close()

    def send(self, message: Outgoing) -> str:
        via = message.via or "telegram"  # the only messenger before there were several
        if via not in self.opened:
            self.opened[via] = self.stack.enter_context(self.open_provider(via))
        return self.opened[via].send(message)
