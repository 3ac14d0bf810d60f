"""Frames staged for a bulk write on SQLite: written at C speed into a scratch file, then
copied into the real tables by SQLite itself (`INSERT … SELECT`).

Binding a million rows of thirty columns through the sqlite3 module's `executemany` costs
~10 µs of Python per row before SQLite does any work (measured: 1.7 s of 3.8 s CPU for 200k
customer-metrics rows). Here the ADBC SQLite driver ingests the frames' Arrow columns into a
private scratch file (0.7 s CPU for the same rows), the scratch file is attached to Django's
connection as `staged`, and each replacing write is one `INSERT INTO t SELECT … FROM staged.t`
(2.1 s CPU, indexes and checks included) in the caller's transaction.

The driver links its own copy of SQLite, which must never share a process with the sqlite3
module's connections to the *same* file (`arrow_reader` says why); the scratch file is a new
file of its own, which the driver has written and closed before SQLite proper attaches it, so
their locks never meet.

Staging applies to a SQLite database in a file, entered outside any transaction: a database
cannot be detached inside a transaction, and the staged tables must outlive the caller's.
Elsewhere `staged` yields None and writers bind rows as before.
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

SCHEMA = "staged"


@dataclass(frozen=True)
class Stage:
    """The staged tables (name → row count), readable as `staged.<name>` on the connection."""

    tables: dict[str, int]

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def source(self, name: str) -> str:
        return f"{SCHEMA}.{connection.ops.quote_name(name)}"


def can_stage() -> bool:
    """Whether `staged` will stage here: SQLite in a file, no transaction open."""
    return sqlite_file() is not None and not connection.in_atomic_block


@contextmanager
def staged(frames: dict[str, pl.DataFrame]) -> Iterator[Stage | None]:
    """The non-empty `frames` (name → frame in database form, `writers.database_form`)
    staged in a scratch file attached as `staged` while the block runs; None where staging
    does not apply (`can_stage`). Open the block's transaction inside it."""
    if not can_stage():
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="rapport-stage-", dir=scratch_dir()))
    path = folder / "stage.sqlite3"
    attached = False
    try:
        tables = _ingest(path, {k: v for k, v in frames.items() if not v.is_empty()})
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {SCHEMA}", [str(path)])
        attached = True
        yield Stage(tables)
    finally:
        if attached:
            with connection.cursor() as cursor:
                cursor.execute(f"DETACH DATABASE {SCHEMA}")
        shutil.rmtree(folder, ignore_errors=True)


def _ingest(path: Path, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(path)) as db:
        with db.cursor() as cursor:
            for name, frame in frames.items():
                # Columns of nulls only have no Arrow type SQLite's driver can bind: text nulls
                ready = frame.with_columns(
                    pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null
                )
                cursor.adbc_ingest(name, ready, mode="create")
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
