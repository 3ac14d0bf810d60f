"""`rapport bounces [FILE]`: record the bounces of a delivery status notification read from
FILE or standard input, for an MTA to pipe returned mail into (campaigns/bounces.py).

Exit status: 0 when recorded (or when the notification reports no failure, such as a delay),
65 (EX_DATAERR) when the input is not a DSN Rapport can act on; nothing is written then."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.campaigns.bounces import BadDsn, bounce_record

EX_DATAERR = 65
MAX_BYTES = 10 * 1024 * 1024  # a DSN returns headers or a message: more is not one


class Command(BaseCommand):
    help = "Record the bounces of a delivery status notification (RFC 3464) read from stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the message file (default: standard input)")

    def handle(self, *args: object, **options: object) -> None:
        path = options.get("file")
        try:
            if path:
                with Path(str(path)).open("rb") as source:
                    raw = source.read(MAX_BYTES + 1)
            else:
                raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(str(exc), returncode=EX_DATAERR) from exc
        if len(raw) > MAX_BYTES:
            raise CommandError(_("The message is larger than 10 MB."), returncode=EX_DATAERR)
        try:
            bounced = bounce_record(raw=raw)
        except BadDsn as exc:
            raise CommandError(str(exc), returncode=EX_DATAERR) from exc
        if not bounced:
            self.stdout.write(_("No failed recipient in this notification: nothing recorded."))
        for item in bounced:
            kind = _("hard bounce") if item.hard else _("soft bounce")
            if item.suppressed:
                line = _("Message #%(id)s to %(to)s: %(kind)s recorded; address suppressed.")
            elif item.already:
                line = _("Message #%(id)s to %(to)s: %(kind)s, already recorded.")
            else:
                line = _("Message #%(id)s to %(to)s: %(kind)s recorded.")
            self.stdout.write(line % {"id": item.message, "to": item.address, "kind": kind})
