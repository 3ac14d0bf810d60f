"""Bulk reads from the database into Polars.

`frame` streams one query's rows through Django's cursor (any backend, inside a transaction
too). `bulk_frame` is for the millions of rows of a refresh and reads Arrow or CSV instead of
Python tuples, whichever the backend allows:

- PostgreSQL: `COPY (query) TO STDOUT` in CSV on Django's own connection (so it sees the
  current transaction), parsed by Polars' CSV reader;
- SQLite in a file, outside a transaction: the ADBC SQLite driver reads the file straight into
  Arrow on its own read-only connection (it sees committed data, which is all there is when
  no transaction is open), in a child process (`arrow_frame` says why);
- otherwise (inside a transaction, an in-memory database): `frame`.

Measured on 2.7M orders (contact, day, value) of a SQLite file, a busy 2-core machine: the
sqlite3 module's fetchmany alone took 3.8 s and building the frame from its tuples 5.8-6.5 s;
ADBC into Arrow 0.8-1.3 s. The ADBC driver infers a column's type from its first rows, so a
query given to `bulk_frame` must not return NULL in a text or real column (COALESCE them);
nullable integer columns are fine.
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

BATCH = 100_000


def frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Run `sql` and stream its rows into a frame with `schema` (column order = SELECT order)."""
    chunks: list[pl.DataFrame] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            # A driver may hand a date over as text or as a datetime: read as what it is,
            # then parsed or cast by _typed
            build = {
                name: _arriving(dtype, rows, k) for k, (name, dtype) in enumerate(schema.items())
            }
            chunk = pl.DataFrame(rows, schema=build, orient="row", strict=False)
            chunks.append(_typed(chunk, schema) if build != schema else chunk)
    if not chunks:
        return pl.DataFrame(schema=schema)
    return pl.concat(chunks, rechunk=True)


def _arriving(dtype: Any, rows: list[tuple[Any, ...]], column: int) -> Any:
    """The type a date or time column's values arrive as (else `dtype`)."""
    if not (dtype == pl.Date or dtype == pl.Datetime or isinstance(dtype, pl.Datetime)):
        return dtype
    sample = next((row[column] for row in rows[:100] if row[column] is not None), None)
    if isinstance(sample, str):
        return pl.String
    if isinstance(sample, dt.datetime) and dtype == pl.Date:
        return pl.Datetime("us", "UTC") if sample.tzinfo else pl.Datetime("us")
    return dtype


def bulk_frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """`frame`'s result, read the fastest way the backend allows (see the module docstring)."""
    if connection.vendor == "postgresql":
        return _copy_frame(sql, params, schema)
    path = sqlite_file()
    if path is not None and not connection.in_atomic_block:
        return arrow_frame(path, sql, params, schema)
    return frame(sql, params, schema)


def bulk_method() -> str:
    """How `bulk_frame` reads right now (for the refresh's step report)."""
    if connection.vendor == "postgresql":
        return "copy"
    return "arrow" if sqlite_file() and not connection.in_atomic_block else "cursor"


def sqlite_file() -> Path | None:
    """The SQLite database file of the default connection (None: in memory or not SQLite)."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = Path(name)
    return path if path.exists() else None


_PLACEHOLDER = re.compile(r"%([%s])")


def qmark(sql: str) -> str:
    """Django's "%s" parameter style (with "%%" for a literal %) as SQLite's "?" style."""
    return _PLACEHOLDER.sub(lambda m: "%" if m.group(1) == "%" else "?", sql)


def arrow_frame(path: Path, sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """`sql` run on the SQLite file at `path` by the ADBC driver, as a frame with `schema`.

    The driver runs in a child process (`arrow_reader`): it links its own copy of SQLite,
    which must never share a process with the sqlite3 module's connections to the same file
    (their POSIX locks would undo each other). Starting the child costs about half a second;
    the rows come back as an Arrow file."""
    return arrow_frames(path, {"rows": (sql, params, schema)})["rows"]


Query = tuple[str, list[Any], dict[str, Any]]  # sql, params, schema


def arrow_frames(
    path: Path, queries: dict[str, Query], together: list[list[str]] | None = None
) -> dict[str, pl.DataFrame]:
    """Each of `queries` run as by `arrow_frame`, side by side (`arrow_reads`)."""
    with arrow_reads(path, queries, together) as read:
        return {name: read(name) for name in queries}


Read = Callable[[str], pl.DataFrame]  # a query's name → its rows (waiting for them if need be)


@contextmanager
def arrow_reads(
    path: Path, queries: dict[str, Query], together: list[list[str]] | None = None
) -> Iterator[Read]:
    """Start each of `queries` as by `arrow_frame`, side by side, and give a function that
    waits for one (by name) and returns its frame: the caller can work on the first results
    while the others are still being read. One child process per group of `together`
    (names; default one per query), which runs its queries one after the other, so that on a
    machine with a core to spare reading orders and ten million order lines takes the time of
    the longer read, not of both (SQLite in WAL mode serves readers in parallel). Grouping
    the small reads saves a child's start (≈ 0.3 s of CPU: Python, Polars and the driver
    loaded again) where there are no more cores to run it beside the others. Leaving the
    block stops the reads not waited for."""
    groups = together or [[name] for name in queries]
    if sorted(n for group in groups for n in group) != sorted(queries):
        raise ValueError("`together` must name each query exactly once")
    with tempfile.TemporaryDirectory(prefix="rapport-arrow-", dir=scratch_dir()) as folder:
        outs = {name: Path(folder) / f"{k}.arrow" for k, name in enumerate(queries)}
        reader: dict[str, subprocess.Popen[str]] = {}
        try:
            for group in groups:
                child = subprocess.Popen(  # noqa: S603 (our own module, arguments we built)
                    [sys.executable, "-m", "rapport.analytics.arrow_reader", str(path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                reader |= dict.fromkeys(group, child)
                # the queries now (a few hundred bytes: the pipe takes them), so that every
                # child starts reading before the first one is waited for
                assert child.stdin is not None
                batch = [
                    {"sql": qmark(queries[name][0]), "params": list(queries[name][1]),
                     "out": str(outs[name])}
                    for name in group
                ]  # fmt: skip
                child.stdin.write(json.dumps(batch, default=str))
                child.stdin.close()

            output: dict[int, str] = {}  # what a waited-for child wrote to stderr, by pid

            def read(name: str) -> pl.DataFrame:
                child = reader[name]
                if child.returncode is None:  # not waited for yet
                    assert child.stderr is not None
                    with child.stderr:  # the only pipe left open: read it, then wait
                        output[child.pid] = child.stderr.read()
                    child.wait()
                if child.returncode != 0:
                    error = output.get(child.pid, "")[-2000:]
                    raise RuntimeError(f"reading {path.name} through Arrow failed: {error}")
                return _typed(pl.read_ipc(outs[name]), queries[name][2])

            yield read
        finally:
            for child in set(reader.values()):
                if child.poll() is None:  # not waited for, or a read failed: the rest stop
                    child.kill()
                    child.wait()
                if child.stderr and not child.stderr.closed:
                    child.stderr.close()


RAM_DISK = Path("/dev/shm")  # noqa: S108 (only a parent for mkdtemp: private, unguessable)
RAM_DISK_FREE = 4 << 30  # bytes: a 1M-customer refresh puts ~0.9 GB there at a time


def scratch_dir() -> str | None:
    """Where a refresh's scratch files go (the Arrow files of its reads, its staged writes):
    Linux's RAM-backed /dev/shm while it has room, else the system's temporary directory
    (None). Each file is written once and read back at once, so on disk it only costs writes
    that compete with the database's own: measured on the 1M-customer SQLite set, a busy
    shared disk, 0.8 GB of the refresh's 1.7 GB written were these files."""
    try:
        room = os.statvfs(RAM_DISK)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < RAM_DISK_FREE or not os.access(RAM_DISK, os.W_OK):
        return None
    return str(RAM_DISK)


@contextmanager
def bulk_reads(
    queries: dict[str, Query], together: list[list[str]] | None = None
) -> Iterator[Read]:
    """`bulk_frame` of each query, by name, as `arrow_reads` gives them: read side by side
    where `bulk_method` is "arrow" (in the groups `together` names), else each when asked
    for."""
    path = sqlite_file()
    if path is not None and bulk_method() == "arrow":
        with arrow_reads(path, queries, together) as read:
            yield read
    else:
        yield lambda name: bulk_frame(*queries[name])


def _copy_frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor: COPY binds the parameters client-side
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params or None) as copy:
            data = b"".join(bytes(block) for block in copy)
    if not data:
        return pl.DataFrame(schema=schema)
    text_schema = dict.fromkeys(schema, pl.String)
    table = pl.read_csv(data, has_header=False, new_columns=list(schema), schema=text_schema)
    return _typed(table, schema)


def _typed(table: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    if table.width != len(schema):
        raise ValueError(f"the query gave {table.width} columns, the schema names {len(schema)}")
    table.columns = list(schema)
    return table.with_columns(
        _parsed(name, dtype) if table.schema[name] == pl.String else pl.col(name).cast(dtype)
        for name, dtype in schema.items()
    )


def _parsed(name: str, dtype: Any) -> pl.Expr:
    """A text column as `dtype` (dates and times are parsed, not cast)."""
    if dtype == pl.Date:
        return pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        return pl.col(name).str.to_datetime(time_zone="UTC").cast(dtype)
    if dtype == pl.Boolean:
        return pl.col(name).is_in(["t", "true", "1"])
    return pl.col(name).cast(dtype)
