"""Lookups of our own, for queryset filters.

Apart from `core.bulk`, which worker processes import without Django's set-up (where
`Lookup[int]` is not subscriptable: django-stubs' runtime patch runs with the settings).
"""

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, Lookup, Q
from django.db.models.expressions import RawSQL

from rapport.core.bulk import id_array

# SQLite: up to this many ids are written into the statement as placeholders, more go in as
# one JSON parameter (see ids_in). 5,000 is the most a caller hands over today (a storm's
# batch, duplicate detection's candidates); SQLite allows 32,766 parameters a statement.
LISTED = 5000


class AnyOf(Lookup[int]):
    """PostgreSQL: `column = ANY(%s::bigint[])`, the ids one array parameter (`id_array`),
    for a queryset filter: `.filter(AnyOf(F("contact_id"), ids))`. `IN (list)` is prepared
    value by value in Python, and a semi-join with a subquery of ids was planned the wrong
    way round on tables a storm had just filled, before any ANALYZE; this is an index
    condition. (On a table the planner believes empty, even this may take the wrong index:
    see `core.bulk.refresh_statistics`.)"""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, id_array(self.rhs))


def ids_in(field: str, ids: Iterable[int]) -> Any:
    """THE queryset filter for "`field` is one of these ids", given as values (search
    matches, a storm's batch): `.filter(ids_in("contact_id", ids))`.

    `field__in=ids` would do, but the ORM prepares and resolves every value one by one in
    Python, ≈ 1.1 ms of CPU for a search's thousand ids and a tenth of the order storm's time
    (both measured), for integers that need none of it. So the ids are handed to the driver
    as they are:
    - PostgreSQL: `= ANY(array)`, one parameter (`AnyOf`): psycopg's client-side binding
      splits a statement at each placeholder in Python, a quarter of a search request's CPU
      with 5,000 of them (py-spy, 1M contacts). Not a subquery of other rows either: given
      one (a batch's events), PostgreSQL planned from that table's statistics of before a
      storm and probed every event of the batch for each run of a scenario, 14 s a batch;
      the 100k order storm took 603 s at 1M contacts (2026-12-03).
    - SQLite, up to LISTED ids: a placeholder each. Knowing how few they are, SQLite sorts
      them for a page instead of walking a million-row sort index looking for them (a
      search: 85 ms → 2 ms at 1M contacts).
    - SQLite, more: `IN (SELECT value FROM json_each(%s))`, one parameter, so no count of
      ids meets SQLite's cap on parameters.
    No ids selects no row.
    """
    ids = [int(i) for i in ids]
    params: list[Any] = ids
    if not ids:
        return Q(**{f"{field}__in": []})  # Django answers it without asking the database
    if connection.vendor == "postgresql":
        return AnyOf(F(field), ids)
    sql = ", ".join(["%s"] * len(ids))
    if len(ids) > LISTED:
        sql, params = ids_select(ids)
    return Q(**{f"{field}__in": RawSQL(sql, params, output_field=IntegerField())})  # noqa: S611


def ids_select(ids: Iterable[int]) -> tuple[str, list[Any]]:
    """A SELECT of `ids` (one column, `value`) that passes them as one parameter, to read
    rows from: SQLite caps the number of parameters, and Django prepares each value of a
    list one by one in Python (measured: a tenth of the order storm's time)."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[]) AS value", [id_array(ids)]
    return "SELECT value FROM json_each(%s)", [json.dumps(list(ids))]


def ids_match(column: str, ids: Iterable[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`, as SQL with one parameter: `= ANY(array)` on PostgreSQL
    (an index condition whatever the planner thinks of the table: a semi-join with a list
    was planned the wrong way round on tables a storm had just filled, before any ANALYZE),
    `IN (SELECT value FROM json_each(…))` on SQLite (each id looked up by the index)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [id_array(ids)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]  # noqa: S608
