"""`core.commit.commit_beside`: PostgreSQL runs the COMMIT while something else happens."""

import time
from contextlib import suppress

import pytest
from django.db import DataError, connection

from rapport.core import commit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipeline mode"),
]

TABLE = "core_commit_probe"


@pytest.fixture
def probe():
    """A scratch table, and a second connection to look at it from outside the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, v integer NOT NULL)")
        cursor.execute(f"INSERT INTO {TABLE} VALUES (1, 0)")
    other = connection.copy()
    try:
        yield other
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TABLE}")


def _value(db) -> int:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT v FROM {TABLE} WHERE id = 1")
        return cursor.fetchone()[0]


def _set(value: int):
    def work(cursor) -> bool:
        cursor.execute(f"UPDATE {TABLE} SET v = %s WHERE id = 1", [value])
        return cursor.rowcount == 1

    return work


def test_beside_runs_after_the_commit_is_sent_and_before_its_answer_is_read(probe):
    seen = []

    def beside():
        # the answer is not read yet: the connection is still in pipeline mode ...
        seen.append(connection.connection.pgconn.pipeline_status != 0)
        # ... and PostgreSQL has the COMMIT: another connection sees the row change
        deadline = time.monotonic() + 5
        while _value(probe) != 7 and time.monotonic() < deadline:
            time.sleep(0.005)
        seen.append(_value(probe))

    assert commit.commit_beside(_set(7), beside) is True
    assert seen == [True, 7]
    assert _value(connection) == 7
    assert connection.connection.pgconn.pipeline_status == 0  # back to the usual mode
    assert commit.beside_possible()  # and out of the transaction


def test_work_that_says_no_is_rolled_back_and_nothing_runs_beside(probe):
    ran = []

    def no(cursor) -> bool:
        _set(9)(cursor)
        return False

    assert commit.commit_beside(no, lambda: ran.append(1)) is False
    assert ran == []
    assert _value(connection) == 0
    assert commit.beside_possible()


def test_work_that_fails_is_rolled_back_and_its_error_raised(probe):
    def fails(cursor) -> bool:
        _set(9)(cursor)
        raise LookupError("no such thing")

    with pytest.raises(LookupError):
        commit.commit_beside(fails, lambda: None)
    assert _value(connection) == 0
    assert commit.beside_possible()


def test_a_commit_that_does_not_take_is_commit_failed_after_beside_has_run(probe):
    """A transaction aborted by an error inside `work` (caught there) is answered ROLLBACK."""
    ran = []

    def aborted(cursor) -> bool:
        _set(9)(cursor)
        with suppress(DataError):  # the point: the transaction is now aborted
            cursor.execute("SELECT 1 / 0")
        return True

    with pytest.raises(commit.CommitFailed, match="ROLLBACK"):
        commit.commit_beside(aborted, lambda: ran.append(1))
    assert ran == [1]
    assert _value(connection) == 0
    assert commit.beside_possible()


def test_inside_a_transaction_it_is_not_possible():
    from django.db import transaction

    with transaction.atomic():
        assert commit.beside_possible() is False
