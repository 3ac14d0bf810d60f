"""core.sqlite's deferred checkpoints: inside `checkpoints_deferred` commits run none except
inside `checkpointing`; outside it, `checkpointing` changes nothing."""

import pytest
from django.db import connection

from rapport.core import sqlite

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL checkpoints"),
]


def pages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]


def test_deferred_then_allowed_only_where_asked_then_back():
    assert pages() == sqlite.AUTOCHECKPOINT_PAGES
    with sqlite.checkpoints_deferred():
        assert pages() == 0
        with sqlite.checkpointing():
            assert pages() == sqlite.AUTOCHECKPOINT_PAGES
        assert pages() == 0
    assert pages() == sqlite.AUTOCHECKPOINT_PAGES


def test_checkpointing_outside_a_deferral_leaves_them_on():
    with sqlite.checkpointing():
        assert pages() == sqlite.AUTOCHECKPOINT_PAGES
    assert pages() == sqlite.AUTOCHECKPOINT_PAGES
