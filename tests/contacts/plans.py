"""How a query reads an index, on whichever database the tests run: the plan and the number of
range reads of the index in it (SQLite's `SEARCH … USING INDEX name (…)`, PostgreSQL's
`Index Cond` under a scan of that index)."""

import datetime as dt
from itertools import pairwise
from typing import Any

from django.db import connection

from rapport.contacts.models import Contact


def fill_birthdays(owner: Any, n: int = 2000) -> None:
    """`n` contacts born on every day of ten years, and fresh statistics, so that the planner
    chooses as it would on a real table."""
    born = dt.date(1980, 1, 1)
    Contact.objects.bulk_create(
        Contact(first_name="filler", owner=owner, birth_date=born + dt.timedelta(days=i % 3650))
        for i in range(n)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def index_ranges(query: Any, index: str) -> tuple[int, str]:
    """The number of range reads of `index` in the plan of `query`, and the plan."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
            plan = "\n".join(lines)
            ranges = sum(
                1
                for above, line in pairwise(lines)
                if f"Index Scan on {index}" in above or f"Index Scan using {index}" in above
                if "Index Cond" in line
            )
            return (0 if "Seq Scan" in plan else ranges), plan
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(row[-1] for row in cursor.fetchall())
        if "SCAN" in plan:  # SCAN: all of a table or index; SEARCH: a range
            return 0, plan
        return plan.count(f"USING INDEX {index} ("), plan
