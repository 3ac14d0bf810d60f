"""SQLite: LIKE that ignores case in every script, as PostgreSQL's ILIKE does; and commits
that may not run a WAL checkpoint (`checkpoints_deferred`).

SQLite's built-in LIKE folds only ASCII letters, so Django's `icontains`/`istartswith` found
"olena" in "Olena" but not "олена" in "Олена" — our users write Cyrillic and Lithuanian.
Registering a function named `like` replaces the operator for this connection (sqlite.org:
"the LIKE operator can be overridden by registering a like() function"). SQLite offers no
Unicode folding of its own without the ICU extension, which Python's sqlite3 does not ship,
hence this small function. It costs a Python call a row compared (≈ 1 µs), and loses no
index use: SQLite's LIKE optimisation needs NOCASE columns, which Django never creates.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.backends.signals import connection_created

from rapport.core.text import search_fold


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern.casefold())
    for ch in chars:
        if escape is not None and ch == escape:
            parts.append(re.escape(next(chars, "")))
        elif ch == "%":
            parts.append(".*")
        elif ch == "_":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


def unicode_like(pattern: Any, value: Any, escape: Any = None) -> int | None:
    """SQL `value LIKE pattern [ESCAPE escape]`, case-insensitive by Unicode case folding."""
    if pattern is None or value is None:
        return None
    if escape is not None:
        escape = str(escape).casefold()
    return int(_pattern(str(pattern), escape).fullmatch(str(value).casefold()) is not None)


def _search_fold(value: Any) -> str | None:
    return None if value is None else search_fold(str(value))


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("like", 2, unicode_like, deterministic=True)
        raw.create_function("like", 3, unicode_like, deterministic=True)
        # The search fold, for the SQL that indexes leads (triggers) and rebuilds indexes;
        # PostgreSQL has its twin as an SQL function (core migration 0006).
        raw.create_function("rapport_search_fold", 1, _search_fold, deterministic=True)


def install() -> None:
    connection_created.connect(_register, dispatch_uid="rapport-unicode-like")


# SQLite's own default: a commit that leaves the WAL over this many pages runs a checkpoint.
AUTOCHECKPOINT_PAGES = 1000


def _autocheckpoint(pages: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


@contextmanager
def checkpoints_deferred() -> Iterator[None]:
    """Inside, this connection's commits run no WAL checkpoint, except inside `checkpointing`.

    SQLite runs its automatic checkpoint inside the COMMIT call, after the transaction is
    durable: copying the WAL into the database file and syncing both, milliseconds. The outbox
    commits a message's hand-off and then sends it; a worker killed between the two leaves a
    message it never sent marked as handed over (for review: a recipient skipped), and the
    checkpoint made that window a hundred times wider (measured: 5 skipped in 100 kills).
    Its commits run here, and the checkpoints move to the commits that record what was sent."""
    _autocheckpoint(0)
    connection.rapport_checkpoints_deferred = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.rapport_checkpoints_deferred = False  # type: ignore[attr-defined]
        _autocheckpoint(AUTOCHECKPOINT_PAGES)


@contextmanager
def checkpointing() -> Iterator[None]:
    """Inside `checkpoints_deferred`: the commits here may run the checkpoint again (outside
    it they always may, and nothing changes)."""
    if not getattr(connection, "rapport_checkpoints_deferred", False):
        yield
        return
    _autocheckpoint(AUTOCHECKPOINT_PAGES)
    try:
        yield
    finally:
        _autocheckpoint(0)
