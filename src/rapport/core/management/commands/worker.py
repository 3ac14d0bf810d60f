"""`rapport worker`: a background task worker (django-tasks-db's, with Rapport's defaults) that
also runs the periodic jobs (core/schedule.py) in a scheduler thread.

Run as many as you like, on as many machines, against PostgreSQL: each claims tasks with
`SELECT … FOR UPDATE SKIP LOCKED`, and each job's time slot runs once whichever worker gets
it. With SQLite, `rapport serve` starts one itself.
"""

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from rapport.core.schedule import Scheduler, jobs


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background task worker (all queues; --batch to drain the queue and exit) "
        "and the periodic jobs (--no-scheduler for tasks only)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Every queue by default: later apps add queues (campaigns, analytics) and a worker
        # that silently ignores them would look like a hang. Auto-reload only when asked: a
        # worker restarted mid-task by a file change is a surprise in production.
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Run tasks only, not the periodic jobs (other workers run those).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Not with --batch (drain the queue and exit), nor in the parent process of
        # --reload, which only watches files while its child works.
        in_reloader_parent = options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options["no_scheduler"] or options["batch"] or in_reloader_parent:
            super().handle(*args, **options)
            return
        scheduler = Scheduler()
        scheduler.start()
        if options["verbosity"]:
            names = ", ".join(job.name for job in jobs()) or "-"
            self.stdout.write(f"Periodic jobs ({scheduler.worker}): {names}")
        try:
            super().handle(*args, **options)
        finally:  # SIGTERM / Ctrl+C end the task loop with SystemExit: let the jobs finish
            scheduler.drain(settings.RAPPORT_JOB_GRACE)
