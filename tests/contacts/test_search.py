import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.contacts import search, services
from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for

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
