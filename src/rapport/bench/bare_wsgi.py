"""The HTTP baseline: /api/v1/contacts answered by a bare WSGI app with hand-written SQL.

Served by the same granian command line as Rapport, it does what the API must do — find the
token's user, scope to what they may see, read one page or one search — with no middleware,
routing, schemas or ORM, so the gap to Rapport is the price of the framework.
"""

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
django.setup()

from django.db import connection  # noqa: E402 (after django.setup())

from rapport.accounts.models import User  # noqa: E402
from rapport.bench.contacts import COLUMNS, PAGE, raw_page_rows, raw_search  # noqa: E402

FIELDS = [column.strip() for column in COLUMNS.split(",")]
# The whole user row, so the scope is decided by the one role rule (bench.contacts builds its
# owner clause through it), as Rapport decides it.
USER_SQL = (
    "SELECT u.* FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id "
    "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
)
Start = Callable[[str, list[tuple[str, str]]], Any]


def token_user(environ: dict[str, Any]) -> User | None:
    scheme, _, raw = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    found = list(User.objects.raw(USER_SQL, [hashlib.sha256(raw.strip().encode()).hexdigest()]))
    return found[0] if found else None


def rows_by_id(ids: list[int]) -> list[tuple[Any, ...]]:
    """The contact rows of `ids`, in that order (a search answers ids, the API whole rows)."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"SELECT {COLUMNS} FROM contacts_contact WHERE id IN ({marks})", ids)  # noqa: S608
        found = {row[0]: row for row in cursor.fetchall()}
    return [found[pk] for pk in ids]


def encode_cursor(key: tuple[Any, int] | None) -> str | None:
    return None if key is None else f"{key[0].isoformat()}|{key[1]}"


def decode_cursor(raw: str | None) -> tuple[Any, int] | None:
    if not raw:
        return None
    created, _, pk = raw.partition("|")
    return dt.datetime.fromisoformat(created), int(pk)


def answer(start: Start, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body, default=str).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
    if environ["PATH_INFO"].rstrip("/") != "/api/v1/contacts":
        return answer(start, "404 Not Found", {"detail": "Not found."})
    user = token_user(environ)
    if user is None:
        return answer(start, "401 Unauthorized", {"detail": "Unauthorized"})
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    limit = min(int(query.get("limit") or PAGE), PAGE)
    rows: list[tuple[Any, ...]]
    if query.get("q"):
        rows, key = rows_by_id(raw_search(user)(query["q"])[:limit]), None
    else:
        rows, key = raw_page_rows(user, limit)(decode_cursor(query.get("cursor")))
    items = [dict(zip(FIELDS, row, strict=True)) for row in rows]
    return answer(start, "200 OK", {"items": items, "next": encode_cursor(key)})
