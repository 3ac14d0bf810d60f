"""Bulk reads from the database into Polars: one SQL query and one cursor stream per frame."""

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
