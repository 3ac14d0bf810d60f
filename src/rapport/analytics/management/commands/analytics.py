"""`rapport analytics refresh [--as-of DATE]`: recompute stored analytics."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.analytics.services import refresh_acquisition


class Command(BaseCommand):
    help = "Recompute stored analytics (acquisition report; customer metrics come next)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="recompute everything as of a date")
        refresh.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, action: str, as_of: str | None = None, **options: Any) -> None:
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(
                    f"--as-of must be a date like 2026-11-30, not {as_of!r}"
                ) from exc
        run = refresh_acquisition(as_of=day)
        self.stdout.write(
            f"acquisition: {run.rows_read} rows read, computed in {run.seconds:.2f} s "
            f"as of {run.as_of}"
        )
