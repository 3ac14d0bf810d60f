"""The one interface every channel's provider speaks, and the three ways a send can fail.

The outbox (campaigns/outbox.py) opens a provider once per batch (an SMTP connection is
reused for the whole batch), hands it one `Outgoing` at a time and records its answer. What
matters for exactly-once is *how* a send failed:

- `NotSent`: the provider certainly did not take the message (connection refused, a 4xx
  before the content was handed over, a 429): it is retried later with backoff;
- `Rejected`: the provider refused it for good (a 5xx for the recipient, an invalid number):
  it fails, with the provider's words;
- `OutcomeUnknown`: the connection broke while or after the content went over: the message
  may have gone out, so it is never retried by itself; it is marked for review.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class SendError(Exception):
    """A send that did not succeed; `detail` is the provider's own answer."""

    def __init__(self, detail: str, *, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class NotSent(SendError):
    """The provider did not take the message; sending it again cannot duplicate it."""


class Rejected(SendError):
    """The provider refused the message for good. `bad_address`: because of the address
    itself (no such mailbox, an invalid number, a chat that blocked the bot): nothing
    more is sent there (a hard bounce suppresses it)."""

    def __init__(self, detail: str, *, bad_address: bool = False) -> None:
        super().__init__(detail)
        self.bad_address = bad_address


class OutcomeUnknown(SendError):
    """The message may or may not have reached the provider."""


@dataclass(frozen=True)
class Outgoing:
    """One message as a provider sends it. `key` is the outbox id: the idempotency key
    where the provider takes one, and the core of the e-mail's Message-ID. `via` names the
    messenger of a messenger message's account ("telegram", "viber", "whatsapp"), so the
    messenger channel's provider can pass it to the right API; `language` is the message's;
    `params` are the body parameters of the WhatsApp template its subject names."""

    key: int
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    via: str = ""
    language: str = ""
    params: tuple[str, ...] = ()


class Provider(Protocol):
    """A channel's sender. Used as a context manager around one batch."""

    def __enter__(self) -> "Provider": ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, message: Outgoing) -> str:
        """Send one message; return the provider's id for it. Raises a SendError."""
        ...


@runtime_checkable
class Staged(Protocol):
    """A provider that can do everything short of handing a message over before the outbox
    commits the hand-off (SMTP: the envelope, DATA and the content but its final dot), so
    that a worker killed after that commit has almost surely handed the message over."""

    def stage(self, message: Outgoing) -> object:
        """Prepare `message`, which `send(message)` then hands over. Raises `NotSent` or
        `Rejected` as `send` does; the message has not been taken either way."""
        ...

    def unstage(self) -> None:
        """Abandon the staged message (the hand-off was refused): it is not sent."""
        ...

    def release(self) -> None:
        """Hand the staged message over without waiting for the answer, which `send` then
        reads (SMTP: write the final dot). Never raises: `send` reports a failure. Called
        while the hand-off's COMMIT is on its way (`core.commit.commit_beside`)."""
        ...
