"""`rapport jobs [list | run NAME | tick]`: the periodic jobs (core/schedule.py).

`list` (the default) shows each job's schedule, last run, next run and last error; `run NAME`
runs one now in this process (one attempt; exit status 1 if it fails); `tick` runs what is
due once and exits, for a host that calls it from cron instead of running `rapport worker`.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import schedule
from rapport.core.models import JobRun


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


class Command(BaseCommand):
    help = "List the periodic jobs, run one now (run NAME), or run what is due once (tick)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", default="list", choices=["list", "run", "tick"])
        parser.add_argument("name", nargs="?", help="the job to run (with `run`)")

    def handle(self, *args: Any, **options: Any) -> None:
        action, name = options["action"], options["name"]
        if action == "run":
            if not name:
                raise CommandError(_("Name the job to run: rapport jobs run NAME."))
            try:
                run = schedule.run_now(name)
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            self._report([run])
            if run.status != JobRun.Status.SUCCEEDED:
                raise CommandError(_("The job failed."), returncode=1)
        elif action == "tick":
            self._report(schedule.tick())
        else:
            self._list()

    def _report(self, runs: list[JobRun]) -> None:
        for run in runs:
            line = f"{run.job} [{_when(run.slot)}] {run.get_status_display()}"
            if run.result is not None:
                line += f" {run.result}"
            if run.status == JobRun.Status.SUCCEEDED:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                self.stdout.write(self.style.ERROR(line))
                self.stdout.write(run.error.rstrip())

    def _list(self) -> None:
        for state in schedule.states():
            job, last = state.job, state.last
            self.stdout.write(self.style.MIGRATE_HEADING(job.name) + f"  {job.describe()}")
            if last is None:
                self.stdout.write("  " + _("last run: never"))
            else:
                duration = f" ({last.duration.total_seconds():.1f} s)" if last.duration else ""
                self.stdout.write(
                    "  "
                    + _("last run: %(when)s, %(status)s, attempt %(n)d%(duration)s")
                    % {
                        "when": _when(last.started_at or last.slot),
                        "status": last.get_status_display(),
                        "n": last.attempt,
                        "duration": duration,
                    }
                )
            if state.next_at is None:
                self.stdout.write("  " + _("next run: after the running one"))
            else:
                overdue = " " + _("(overdue: is a worker running?)") if state.overdue else ""
                self.stdout.write(
                    "  " + _("next run: %(when)s") % {"when": _when(state.next_at)} + overdue
                )
            bad = state.last_error
            if bad is not None and bad.error:
                self.stdout.write(
                    "  "
                    + _("last error (%(when)s): %(error)s")
                    % {"when": _when(bad.started_at), "error": bad.error_line}
                )
