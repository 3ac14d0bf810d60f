"""`rapport worker`: a background task worker (django-tasks-db's, with Rapport's defaults).

Run as many as you like, on as many machines, against PostgreSQL: each claims tasks with
`SELECT … FOR UPDATE SKIP LOCKED`. With SQLite, `rapport serve` starts one itself.
"""

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run a background task worker (all queues; --batch to drain the queue and exit)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Every queue by default: later apps add queues (campaigns, analytics) and a worker
        # that silently ignores them would look like a hang. Auto-reload only when asked: a
        # worker restarted mid-task by a file change is a surprise in production.
        parser.set_defaults(queue_name="*", reload=False)
