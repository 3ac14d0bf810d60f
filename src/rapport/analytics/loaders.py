"""Bulk reads from the database into Polars.

`frame` streams one query's rows through Django's cursor (any backend, inside a transaction
too). `bulk_frame` is for the millions of rows of a refresh and reads Arrow or CSV instead of
Python tuples, whichever the backend allows:

- PostgreSQL: `COPY (query) TO STDOUT` in CSV on Django's own connection (so it sees the
  current transaction), parsed by Polars' CSV reader;
- SQLite in a file, outside a transaction: the ADBC SQLite driver reads the file straight into
  Arrow on its own read-only connection (it sees committed data, which is all there is when
  no transaction is open);
- otherwise (inside a transaction, an in-memory database): `frame`.

Measured on 2.7M orders (contact, day, value) of a SQLite file, a busy 2-core machine: the
sqlite3 module's fetchmany alone took 3.8 s and building the frame from its tuples 5.8-6.5 s;
ADBC into Arrow 0.8-1.3 s. The ADBC driver infers a column's type from its first rows, so a
query given to `bulk_frame` must not return NULL in a text or real column (COALESCE them);
nullable integer columns are fine.
"""

import re
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
            chunks.append(pl.DataFrame(rows, schema=schema, orient="row", strict=False))
    if not chunks:
        return pl.DataFrame(schema=schema)
    return pl.concat(chunks, rechunk=True)


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
    """`sql` run on the SQLite file at `path` by the ADBC driver, as a frame with `schema`."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(path)) as db, db.cursor() as cursor:
        cursor.execute(qmark(sql), tuple(params) if params else None)
        table = pl.DataFrame(cursor.fetch_arrow())
    return _typed(table, schema)


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
    return table.with_columns(pl.col(name).cast(dtype) for name, dtype in schema.items())
