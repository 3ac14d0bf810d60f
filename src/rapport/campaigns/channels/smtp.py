"""E-mail over SMTP (RAPPORT_EMAIL_URL): one connection per batch, each message in its own
MAIL/RCPT/DATA exchange so that a failure is known to have happened before or after its
content went over (see channels/base.py). A message can be staged (all of it sent but the
final dot) before the outbox commits its hand-off, so that a worker killed after that commit
has almost surely handed the message over (channels/base.py, `Staged`)."""

import functools
import io
import re
import secrets
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.charset import BASE64, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Rejected

TIMEOUT = 20  # seconds for the connection and each reply
_LEADING_DOT = re.compile(rb"(?m)^\.")


def message_id(key: int, sender: str) -> str:
    """The Message-ID of outbox message `key`: the same every time it is built, so a second
    copy could be recognised by any receiver."""
    return f"<outbox.{key}@{_domain(sender)}>"


@functools.lru_cache(maxsize=64)  # one sender per provider: parsed once, not per message
def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


# The MIME message is built with the stdlib's compat32 classes, not EmailMessage and the
# modern policy: those parse every header into objects and refold it on output, 3.2 ms of CPU
# per message measured against 0.7 ms here (RFC 2047 subjects, base64 UTF-8 bodies, CRLF) —
# the difference between missing and meeting a send rate of 500 messages a second.
# Header lines are not folded (max_line_length 0): ASCII values stay whole (a folded
# List-Unsubscribe began with a blank first line, read back with a leading space), and
# non-ASCII ones arrive already split into RFC 2047 words of at most 76 characters.
# The same policy with a shortcut: an ASCII header value on one line is written as it is —
# what compat32 writes for it when lines are not folded (tests/campaigns/test_email.py checks
# this on every ASCII character), without a Header object per header per message (a third
# of the serialisation's CPU).
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e]")  # what str.splitlines splits ASCII on


class _Policy(Compat32):
    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii() and not _LINE_BREAK.search(value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


POLICY = _Policy(linesep="\r\n", max_line_length=0)
UTF8 = Charset("utf-8")
UTF8.body_encoding = BASE64
UTF8.header_encoding = BASE64
LINE_LIMIT = 998


def _header(value: str, name: str) -> str:
    if value.isascii():
        return value
    return Header(value, UTF8, header_name=name).encode(linesep=POLICY.linesep)


@functools.lru_cache(maxsize=64)  # the sender's: parsed once, not per message
def _sender(value: str) -> str:
    return _address(value)


# An address in RFC 5322's dot-atom form, as contacts' addresses nearly all are: parseaddr
# leaves it as it is and quoteaddr only adds brackets (tests/campaigns/test_email.py checks
# both), so it is not parsed three times per message.
DOT_ATOM = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


def _envelope(value: str) -> str:
    """The address as MAIL FROM and RCPT TO take it."""
    return f"<{value}>" if DOT_ATOM.fullmatch(value) else smtplib.quoteaddr(value)


def _address(value: str) -> str:
    """A From/To value: `addr` or `Name <addr>`, the name RFC 2047-encoded when it needs it."""
    if DOT_ATOM.fullmatch(value):
        return value
    name, addr = parseaddr(value)
    return formataddr((name, addr), charset="utf-8") if name else (addr or value)


def _plain_7bit(body: str) -> bool:
    # SMTP caps a line at 1000 octets with its CRLF: a longer ASCII line (HTML often has one)
    # goes in base64 like any non-ASCII body.
    return body.isascii() and all(len(line) <= LINE_LIMIT for line in body.splitlines())


def _part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=POLICY)
    if _plain_7bit(body):  # readable in the raw message, as it is
        part.set_payload(body)
        part.set_param("charset", "us-ascii")
        part["Content-Transfer-Encoding"] = "7bit"
    else:
        part.set_payload(body, charset=UTF8)
    return part


def _boundary(message: Outgoing) -> str:
    """A multipart boundary found in neither body (RFC 2046 5.1.1). A base64 part cannot hold
    it either: `_` is not in base64's alphabet."""
    while True:
        boundary = f"=_{secrets.token_hex(16)}"
        if boundary not in message.text and boundary not in message.html:
            return boundary


def build(message: Outgoing, sender: str) -> Message:
    """The MIME message: plain text, and an HTML alternative when there is one."""
    mail: Message
    if message.html:
        # Our own boundary: the generator's random one costs a regular expression compiled
        # per message to check it against the text.
        mail = MIMEMultipart("alternative", policy=POLICY, boundary=_boundary(message))
        for body, subtype in ((message.text, "plain"), (message.html, "html")):
            part = _part(body, subtype)
            del part["MIME-Version"]  # the message's own header says it once
            mail.attach(part)
    else:
        mail = _part(message.text, "plain")
    mail["From"] = _sender(sender)
    mail["To"] = _address(message.to)
    mail["Subject"] = _header(message.subject, "Subject")
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(message.key, sender)
    for name, value in message.headers.items():
        mail[name] = _header(value, name)
    return mail


def as_bytes(mail: Message) -> bytes:
    """The message as it goes over the wire (CRLF line ends)."""
    out = io.BytesIO()
    BytesGenerator(out, policy=POLICY).flatten(mail)
    return out.getvalue()


# Refusals of the recipient that mean the address does not exist or never will take mail
# (RFC 5321 550/551/553 at RCPT TO); a full mailbox (552) or a policy refusal may pass.
HARD_BOUNCES = (550, 551, 553)


def _refused(code: int, reply: bytes, stage: str) -> NotSent | Rejected:
    detail = f"{stage}: {code} {reply.decode('utf-8', 'replace')}"
    if 500 <= code < 600:
        return Rejected(detail, bad_address=stage == "RCPT TO" and code in HARD_BOUNCES)
    return NotSent(detail)


@dataclass
class Staging:
    """A message staged on the connection, waiting for its final dot (or, `released`, for
    the server's answer to it; `error`: writing the dot failed)."""

    message: Outgoing
    message_id: str
    connection: smtplib.SMTP
    released: bool = False
    error: str = ""


class SmtpProvider:
    """Sends e-mail through one SMTP server, `smtp://user:password@host:port`
    (`smtp+tls://` for STARTTLS, `smtps://` for TLS from the start)."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.sender = sender
        self.envelope_from = _envelope(sender)
        # Named after the sender's domain: looking up this machine's own name (smtplib's
        # default) can wait seconds on DNS for every batch.
        self.helo = sender.rpartition("@")[2] or "localhost"
        self.connection: smtplib.SMTP | None = None
        self.staged: Staging | None = None

    def __enter__(self) -> "SmtpProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unstage()  # a message staged and never sent (the batch ended in an error)
        self._close(polite=True)

    def _connect(self) -> smtplib.SMTP:
        if self.connection is None:
            try:
                if self.scheme == "smtps":
                    connection: smtplib.SMTP = smtplib.SMTP_SSL(
                        self.host,
                        self.port,
                        local_hostname=self.helo,
                        timeout=TIMEOUT,
                        context=ssl.create_default_context(),
                    )
                else:
                    connection = smtplib.SMTP(
                        self.host, self.port, local_hostname=self.helo, timeout=TIMEOUT
                    )
                    if self.scheme == "smtp+tls":
                        connection.starttls(context=ssl.create_default_context())
                # Commands and replies alternate, one small packet each: without this, Nagle's
                # algorithm holds a command back until the previous packet is acknowledged.
                if connection.sock is not None:
                    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection.ehlo_or_helo_if_needed()
                if self.username:
                    connection.login(self.username, self.password)
            except (OSError, smtplib.SMTPException) as exc:
                raise NotSent(f"connect to {self.host}:{self.port}: {exc}") from exc
            self.connection = connection
        return self.connection

    def _close(self, *, polite: bool) -> None:
        connection, self.connection, self.staged = self.connection, None, None
        if connection is None:
            return
        try:
            if polite:
                connection.quit()
            else:
                connection.close()
        except (OSError, smtplib.SMTPException):
            connection.close()

    def stage(self, message: Outgoing) -> Staging:
        """Everything short of handing `message` over: the envelope accepted, DATA answered
        and the content sent but for the final dot, which alone makes the server take it
        (RFC 5321 4.1.1.4). `send(message)` then sends the dot; `unstage()` drops the
        connection instead, and the server discards what it got."""
        self.unstage()
        mail = build(message, self.sender)
        content = _LEADING_DOT.sub(b"..", as_bytes(mail))
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        connection = self._connect()
        # Before the final dot, any failure means the message was not taken.
        try:
            # smtplib's mail() and rcpt() without options, the addresses quoted beforehand
            code, reply = connection.docmd("mail", f"FROM:{self.envelope_from}")
            if code != 250:
                raise _refused(code, reply, "MAIL FROM")
            code, reply = connection.docmd("rcpt", f"TO:{_envelope(message.to)}")
            if code not in (250, 251):
                raise _refused(code, reply, "RCPT TO")
            connection.putcmd("data")
            code, reply = connection.getreply()
            if code != 354:
                raise _refused(code, reply, "DATA")
        except (NotSent, Rejected):
            self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._close(polite=False)
            raise NotSent(f"before the content: {exc}") from exc
        try:
            connection.send(content)
        except (OSError, smtplib.SMTPException) as exc:
            self._close(polite=False)
            raise NotSent(f"before the end of the content: {exc}") from exc
        self.staged = Staging(message, str(mail["Message-ID"]), connection)
        return self.staged

    def unstage(self) -> None:
        if self.staged is not None:
            self.staged = None
            # within DATA only a dropped connection abandons the message (no RSET there)
            self._close(polite=False)

    def release(self) -> None:
        """Write the staged message's final dot, which makes the server take it, without
        waiting for the answer: `send` reads it. A failure to write is kept for `send`."""
        staged = self.staged
        if staged is None or staged.released:
            return
        staged.released = True
        try:
            staged.connection.send(b".\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            staged.error = str(exc)

    def send(self, message: Outgoing) -> str:
        staged = self.staged
        if staged is None or staged.message != message:
            staged = self.stage(message)
        self.staged = None
        # From here the server may have taken the message even if we never hear its answer.
        try:
            if staged.error:
                raise OSError(staged.error)
            if not staged.released:
                staged.connection.send(b".\r\n")
            code, reply = staged.connection.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._close(polite=False)
            raise OutcomeUnknown(f"after the content: {exc}") from exc
        if code != 250:
            # An explicit refusal of the content: the server did not take it.
            raise _refused(code, reply, "content")
        return staged.message_id

    def _reset(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._close(polite=False)
