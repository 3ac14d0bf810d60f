"""Keyset (cursor) pagination and capped counts: list pages cost the same on page 1 and 10,000.

A cursor is the sort-key values of the last row shown, signed so clients cannot forge one
that reaches past what the server decides to show, and opaque so it can change shape. The
signature is bound to the list's model and ordering: a valid cursor of one list sent to
another is refused, never decoded into the wrong columns.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

COUNT_CAP = 1000
_SALT = "rapport.cursor"


class InvalidCursor(ValueError):
    pass


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


@dataclass
class Page[M: Model]:
    items: list[M]
    next: str | None


def _field_name(ordering: str) -> tuple[str, bool]:
    return (ordering[1:], True) if ordering.startswith("-") else (ordering, False)


def paginate[M: Model](
    queryset: QuerySet[M],
    *,
    ordering: list[str],
    limit: int,
    cursor: str | None,
    keys_first: bool = False,
) -> Page[M]:
    """One page of `queryset` in `ordering` (which must end with a unique field, like -id).

    Sort fields must be non-null; the keyset condition is (a, b, id) > (x, y, z) spelled out
    as nested OR/AND so that both SQLite and PostgreSQL can use the matching index.

    `keys_first` reads the page's ids first, then their rows: for a queryset whose rows are
    all sorted to find a page rather than walked in an index's order (a search's up to
    FULLTEXT_CAP matches), the database then sorts ids instead of whole rows. A contact
    search page at 1M contacts: 3.7 ms of CPU in one query, 1.9 ms in these two (SQLite).
    The rows are read by primary key alone, with the queryset's select_related: the filters
    chose them already (given again with their id list, PostgreSQL 15 multiplied the two
    lists into 51,000 index probes and scanned the table instead: 35 ms at 50k contacts).
    A queryset with annotations is refused (they would not come along).
    """
    if keys_first and queryset.query.annotation_select:
        raise ValueError("keys_first reads rows by primary key: annotations would be lost")
    queryset = queryset.order_by(*ordering)
    salt = _salt(queryset, ordering)
    if cursor:
        try:
            values = signing.loads(cursor, salt=salt)
        except signing.BadSignature as exc:
            raise InvalidCursor(
                _("This cursor is not valid for this list; start again from the first page.")
            ) from exc
        if not isinstance(values, list) or len(values) != len(ordering):
            raise InvalidCursor(_("This cursor is for another sort order; start again."))
        try:
            values = [_decode_value(v) for v in values]
        except (TypeError, ValueError) as exc:  # signed by an older version of this code
            raise InvalidCursor(_("This cursor is not valid; start again.")) from exc
        condition = Q()
        for i in range(len(ordering) - 1, -1, -1):
            name, desc = _field_name(ordering[i])
            step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
            if i < len(ordering) - 1:
                step |= Q(**{name: values[i]}) & condition
            condition = step
        # The OR chain alone makes SQLite's planner fall back to an OR-by-union plan plus a
        # sort when another filter (owner_id IN …) is present (measured: 70 ms per page at
        # 1M contacts). A plain range on the leading column first lets it walk the index.
        lead_name, lead_desc = _field_name(ordering[0])
        bound = Q(**{f"{lead_name}__{'lte' if lead_desc else 'gte'}": values[0]})
        queryset = queryset.filter(bound & condition)
    if keys_first:
        keys = list(queryset.values_list("pk", flat=True)[: limit + 1])
        by_key = queryset.model._base_manager.filter(pk__in=keys).order_by(*ordering)
        by_key.query.select_related = queryset.query.select_related
        rows = list(by_key) if keys else []
    else:
        rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = signing.dumps(
            [_encode_value(_attr(last, _field_name(o)[0])) for o in ordering], salt=salt
        )
    return Page(items=rows, next=next_cursor)


def _salt(queryset: QuerySet[Any], ordering: list[str]) -> str:
    """One signing salt per list: its model and its ordering."""
    return f"{_SALT}:{queryset.model._meta.label_lower}:{','.join(ordering)}"


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): counts at most `cap` + 1 rows, so it is cheap at any table size."""
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return (min(n, cap), n <= cap)


__all__ = ["COUNT_CAP", "InvalidCursor", "Page", "capped_count", "paginate"]
