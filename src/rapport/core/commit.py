"""A transaction whose COMMIT is on its way while something else happens.

The outbox commits a message's hand-off *before* the provider takes the message, so that a
worker killed in between leaves a row that says "may have gone out" (review) rather than one
that would be sent twice. What it cannot help is a kill after the COMMIT has reached the
database and before the provider has the message: handed, never sent. On SQLite the commit is
a local write and that window a few microseconds; on PostgreSQL it is a round trip plus the
server's WAL flush, and 3-7 of 4,000 e-mails were lost that way under 20 `kill -9`s (the
delivery benchmark, 2026-12-03), none on SQLite.

`commit_beside(work, beside)` closes it on PostgreSQL: it sends the COMMIT (psycopg's
pipeline mode: the statement goes out, its answer is read later), runs `beside` (the e-mail's
final dot), and only then reads the commit's answer. PostgreSQL commits a COMMIT it has
received whatever becomes of the client, so a kill now leaves the message either not handed
and not sent (killed before the COMMIT went out: sent again later) or handed and sent (after
it). Between the two writes there is no wait for anybody.

The price: `beside` has run when the commit's answer is read, so a COMMIT that fails then
(the server gone, the disk full) leaves a message sent whose hand-off was not recorded. The
caller records it again (`CommitFailed`).
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.db import DatabaseError, connection


class CommitFailed(Exception):
    """`beside` has run; the transaction was not committed, or its answer never came."""


def beside_possible() -> bool:
    """Whether `commit_beside` may run here: PostgreSQL, outside any transaction (a caller's
    transaction, such as a test's, cannot be committed on its behalf)."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


def commit_beside(work: Callable[[Any], bool], beside: Callable[[], None]) -> bool:
    """PostgreSQL, where `beside_possible()`: run `work(cursor)` in a transaction of its own.
    If it returns False, roll back and return False (`beside` does not run). Otherwise send
    the COMMIT, run `beside` before its answer is read, and return True; `CommitFailed` if
    the commit did not take (`beside` has run). `beside` must not raise."""
    import psycopg  # PostgreSQL's driver: only asked for where it is installed and used

    assert beside_possible(), "commit_beside runs on PostgreSQL, outside any transaction"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            keep = work(cursor)
        except BaseException:
            _roll_back(cursor)
            raise
        if not keep:
            cursor.execute("ROLLBACK")
            return False
    raw = connection.connection
    # A server-side binding cursor: Django's client-side one does not speak the pipeline.
    commit = psycopg.Cursor(raw)
    try:
        with raw.pipeline():
            commit.execute("COMMIT")  # sent; its answer is read on leaving the pipeline
            beside()
    except psycopg.Error as exc:
        raise CommitFailed(str(exc)) from exc
    if commit.statusmessage != "COMMIT":  # an aborted transaction answers ROLLBACK
        raise CommitFailed(f"the COMMIT was answered {commit.statusmessage!r}")
    return True


def _roll_back(cursor: Any) -> None:
    with suppress(DatabaseError):  # the connection is gone, and the transaction with it
        cursor.execute("ROLLBACK")
