"""Bulk loading generated rows: executemany on SQLite, COPY on PostgreSQL.

A million customers are about twenty million rows; the ORM would take an hour. A big load
drops the secondary indexes of the tables it fills and builds them once at the end, which is
several times faster than keeping them up to date row by row; on PostgreSQL also their unique
and foreign-key constraints, added back (and so checked) once at the end. Django declares
foreign keys DEFERRABLE INITIALLY DEFERRED, so PostgreSQL queued a check per copied row and ran
them all at each batch's commit: 47 s of a 50k-customer load's 131 (cProfile, 2026-12-01).
"""

from collections import defaultdict
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
    """COPY each table; a contact's `search_document` goes in with its row, made from the
    batch's search terms (updating a million rows afterwards wrote the table twice)."""
    terms: dict[int, list[str]] = defaultdict(list)
    for term, contact_id in batch.get("contacts_searchterm", ()):
        terms[contact_id].append(term)
    raw: Any = connection.connection
    with raw.cursor() as cursor:
        for table, rows in batch.items():
            if not rows:
                continue
            columns = COLUMNS[table]
            if table == "contacts_contact":
                columns = (*columns, "search_document")
                rows = [(*row, search.document(terms.get(row[0], ()))) for row in rows]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


@contextmanager
def bulk_load(
    *, rebuild_indexes: bool, on_index: Callable[[int, int], None] | None = None
) -> Iterator[None]:
    """Tune the database for a load and restore it afterwards.

    With `rebuild_indexes` the indexes of the filled tables (on PostgreSQL also their unique
    and foreign-key constraints) are dropped and built again at the end, even when the load
    fails; `on_index(done, total)` reports that phase.
    """
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        restore = _unconstrain_postgresql() if rebuild_indexes else []
        try:
            yield
        finally:
            _finish_postgresql(restore, on_index)
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


def _unconstrain_postgresql() -> list[str]:
    """Drop the foreign keys, unique constraints and secondary indexes of the tables a load
    fills (primary keys stay); return the statements that bring them back, in order."""
    quote = connection.ops.quote_name
    tables = list(COLUMNS)
    restore: list[str] = []
    drop: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid), c.contype "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND c.contype IN ('f', 'u') ORDER BY c.contype, t.relname, c.conname",
            [tables],
        )
        constraints = cursor.fetchall()  # foreign keys ('f') sort before unique ones ('u')
        drop += [f"ALTER TABLE {quote(t)} DROP CONSTRAINT {quote(n)}" for t, n, *_ in constraints]
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.contype IN ('p', 'u', 'x')) ORDER BY i.tablename, i.indexname",
            [tables],
        )
        indexes = cursor.fetchall()
        drop += [f"DROP INDEX {quote(name)}" for name, _ in indexes]
        restore += [definition for _, definition in indexes]
        # Unique constraints before the foreign keys that may lean on them.
        for table, name, definition, _ in sorted(constraints, key=lambda c: c[3] != "u"):
            restore.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        _alter(cursor, drop)
        # The data set is reproducible: a crash loses a batch, not consistency.
        cursor.execute("SET synchronous_commit = off")
    return restore


def _alter(
    cursor: Any, statements: list[str], on_done: Callable[[int, int], None] | None = None
) -> None:
    """Run schema changes; inside a transaction (tests), the foreign-key checks it deferred
    run first: PostgreSQL refuses to alter a table with pending trigger events."""
    if connection.in_atomic_block:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for done, statement in enumerate(statements, start=1):
        cursor.execute(statement)
        if on_done:
            on_done(done, len(statements))
    if connection.in_atomic_block:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them


def _finish_postgresql(restore: list[str], on_index: Callable[[int, int], None] | None) -> None:
    with connection.cursor() as cursor:
        if restore:
            cursor.execute("SET maintenance_work_mem = '256MB'")  # per index build
        _alter(cursor, restore, on_index)
        if restore:
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET synchronous_commit")
        for table in EXPLICIT_ID_TABLES:
            query = (
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM {}))"
            )
            cursor.execute(query.format(table), [table])  # our own table names
        # A big load is vacuumed too (autocommit only), so that autovacuum does not start on
        # its tables during the first reads and index-only scans find pages all-visible.
        analyze = "VACUUM (ANALYZE)" if restore and not connection.in_atomic_block else "ANALYZE"
        for table in COLUMNS:
            cursor.execute(f"{analyze} {table}")
