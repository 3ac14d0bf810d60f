"""The one way an endpoint answers a list: keyset pages, opaque cursors, a capped count."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet

from rapport.core.api.schemas import ListParams
from rapport.core.pagination import capped_count, paginate


def page_of[M: Model](
    queryset: QuerySet[M],
    *,
    ordering: list[str],
    params: ListParams,
    serialize: Callable[[M], dict[str, Any]] | None = None,
    serialize_page: Callable[[list[M]], list[dict[str, Any]]] | None = None,
    keys_first: bool = False,
) -> dict[str, Any]:
    """{"items": [...], "next": cursor|null} (+ "count", "count_exact" when asked for).

    A bad cursor raises InvalidCursor, which the API answers with a 422 naming `cursor`.
    `keys_first`: see `paginate`."""
    page = paginate(
        queryset,
        ordering=ordering,
        limit=params.limit,
        cursor=params.cursor or None,
        keys_first=keys_first,
    )
    if serialize_page is not None:  # one call: related rows fetched for the whole page at once
        items = serialize_page(list(page.items))
    elif serialize is not None:
        items = [serialize(item) for item in page.items]
    else:
        raise TypeError("page_of needs serialize or serialize_page")
    body: dict[str, Any] = {"next": page.next}  # the keys in the order Page declares them
    if params.count:
        body["count"], body["count_exact"] = capped_count(queryset)
    body["items"] = items
    return body
