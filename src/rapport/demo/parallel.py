"""The sales side of a big SQLite load, on the second core.

SQLite has one writer, and a million customers' contact rows keep one core busy generating
and inserting. Their sales stories (about thirty million rows: leads, deals, orders, lines,
timeline entries) are expanded and stored by a second process into a scratch SQLite file with
no indexes; at the end the main process copies each scratch table into the real one with one
`INSERT … SELECT` (C speed, no Python per row) before the indexes are built.
"""

import multiprocessing as mp
import sqlite3
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from rapport.demo import journey_rows, journeys

TABLES = (*journey_rows.SALES_COLUMNS, "timeline_interaction")


def _columns() -> dict[str, tuple[str, ...]]:
    from rapport.demo.generate import COLUMNS

    return {table: COLUMNS[table] for table in TABLES}


def _work(queue: Any, path: str, setup: Any, ids: journey_rows.Ids, now: int) -> None:
    columns = _columns()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    for table, cols in columns.items():
        db.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
    while (plan := queue.get()) is not None:
        rows = journey_rows.expand(setup, plan, ids, now=now)
        db.execute("BEGIN")
        for table, batch in rows.items():
            if batch:
                marks = ", ".join("?" * len(columns[table]))
                db.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)  # noqa: S608
        db.execute("COMMIT")
    db.close()


class SalesWriter:
    """Hand it each batch's plan; `finish` waits and copies the rows into the database."""

    def __init__(self, *, setup: Any, ids: journey_rows.Ids, now: int) -> None:
        self.path = Path(f"{connection.settings_dict['NAME']}.sales-scratch")
        self.path.unlink(missing_ok=True)
        context = mp.get_context("fork")
        self.queue = context.Queue(maxsize=4)
        # The child never touches Django's connection: it has its own file.
        self.process = context.Process(
            target=_work, args=(self.queue, str(self.path), setup, ids, now), daemon=True
        )
        self.process.start()

    def put(self, plan: journeys.Plan) -> None:
        self.queue.put(plan)

    def finish(self) -> None:
        try:
            self.queue.put(None)
            self.process.join()
            if self.process.exitcode != 0:
                raise RuntimeError(f"the sales writer failed (exit code {self.process.exitcode})")
            self._copy()
        finally:
            if self.process.is_alive():
                self.process.kill()
            self.path.unlink(missing_ok=True)

    def abort(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.path.unlink(missing_ok=True)

    def _copy(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ATTACH DATABASE %s AS scratch", [str(self.path)])
            try:
                with transaction.atomic():
                    for table, cols in _columns().items():
                        names = ", ".join(cols)
                        cursor.execute(
                            f"INSERT INTO main.{table} ({names}) "  # noqa: S608 (our names)
                            f"SELECT {names} FROM scratch.{table}"
                        )
            finally:
                cursor.execute("DETACH DATABASE scratch")
