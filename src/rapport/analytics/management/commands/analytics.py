"""`rapport analytics refresh [--as-of DATE]`: recompute stored analytics, step by step."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rapport.analytics.refresh import FutureDate, refresh_customers
from rapport.analytics.refresh.messages import describe_warning
from rapport.analytics.services import refresh_acquisition


class Command(BaseCommand):
    help = "Recompute stored analytics: the acquisition report, customer and product metrics."

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
        bars: dict[str, tqdm] = {}

        def announce(step: dict[str, Any]) -> None:
            bar = bars.pop(step["step"], None)
            if bar is not None:
                bar.close()
            self.stdout.write(
                f"  {step['step']:<44} {step['seconds']:>8.2f} s "
                f"{step.get('cpu_seconds', 0.0):>8.2f} s CPU {step['rows']:>12,} rows"
            )

        def progress(step: str, done: int, total: int) -> None:
            bar = bars.get(step)
            if bar is None:
                bar = bars[step] = tqdm(total=total, desc=f"  {step}", unit="row", leave=False)
            bar.update(done - bar.n)

        try:
            self.stdout.write("customer and product metrics:")
            run = refresh_customers(as_of=day, announce=announce, progress=progress)
        except FutureDate as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars.values():
                bar.close()
        for item in run.warnings:
            self.stdout.write(self.style.WARNING(f"  ! {describe_warning(item)}"))
        for rate in run.rates:
            self.stdout.write(
                f"  rate used: 1 {rate['currency']} = {rate['rate']} {run.currency} "
                f"(valid from {rate['valid_from']}) for {rate['orders']:,} orders"
            )
        self.stdout.write(
            f"  {run.customers:,} customers as of {run.as_of}, {run.rows_read:,} rows read, "
            f"{run.seconds:.2f} s in all"
        )
        acquisition = refresh_acquisition(as_of=day)
        self.stdout.write(
            f"acquisition: {acquisition.rows_read:,} rows read, computed in "
            f"{acquisition.seconds:.2f} s as of {acquisition.as_of}"
        )
