"""E-mail over SMTP (RAPPORT_EMAIL_URL): one connection per batch, each message in its own
MAIL/RCPT/DATA exchange so that a failure is known to have happened before or after its
content went over (see channels/base.py)."""

import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Rejected

TIMEOUT = 20  # seconds for the connection and each reply
_LEADING_DOT = re.compile(rb"(?m)^\.")


def message_id(key: int, sender: str) -> str:
    """The Message-ID of outbox message `key`: the same every time it is built, so a second
    copy could be recognised by any receiver."""
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<outbox.{key}@{domain}>"


def build(message: Outgoing, sender: str) -> EmailMessage:
    """The MIME message: plain text, and an HTML alternative when there is one."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(message.key, sender)
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


# Refusals of the recipient that mean the address does not exist or never will take mail
# (RFC 5321 550/551/553 at RCPT TO); a full mailbox (552) or a policy refusal may pass.
HARD_BOUNCES = (550, 551, 553)


def _refused(code: int, reply: bytes, stage: str) -> NotSent | Rejected:
    detail = f"{stage}: {code} {reply.decode('utf-8', 'replace')}"
    if 500 <= code < 600:
        return Rejected(detail, bad_address=stage == "RCPT TO" and code in HARD_BOUNCES)
    return NotSent(detail)


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
        # Named after the sender's domain: looking up this machine's own name (smtplib's
        # default) can wait seconds on DNS for every batch.
        self.helo = sender.rpartition("@")[2] or "localhost"
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpProvider":
        return self

    def __exit__(self, *exc: object) -> None:
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
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if polite:
                connection.quit()
            else:
                connection.close()
        except (OSError, smtplib.SMTPException):
            connection.close()

    def send(self, message: Outgoing) -> str:
        mail = build(message, self.sender)
        content = _LEADING_DOT.sub(b"..", mail.as_bytes())
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        connection = self._connect()
        # Before the content goes over, any failure means the message was not taken.
        try:
            code, reply = connection.mail(self.sender)
            if code != 250:
                raise _refused(code, reply, "MAIL FROM")
            code, reply = connection.rcpt(message.to)
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
        # From here the server may have queued the message even if we never hear its answer.
        try:
            connection.send(content + b".\r\n")
            code, reply = connection.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._close(polite=False)
            raise OutcomeUnknown(f"after the content: {exc}") from exc
        if code != 250:
            # An explicit refusal of the content: the server did not take it.
            raise _refused(code, reply, "content")
        return mail["Message-ID"]

    def _reset(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._close(polite=False)
