"""Lead search (sales/search.py): word prefixes of names, e-mail, company and phone, any
script and case, kept in step with every change to a lead on both databases."""

import pytest
from django.db import connection

from rapport.sales.models import Lead
from rapport.sales.search import search_leads

pytestmark = pytest.mark.django_db


def _found(q: str) -> set[int]:
    return set(search_leads(Lead.objects.all(), q).values_list("id", flat=True))


@pytest.fixture
def olena(db) -> Lead:
    return Lead.objects.create(
        first_name="Олена",
        last_name="Kazlauskienė",
        email="olena.k@example.com",
        phone="+380671112233",
        company_name="Світ Подорожей",
    )


@pytest.mark.parametrize(
    "q",
    [
        "олена", "ОЛЕ", "kazlauskienė", "KAZLAUS", "олена kazl", "olena.k@example.com",
        "olena.k", "світ", "подорож", "+380 67 111", "067 111 22 33", "0671112233", "67111",
    ],
)  # fmt: skip
def test_finds_by_every_field_in_any_case(olena, q):
    assert _found(q) == {olena.pk}


@pytest.mark.parametrize("q", ["олег", "kazlauskas", "olena.x", "068 111", "світло"])
def test_every_word_must_match(olena, q):
    assert _found(q) == set()


@pytest.mark.parametrize("q", ["", "   ", "\x00"])
def test_blank_means_no_search(olena, q):
    assert _found(q) == {olena.pk}


@pytest.mark.parametrize("q", ['"', "*", "AND", "NEAR(", "a OR b", "-", "%", "'; DROP"])
def test_odd_input_never_fails(olena, q):
    _found(q)  # no exception: the query language of FTS5 is never exposed


def test_follows_updates_and_deletes(olena):
    olena.first_name = "Оксана"
    olena.save()
    assert _found("оксана") == {olena.pk}
    assert _found("олена") == set()

    Lead.objects.filter(pk=olena.pk).update(phone="+37061234567")
    assert _found("861234567") == set()  # national LT form keeps its 8 only on paper
    assert _found("61234567") == {olena.pk}

    olena.delete()
    assert _found("оксана") == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 indexes are SQLite's")
def test_search_index_triggers_survive_later_migrations():
    """A migration that rebuilds sales_lead or contacts_contact on SQLite (Django copies the
    table) drops the triggers that keep the search indexes in step; this fails then, so they
    are put back in that migration."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        names = set(cursor.fetchall())
    assert names >= {
        ("sales_lead", "sales_lead_fts_insert"),
        ("sales_lead", "sales_lead_fts_update"),
        ("sales_lead", "sales_lead_fts_delete"),
        ("contacts_contact", "contacts_search_fts_delete"),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_postgresql_searches_through_the_trigram_index():
    """The query's expression must be the index's (migration sales/0004), or every search
    reads every lead."""
    query = search_leads(Lead.objects.all(), "kazlauskienė")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make the plan tell
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "lead_search_trgm" in plan
