"""Many rows at once without a model instance each: one `executemany` of plain tuples (the
ORM's bulk_create spends most of its time building and preparing instances — measured on
the order storm benchmark), or one INSERT … SELECT where the rows are made from rows the
database holds (runs from their events, steps from their runs: no value crosses over to
Python and back). Values are adapted as each column's field would adapt them."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

ADAPTED = ("JSONField", "DateTimeField", "DateField")  # the rest go to the driver as they are


def insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT `rows` (tuples in the order of `columns`, field names) into `model`'s table;
    with `ignore_conflicts`, a row that breaks a unique constraint is skipped."""
    fields = [model._meta.get_field(name) for name in columns]
    sql = f"INSERT INTO {model._meta.db_table} ({_names(fields)}) VALUES ({marks(len(fields))})"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    to_adapt = [
        (i, f)
        for i, f in enumerate(fields)
        if isinstance(f, Field) and f.get_internal_type() in ADAPTED
    ]
    if to_adapt:
        # most rows share their times and constants: each distinct object is adapted once
        seen: dict[tuple[int, int], tuple[Any, Any]] = {}

        def prepared(row: Sequence[Any]) -> list[Any]:
            out = list(row)
            for i, field in to_adapt:
                value = out[i]
                if value is None:
                    continue
                hit = seen.get((i, id(value)))
                if hit is None or hit[0] is not value:
                    hit = seen[i, id(value)] = (value, field.get_db_prep_save(value, connection))
                out[i] = hit[1]
            return out

        rows = [prepared(row) for row in rows]
    elif not isinstance(rows, list):
        rows = list(rows)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def marks(n: int) -> str:
    """`n` parameter marks, comma-separated (a VALUES row, an IN list)."""
    return ", ".join(["%s"] * n)


def _names(fields: Sequence[Any]) -> str:
    return ", ".join(connection.ops.quote_name(str(getattr(f, "column", ""))) for f in fields)


def insert_select(
    model: type[Model],
    columns: Sequence[str],
    select: str,
    params: Sequence[Any],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """INSERT INTO `model`'s table (`columns`, field names) the rows of `select` (SQL with
    %s marks, its values in `params`); how many were written. With `ignore_conflicts`, a
    row that breaks a unique constraint is skipped (the SELECT needs a WHERE: SQLite reads
    ON CONFLICT after a bare FROM as a join's)."""
    fields = [model._meta.get_field(name) for name in columns]
    sql = f"INSERT INTO {model._meta.db_table} ({_names(fields)}) {select}"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def adapted(model: type[Model], name: str, value: Any) -> Any:
    """`value` as `model`'s field `name` sends it to the database (a parameter of SQL
    written by hand: a time, a JSON document)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_db_prep_save(value, connection)
