"""Bulk loading generated rows: executemany on SQLite, COPY on PostgreSQL.

A million customers are about twenty million rows; the ORM would take an hour. On SQLite a big
load drops the secondary indexes of the tables it fills and builds them once at the end, which
is several times faster than keeping them up to date row by row.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from rapport.contacts import search
from rapport.core.bulk import next_free_id
from rapport.demo.generate import COLUMNS, Row

# Tables whose ids the generator assigns itself (children refer to them).
EXPLICIT_ID_TABLES = ("contacts_contact", "sales_lead", "sales_deal", "sales_order")


def next_id(table: str) -> int:
    return next_free_id(table)


def write_batch(batch: dict[str, list[Row]]) -> None:
    """Insert one batch, all tables, in one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_postgresql(batch)
        else:
            raw: Any = connection.connection
            for table, rows in batch.items():
                if rows:
                    columns = COLUMNS[table]
                    marks = ", ".join("?" * len(columns))
                    raw.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                        rows,
                    )


def _copy_postgresql(batch: dict[str, list[Row]]) -> None:
    raw: Any = connection.connection
    with raw.cursor() as cursor:
        for table, rows in batch.items():
            if not rows:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


@contextmanager
def bulk_load(
    *, rebuild_indexes: bool, on_index: Callable[[int, int], None] | None = None
) -> Iterator[None]:
    """Tune the database for a load and restore it afterwards.

    With `rebuild_indexes` (SQLite only) the indexes of the filled tables are dropped and built
    again at the end, even when the load fails; `on_index(done, total)` reports that phase.
    """
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        try:
            yield
        finally:
            _finish_postgresql()
        return
    # Inside an outer transaction (tests) SQLite refuses to change these; they only matter
    # for big loads, which run on their own.
    tune = not connection.in_atomic_block
    with connection.cursor() as cursor:
        if tune:
            # Durability per batch is pointless for a reproducible data set; speed is the point.
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1048576")
            cursor.execute("PRAGMA threads=2")
            cursor.execute("PRAGMA foreign_keys=OFF")
        saved: list[tuple[str, str]] = []
        if tune and rebuild_indexes:
            # A write-ahead log writes every page twice (log, then checkpoint): building the
            # indexes of twenty million rows took twice as long. The rollback journal in
            # memory still undoes a failed batch; WAL comes back at the end.
            cursor.execute("PRAGMA journal_mode=MEMORY")
        if rebuild_indexes:
            marks = ", ".join("%s" for _ in COLUMNS)
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            query += f" AND tbl_name IN ({marks}) ORDER BY name"  # only %s marks, no names
            cursor.execute(query, list(COLUMNS))
            saved = list(cursor.fetchall())
            for name, _ in saved:
                cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for done, (_, sql) in enumerate(saved, start=1):
                cursor.execute(sql)
                if on_index:
                    on_index(done, len(saved))
            if tune:
                if rebuild_indexes:
                    cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-64000")
            # Fresh statistics so the planner picks the right indexes at once: sampled for the
            # big child tables, exact for contacts (sampled owner counts made SQLite sort a
            # whole team's customers for a list page instead of walking the date index).
            search.sync_fulltext()
            cursor.execute("PRAGMA analysis_limit=2000")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE contacts_contact")


def _finish_postgresql() -> None:
    search.sync_fulltext()  # the contacts' search documents, from the term rows
    with connection.cursor() as cursor:
        for table in EXPLICIT_ID_TABLES:
            query = (
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM {}))"
            )
            cursor.execute(query.format(table), [table])  # our own table names
        for table in COLUMNS:
            cursor.execute(f"ANALYZE {table}")
