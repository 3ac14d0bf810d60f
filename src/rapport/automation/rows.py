"""Many rows at once without a model instance each: one `executemany` of plain tuples (the
ORM's bulk_create spends most of its time building and preparing instances — measured on
the order storm benchmark). Values are adapted as each column's field would adapt them."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

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
    adapt: list[Callable[[Any], Any]] = [
        (lambda v, f=f: f.get_db_prep_save(v, connection))  # type: ignore[misc]
        if f.get_internal_type() in ADAPTED
        else (lambda v: v)
        for f in fields
    ]
    adapted = [f.get_internal_type() in ADAPTED for f in fields]
    names = ", ".join(connection.ops.quote_name(str(getattr(f, "column", ""))) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({marks})"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    # most rows share their times and constants: each distinct object is adapted once
    seen: dict[tuple[int, int], tuple[Any, Any]] = {}

    def prepared_value(i: int, value: Any) -> Any:
        if value is None or not adapted[i]:
            return value
        hit = seen.get((i, id(value)))
        if hit is not None and hit[0] is value:
            return hit[1]
        out = adapt[i](value)
        seen[i, id(value)] = (value, out)
        return out

    prepared = [tuple(prepared_value(i, v) for i, v in enumerate(row)) for row in rows]
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
