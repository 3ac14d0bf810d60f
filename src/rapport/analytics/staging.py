"""Frames staged for a bulk write on SQLite: written at C speed into a scratch file, then
copied into the real tables by SQLite itself (`INSERT … SELECT`).

Binding a million rows of thirty columns through the sqlite3 module's `executemany` costs
~10 µs of Python per row before SQLite does any work (measured: 1.7 s of 3.8 s CPU for 200k
customer-metrics rows). Here the ADBC SQLite driver ingests the frames' Arrow columns into a
private scratch file (0.7 s CPU for the same rows), the scratch file is attached to Django's
connection, and each replacing write is one `INSERT INTO t SELECT … FROM <schema>.t` (2.1 s
CPU, indexes and checks included) in the caller's transaction.

The refresh's frames come while its transaction is already writing, and SQLite attaches no
database inside a transaction: `staged_later` attaches a scratch file with empty tables
before the transaction begins, and `LaterStage.fill` fills it later. The driver links its own
copy of SQLite, which must never hold locks on a file while the sqlite3 module's connections
do (`arrow_reader` says why: in one process, the two copies do not see each other's POSIX
locks, and closing a file drops both's). So the transaction must not touch a scratch file
before its fill has returned: it is opened DEFERRED (IMMEDIATE locks every attached database
at once), reads the file only after the fill, and a file is filled once (a second fill would
write under the transaction's read lock, unseen).

Staging applies to a SQLite database in a file, entered outside any transaction: a database
cannot be attached or detached inside a transaction. Elsewhere `staged_later` yields None
and writers bind rows as before.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.db import connection

from rapport.analytics.loaders import scratch_dir, sqlite_file


@dataclass(frozen=True)
class Stage:
    """The staged tables (name → row count), readable as `<schema>.<name>` on the
    connection."""

    tables: dict[str, int]
    schema: str

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def source(self, name: str) -> str:
        quote = connection.ops.quote_name
        return f"{quote(self.schema)}.{quote(name)}"


def can_stage() -> bool:
    """Whether `staged_later` will stage here: SQLite in a file, no transaction open."""
    return sqlite_file() is not None and not connection.in_atomic_block


@dataclass(frozen=True)
class LaterStage:
    """Empty tables in a scratch file attached as `schema` (`staged_later`), to be filled
    once, while the connection's transaction is already writing."""

    path: Path
    schema: str

    def fill(self, frames: dict[str, pl.DataFrame]) -> Stage:
        """Append the non-empty `frames` (database form; their columns are some of their
        tables') to their tables, once; read them (`Stage.source`) only after this returns."""
        filled = {k: v for k, v in frames.items() if not v.is_empty()}
        return Stage(_ingest(self.path, filled), self.schema)


def table_sql(schema: str, name: str, columns: list[str]) -> str:
    """The scratch table `schema.name`: the columns without declared types, so that each
    value keeps the type the driver binds and the real table's column converts it on the
    copy, as it converts a bound value."""
    quote = connection.ops.quote_name
    return f"CREATE TABLE {quote(schema)}.{quote(name)} ({', '.join(quote(c) for c in columns)})"


@contextmanager
def staged_later(schema: str, columns: dict[str, list[str]]) -> Iterator[LaterStage | None]:
    """Empty tables (name → columns) in a scratch file attached as `schema` while the block
    runs, to be filled (`LaterStage.fill`) inside a DEFERRED transaction opened in the block,
    before the transaction reads them (module docstring). None where staging does not apply
    (`can_stage`). Frames known at different times need a file each."""
    if not can_stage():
        yield None
        return
    quote = connection.ops.quote_name
    folder = Path(tempfile.mkdtemp(prefix="rapport-stage-", dir=scratch_dir()))
    path = folder / f"{schema}.sqlite3"
    attached = False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {quote(schema)}", [str(path)])
            attached = True
            for name, names in columns.items():
                cursor.execute(table_sql(schema, name, names))
        yield LaterStage(path, schema)
    finally:
        if attached:
            with connection.cursor() as cursor:
                cursor.execute(f"DETACH DATABASE {quote(schema)}")
        shutil.rmtree(folder, ignore_errors=True)


def _ingest(path: Path, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Append each frame to its table (name → frame) of the scratch file at `path`, through
    the driver, and commit; the row counts."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(path)) as db:
        with db.cursor() as cursor:
            for name, frame in frames.items():
                # Columns of nulls only have no Arrow type SQLite's driver can bind: text nulls
                ready = frame.with_columns(
                    pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null
                )
                cursor.adbc_ingest(name, ready, mode="append")
        db.commit()
    return {name: len(frame) for name, frame in frames.items()}


WRITE_CACHE_KIB = 1 << 20  # 1 GiB at most, taken only as the transaction dirties pages


@contextmanager
def write_cache(kib: int = WRITE_CACHE_KIB) -> Iterator[None]:
    """SQLite: a page cache of up to `kib` KiB on this connection while the block runs, the
    connection's own setting restored after (elsewhere: nothing).

    A refresh's transaction dirties several hundred MB of pages; with the connection's usual
    64 MB cache SQLite spills them to the WAL mid-transaction, and an index page spilled then
    changed again is written again. Open the block outside the transaction, so that the
    cache shrinks back only once the transaction's pages are written."""
    if sqlite_file() is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")
