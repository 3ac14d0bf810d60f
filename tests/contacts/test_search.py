import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rapport.contacts import search, services
from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for
from rapport.core import lookups

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users):
    manager = users["manager"]
    data = [
        {"first_name": "Олена", "last_name": "Коваленко", "phone": "+380671234567"},
        {"first_name": "Žydrūnė", "last_name": "Šimkutė", "email": "zydrune.simkute@example.lt"},
        {"first_name": "Oliver", "last_name": "Smith", "email": "oliver@example.co.uk"},
        {"first_name": "Ольга", "last_name": "Коваль", "phone": "+37061234567"},
    ]
    return [services.contact_create(actor=manager, data=d) for d in data]


def names(queryset):
    return sorted(c.first_name for c in queryset)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("кова", ["Олена", "Ольга"]),
        ("КОВАЛЕ", ["Олена"]),
        ("ол", ["Олена", "Ольга"]),
        ("šimk", ["Žydrūnė"]),
        ("ŽYDR", ["Žydrūnė"]),
        ("oli", ["Oliver"]),
        ("oliver@ex", ["Oliver"]),
        ("zydrune", ["Žydrūnė"]),
        ("067 123", ["Олена"]),
        ("+380 67", ["Олена"]),
        ("370612", ["Ольга"]),
        ("олена кова", ["Олена"]),
        ("кова олена", ["Олена"]),
        ("nobody", []),
    ],
)
def test_prefix_search_in_any_script(people, users, query, expected):
    assert names(search.search(contacts_for(users["admin"]), query)) == expected


def test_search_respects_visibility(people, users):
    assert names(search.search(contacts_for(users["manager2"]), "кова")) == []
    assert names(search.search(contacts_for(users["manager_mate"]), "кова")) == ["Олена", "Ольга"]


def test_search_follows_renames(people, users):
    services.contact_update(actor=users["manager"], contact=people[2], data={"last_name": "Jones"})

    assert names(search.search(contacts_for(users["admin"]), "smith")) == []
    assert names(search.search(contacts_for(users["admin"]), "jones")) == ["Oliver"]


def test_blank_query_returns_everything(people, users):
    assert search.search(contacts_for(users["admin"]), "  ").count() == Contact.objects.count()


@given(st.text(max_size=80))
def test_query_words_never_fail_and_stay_short(text):
    words = search.query_words(text)

    assert all(0 < len(w) <= search.MAX_TERM for w in words)
    assert all("\x00" not in w for w in words)


@pytest.mark.parametrize(
    "text", ["ol\x00zzz", "😀😀", "'; DROP TABLE contacts;--", "%_%", "a" * 5000]
)
def test_odd_queries_do_not_fail(people, users, text):
    assert list(search.search(contacts_for(users["admin"]), text)) == []


def test_staged_terms_become_searchable_after_sync(users):
    from rapport.contacts.models import SearchTerm
    from tests.factories import ContactFactory

    # given contacts whose terms a bulk loader staged as rows (as the demo generator does)
    first = ContactFactory(owner=users["manager"], first_name="Vytautas")
    second = ContactFactory(owner=users["manager"], first_name="Gintarė")
    SearchTerm.objects.bulk_create(
        [SearchTerm(contact=first, term="vytautas"), SearchTerm(contact=second, term="gintarė")]
    )

    # when the index is brought up to date
    search.sync_fulltext()

    # then both are found, and a re-synced contact is found by its new terms only
    assert names(search.search(contacts_for(users["admin"]), "vyt")) == ["Vytautas"]
    SearchTerm.objects.filter(contact=second).update(term="ginta")
    if search.uses_fulltext():  # SQLite indexed the staged rows and dropped them
        assert SearchTerm.objects.count() == 0
        SearchTerm.objects.create(contact=second, term="ginta")
    search.sync_fulltext([second.pk])
    assert names(search.search(contacts_for(users["admin"]), "gintar")) == []
    assert names(search.search(contacts_for(users["admin"]), "gint")) == ["Gintarė"]


def test_typed_phone_numbers_find_by_full_and_national_digits(users):
    from rapport.contacts import services

    # given a contact with a Ukrainian mobile number, written through the one index writer
    contact = services.contact_create(
        actor=users["manager"],
        data={"first_name": "Iryna", "phones": ["+380501112233"]},
    )

    # when people type the number in the ways they write it, then each finds her
    admin_contacts = contacts_for(users["admin"])
    for typed in ("+380 50 111 22 33", "38050111", "050 111", "5011122", "0501112233"):
        assert list(search.search(admin_contacts, typed)) == [contact], typed
    assert list(search.search(admin_contacts, "0502")) == []


def test_deleted_contacts_leave_the_index(people, users):
    services.contact_delete(actor=users["admin"], contact=people[0])

    assert names(search.search(contacts_for(users["admin"]), "кова")) == ["Ольга"]


# --- Folding: what people type finds how the name is written --------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ({"first_name": "Rūta", "last_name": "Stonytė"}, ["Stonyte", "stonytė", "ruta stony"]),
        ({"first_name": "Лукʼян", "last_name": "Ґерета"}, ["Лук'ян", "Лук’ян", "лукя", "Герета"]),
        ({"first_name": "Ірина", "last_name": "Їжакевич"}, ["Ирина", "ирин ижак", "Іжак"]),
        ({"first_name": "Фёдор", "last_name": "Крылов"}, ["Федор", "Крилов", "КРИЛ"]),
        ({"first_name": "Anna-Maria", "last_name": "O'Brien"}, ["maria", "obrien", "anna-m"]),
    ],
)
def test_search_folds_diacritics_apostrophes_and_letter_pairs(users, stored, typed):
    contact = services.contact_create(actor=users["manager"], data=stored)
    admin_contacts = contacts_for(users["admin"])

    for query in typed:
        assert list(search.search(admin_contacts, query)) == [contact], query


_NAME = st.text(
    alphabet=st.sampled_from("abcėšžąčęįųūłøüßäöñйіїєґёыэъиеaбвгдлмнопрстуфхцчшщюяʼ'’ -"),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAME, cut=st.integers(min_value=1, max_value=20))
def test_the_folded_start_of_any_word_of_a_name_finds_it(users, name, cut):
    """Property: fold(a prefix of a word of the name) finds the contact."""
    words = search.words_of(name)
    assume(words)
    contact = services.contact_create(actor=users["admin"], data={"first_name": name})
    try:
        for word in words:
            typed = word[:cut]
            assert contact in search.search(contacts_for(users["admin"]), typed), (name, typed)
    finally:
        contact.delete()


# --- Scope first, then cap ---------------------------------------------------------------


@pytest.fixture
def crowd(users):
    """1,001 newer 'Ruta' customers of another team, and a manager's one older 'Ruta'."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import ContactFactory

    own = services.contact_create(
        actor=users["manager"], data={"first_name": "Ruta", "last_name": "Own"}
    )
    Contact.objects.filter(pk=own.pk).update(created_at=timezone.now() - dt.timedelta(days=900))
    others = Contact.objects.bulk_create(
        ContactFactory.build(owner=users["manager2"], first_name="Ruta", last_name=f"Other{i}")
        for i in range(search.FULLTEXT_CAP + 1)
    )
    search.write_index((c.pk, ["ruta", f"other{i}"]) for i, c in enumerate(others))
    return own


@pytest.mark.parametrize("broad", [False, True])
def test_search_scopes_before_it_caps(users, crowd, broad, monkeypatch):
    if broad:  # PostgreSQL: the walk instead of the term index (SQLite has one plan)
        monkeypatch.setattr(search, "NARROW", 0)
        monkeypatch.setattr(search, "WIDE", 0)

    assert list(search.search(contacts_for(users["manager"]), "rut")) == [crowd]
    assert list(search.search(contacts_for(users["manager_mate"]), "ruta own")) == [crowd]
    assert search.search(contacts_for(users["admin"]), "ruta").count() == (
        search.FULLTEXT_CAP if search.uses_fulltext() else search.FULLTEXT_CAP + 2
    )


def test_global_search_finds_a_managers_own_old_customer(users, crowd):
    from rapport.contacts.selectors import find_contacts

    assert find_contacts(users["manager"], "ruta", 5) == [crowd]
    assert len(find_contacts(users["admin"], "ruta", 5)) == 5
    assert find_contacts(users["manager"], "  ", 5) == []


# --- Both PostgreSQL plans give the same answers ------------------------------------------


@pytest.mark.parametrize("query", ["кова", "ол", "šimk", "oliver@ex", "067 123", "олена кова"])
def test_the_walk_finds_what_the_term_index_finds(people, users, query, monkeypatch):
    admin_contacts = contacts_for(users["admin"])
    narrow = names(search.search(admin_contacts, query))
    monkeypatch.setattr(search, "NARROW", 0)
    monkeypatch.setattr(search, "WIDE", 0)

    assert names(search.search(admin_contacts, query)) == narrow != []


# --- The migration that folds an existing index --------------------------------------------


def test_migration_refolds_an_index_written_before_the_fold(users):
    import importlib
    from types import SimpleNamespace

    from rapport.contacts.models import SearchTerm

    migration = importlib.import_module("rapport.contacts.migrations.0005_search_folded_document")
    contact = services.contact_create(
        actor=users["manager"], data={"first_name": "Лукʼян-Ірина", "last_name": "Stonytė"}
    )
    old_terms = ["лукʼян-ірина", "stonytė", "o'brien@example.com"]  # as the old casefold wrote
    if search.uses_fulltext():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {search.FTS_TABLE} WHERE rowid = %s", [contact.pk])
            cursor.execute(
                f"INSERT INTO {search.FTS_TABLE} (rowid, terms) VALUES (%s, %s)",
                [contact.pk, " ".join(old_terms)],
            )
    else:
        SearchTerm.objects.filter(contact=contact).delete()
        SearchTerm.objects.bulk_create(SearchTerm(contact=contact, term=t) for t in old_terms)
    admin_contacts = contacts_for(users["admin"])
    assert list(search.search(admin_contacts, "Stonyte")) == []

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    # What the migration uses of a schema editor (SQLite's refuses to open inside a test).
    migration.refold(None, SimpleNamespace(connection=connection, execute=execute))

    for typed in ("Stonyte", "Лук'ян", "Ирина", "лукян ирина", "obrien@ex"):
        assert list(search.search(admin_contacts, typed)) == [contact], typed


@pytest.mark.parametrize(("narrow", "wide"), [(0, 0), (2, 0), (2, 20_000), (5000, 20_000)])
def test_two_broad_words_find_their_rare_pair(users, narrow, wide, monkeypatch):
    """PostgreSQL: with NARROW 2 neither word is narrow; then WIDE 20,000 reads the longest
    word's contacts and checks the other on them, 0 walks; NARROW 5000 reads the first
    word's index entries. SQLite has one plan for all four."""
    for first, last in [("Олег", "Шевчук"), ("Ольга", "Шевчук"), ("Петро", "Шевчук")]:
        services.contact_create(
            actor=users["manager"], data={"first_name": first, "last_name": last}
        )
    services.contact_create(
        actor=users["manager"], data={"first_name": "Олег", "last_name": "Бондар"}
    )
    monkeypatch.setattr(search, "NARROW", narrow)
    monkeypatch.setattr(search, "WIDE", wide)

    assert names(search.search(contacts_for(users["admin"]), "шевч ол")) == ["Олег", "Ольга"]


@pytest.mark.skipif("search.uses_fulltext()")
def test_a_broad_pair_is_counted_then_answered_by_the_word_index(users, monkeypatch):
    """PostgreSQL: neither word narrow, the longest within WIDE: its entries are counted,
    not read, and the word index gives the pair; they are read only when the word index
    finds more than a quarter of them (then checked on their rows, with the same answer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(12):
        first = ("Олег", "Ольга")[i] if i < 2 else f"Петро{i}"
        services.contact_create(
            actor=users["manager"], data={"first_name": first, "last_name": "Шевчук"}
        )
    services.contact_create(
        actor=users["manager"], data={"first_name": "Олег", "last_name": "Бондар"}
    )
    monkeypatch.setattr(search, "NARROW", 1)

    with CaptureQueriesContext(connection) as ctx:
        found = names(search.search(contacts_for(users["admin"]), "шевч ол"))

    assert found == ["Олег", "Ольга"]
    term_reads = [q["sql"] for q in ctx if "contacts_searchterm" in q["sql"]]
    assert [sql.startswith("SELECT count(*)") for sql in term_reads] == [True, True]
    assert any("@@" in q["sql"] for q in ctx)

    with CaptureQueriesContext(connection) as ctx:
        found = names(search.search(contacts_for(users["admin"]), "шевч п"))

    assert found == sorted(f"Петро{i}" for i in range(2, 12))
    term_reads = [q["sql"] for q in ctx if "contacts_searchterm" in q["sql"]]
    # each word counted once; the longest one's entries then read, not counted again
    assert [sql.startswith("SELECT count(*)") for sql in term_reads] == [True, True, False]


@pytest.mark.skipif("search.uses_fulltext()")
def test_the_page_query_gets_only_the_ids_that_match_every_word(users):
    """PostgreSQL: the candidates of the narrow word are checked for the other words before
    the page's query, which then holds the exact ids and no document check: given 3,740
    candidates and a check, the planner guessed a third would match and walked the whole
    date index for the 19 that did (548 ms at 1M contacts)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for first in ("Тимофій", "Дмитро", "Тимур"):
        services.contact_create(
            actor=users["manager"], data={"first_name": first, "last_name": "Доценко"}
        )
    services.contact_create(actor=users["manager"], data={"first_name": "Тимофій"})

    found = search.search(contacts_for(users["admin"]), "тимо доц")
    with CaptureQueriesContext(connection) as ctx:
        rows = list(found)

    assert names(rows) == ["Тимофій"]
    assert [("strpos" in q["sql"].lower(), "= any(" in q["sql"].lower()) for q in ctx] == [
        (False, True)
    ]


# --- One letter next to a longer word ------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [("oliver s", ["Oliver"]), ("o smi", ["Oliver"])])
def test_a_one_letter_word_narrows_a_search(people, users, query, expected):
    assert names(search.search(contacts_for(users["admin"]), query)) == expected
    assert names(search.search(contacts_for(users["admin"]), "oliver x")) == []


@pytest.mark.skipif("not search.uses_fulltext()")
def test_the_fulltext_index_has_a_one_letter_prefix_index():
    """ "rugile.p" or "Ivan P" read FTS5's one-letter prefix index instead of merging the lists
    of every term starting with that letter (30 ms → 3 ms at 1M contacts; migration 0006)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.FTS_TABLE])
        (sql,) = cursor.fetchone()

    assert "prefix='1 2 3 4'" in sql


@pytest.mark.skipif("not search.uses_fulltext()")
def test_the_prefix_migration_keeps_documents_and_the_delete_trigger(people, users):
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("rapport.contacts.migrations.0006_search_one_letter_prefix")

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    editor = SimpleNamespace(connection=connection, execute=execute)
    migration.backwards(None, editor)
    migration.forwards(None, editor)

    assert names(search.search(contacts_for(users["admin"]), "кова")) == ["Олена", "Ольга"]
    services.contact_delete(actor=users["admin"], contact=people[0])
    assert search.indexed_terms(people[0].pk) == set()


@pytest.mark.parametrize("listed", [lookups.LISTED, 1])  # placeholders each, or one parameter
def test_ids_in_narrows_to_the_ids_and_keeps_the_queryset_filters(
    people, users, listed, monkeypatch
):
    monkeypatch.setattr(lookups, "LISTED", listed)
    manager2_sees = contacts_for(users["manager2"])  # none of `people`
    ids = [c.pk for c in people[:2]]
    admin_sees = contacts_for(users["admin"])

    assert list(admin_sees.filter(lookups.ids_in("pk", ids)).order_by("pk")) == people[:2]
    assert list(admin_sees.filter(lookups.ids_in("pk", iter(ids))).order_by("pk")) == people[:2]
    assert list(manager2_sees.filter(lookups.ids_in("pk", ids))) == []
    with CaptureQueriesContext(connection) as asked:
        assert list(admin_sees.filter(lookups.ids_in("pk", []))) == []
    assert asked.captured_queries == []  # no id, no question


def test_ids_in_hands_the_ids_over_as_one_parameter_where_a_list_would_not_do(people, monkeypatch):
    """PostgreSQL always, SQLite above LISTED: however many ids, one parameter."""
    monkeypatch.setattr(lookups, "LISTED", 1)
    ids = [c.pk for c in people[:3]]
    query = Contact.objects.filter(lookups.ids_in("pk", ids)).values("pk").query
    _sql, params = query.sql_with_params()
    assert len(params) == 1


def test_a_page_of_search_results_reads_its_ids_first_on_both_backends():
    # FTS5 sorts its capped matches; PostgreSQL sorts exact ids from the covering index
    assert search.page_by_keys("ol") is True
    assert search.page_by_keys("  ") is False


# --- PostgreSQL: several words through the word index (migrations 0012, 0013) --------------


def _ivans(users):
    """Eight contacts named Ivan: one Petrenko, seven with surnames not starting with "p"."""
    for last in ["Petrenko", "Ostapenko", "Bondar", "Melnyk", "Shevchuk", "Tkachenko", "Kravets"]:
        services.contact_create(
            actor=users["manager"], data={"first_name": "Ivan", "last_name": last}
        )
    services.contact_create(
        actor=users["manager"],
        data={"first_name": "Ivan", "last_name": "Oliinyk", "email": "ivan.o@example.com"},
    )


@pytest.mark.skipif("search.uses_fulltext()")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ivan p", ["Petrenko"]),
        ("ivan pe", ["Petrenko"]),
        ("ivan pa", []),
        ("ivan o", ["Oliinyk", "Ostapenko"]),
    ],
)
def test_several_words_are_intersected_in_the_word_index(users, query, expected, monkeypatch):
    """With more than FEW candidates, the contacts with every word come from the word index,
    exact (a word of one or two letters is a lexeme of its own there): the page's query gets
    their ids, and no document is checked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _ivans(users)
    monkeypatch.setattr(search, "FEW", 0)

    with CaptureQueriesContext(connection) as ctx:
        found = sorted(c.last_name for c in search.search(contacts_for(users["admin"]), query))

    assert found == expected
    sql = [q["sql"].lower() for q in ctx if "contacts_contact" in q["sql"]]
    assert "@@" in sql[0]
    assert not any("strpos" in s for s in sql)


@pytest.mark.skipif("search.uses_fulltext()")
def test_the_word_index_gives_way_to_row_checks_when_most_candidates_match(users, monkeypatch):
    """More matches than a quarter of the candidates: each is a table page read, so the
    candidates' rows are checked instead, with the same answer."""
    _ivans(users)
    monkeypatch.setattr(search, "FEW", 0)

    found = search.search(contacts_for(users["admin"]), "ivan iv")

    assert len(found) == 8


@pytest.mark.skipif("search.uses_fulltext()")
@pytest.mark.parametrize("few", [0, 1000])
def test_the_word_index_scopes_like_the_row_checks(users, crowd, few, monkeypatch):
    """FEW 0: the word index gives the contact with "ruta" and "own" (and, for "ruta ot",
    finds more than a quarter of the 1,002 candidates: their rows are checked); FEW 1000: the
    rows are checked. The scope applies alike."""
    monkeypatch.setattr(search, "FEW", few)

    assert list(search.search(contacts_for(users["manager_mate"]), "ruta own")) == [crowd]
    assert list(search.search(contacts_for(users["manager"]), "ruta ot")) == []
    assert search.search(contacts_for(users["admin"]), "ruta ot").count() == (
        search.FULLTEXT_CAP + 1
    )


@pytest.mark.skipif("search.uses_fulltext()")
def test_the_word_index_holds_the_expression_searches_use():
    """The query's expression must be the index's (migration 0012), or a search of several
    words reads every contact."""
    from django.db import connection

    with connection.cursor() as cursor:
        # An empty table: leave the planner only the index scans a GIN index allows.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM contacts_contact WHERE {search.WORDS_DOCUMENT} @@ %s::tsquery",
            [search.words_query(["jona", "zi"])],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "contact_search_words_idx" in plan


def test_a_words_query_has_short_words_as_lexemes_and_longer_ones_as_prefixes():
    assert search.words_query(["jona", "zi"]) == "'jona':* & 'zi'"
    assert search.words_query(["vilma", "k"]) == "'vilma':* & 'k'"
    assert search.words_query(["o'brien", "a\\bc"]) == "'o''brien':* & 'a\\\\bc':*"
