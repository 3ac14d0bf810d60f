"""Lookups of our own, for queryset filters.

Apart from `core.bulk`, which worker processes import without Django's set-up (where
`Lookup[int]` is not subscriptable: django-stubs' runtime patch runs with the settings).
"""

from typing import Any

from django.db.models import Lookup

from rapport.core.bulk import id_array


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
