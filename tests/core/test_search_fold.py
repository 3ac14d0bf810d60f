"""The search fold (core.text.search_fold): its table, and its SQL twin on PostgreSQL."""

import importlib

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.core.text import search_fold

FOLD_MIGRATION = importlib.import_module("rapport.core.migrations.0006_search_fold_function")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Stonyte", "Stonytė"),
        ("STONYTE", "Stonytė"),
        ("Лук'ян", "Лукʼян"),
        ("Лук’ян", "Лукʼян"),
        ("Лукʼян", "Лук'ян"),
        ("Лукян", "Лукʼян"),
        ("Герета", "Ґерета"),
        ("Ирина", "Ірина"),
        ("Ирина", "Їрина"),
        ("Андрий", "Андрій"),
        ("Сергеи", "Сергей"),
        ("Федоров", "Фёдоров"),
        ("Евген", "Євген"),
        ("Эдуард", "Едуард"),
        ("Крылов", "Крилов"),
        ("Подьячев", "Подьячев"),
        ("Подячев", "Подъячев"),
        ("Zolc", "Żółć"),
        ("Strasse", "Straße"),
        ("OBrien", "O'Brien"),
        ("Muller", "Müller"),
        ("Soren", "Søren"),
    ],
)
def test_what_people_type_folds_like_what_is_stored(typed, stored):
    assert search_fold(typed) == search_fold(stored)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Олег", "Ольга"), ("Ира", "Ера"), ("Зоя", "Зоi"), ("Ivan", "Iwan"), ("ь", "")],
)
def test_different_letters_stay_different(one, other):
    assert search_fold(one) != search_fold(other)


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_never_fails(text):
    folded = search_fold(text)

    assert search_fold(folded) == folded


def _alphabet() -> str:
    """Every character the SQL twin's table was made from (core migration 0006)."""
    blocks = [range(0x20, 0x7F), range(0xC0, 0x250), range(0x400, 0x500)]
    return "".join(chr(c) for block in blocks for c in block) + "'’ʼ‘`ʹ′ʻ"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL twin is PostgreSQL's")
@pytest.mark.django_db
def test_postgresql_fold_agrees_with_python_on_every_letter():
    letters = _alphabet()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c, rapport_search_fold(c) FROM unnest(%s::text[]) AS c", [list(letters)]
        )
        disagree = {c: (sql, search_fold(c)) for c, sql in cursor.fetchall()}
    disagree = {c: pair for c, pair in disagree.items() if pair[0] != pair[1]}
    assert disagree == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL twin is PostgreSQL's")
@pytest.mark.django_db
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_alphabet(), max_size=30))
def test_postgresql_fold_agrees_with_python_on_names(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rapport_search_fold(%s)", [text])
        assert cursor.fetchone()[0] == search_fold(text)


def test_the_frozen_sql_table_is_the_fold_of_its_letters():
    """The migration's table is what search_fold gives, letter by letter (if the fold changes,
    a new migration replaces the SQL function)."""
    for source, target in zip(FOLD_MIGRATION.FROM, FOLD_MIGRATION.TO, strict=False):
        assert search_fold(source) == target
    for source in FOLD_MIGRATION.FROM[len(FOLD_MIGRATION.TO) :]:
        assert search_fold(source) == ""
    for source, target in FOLD_MIGRATION.MULTI.items():
        assert search_fold(source) == target
