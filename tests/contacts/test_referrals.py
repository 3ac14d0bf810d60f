"""Who referred whom: set by hand (the service behind the form and the API), refused when it
points at the contact itself or closes a circle, audited, kept sane by merging, and the
import's referred_by column."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from rapport.contacts import services
from rapport.contacts.models import Contact
from rapport.contacts.services.referrals import closes_circle, cycle_members
from rapport.core.models import AuditEntry
from tests.contacts.test_imports import errors_of, run

pytestmark = pytest.mark.django_db


def person(actor, name, **data):
    return services.contact_create(actor=actor, data={"first_name": name, **data})


@pytest.fixture
def chain(users):
    """Anna referred Borys, who referred Clara (all `manager`'s customers)."""
    manager = users["manager"]
    anna = person(manager, "Anna", email="anna@example.com")
    borys = person(manager, "Borys", referred_by=anna.pk)
    clara = person(manager, "Clara", referred_by=borys.pk)
    return anna, borys, clara


def test_a_referral_is_set_by_hand_and_audited(users, chain):
    anna, borys, clara = chain
    dmytro = person(users["manager"], "Dmytro")

    services.contact_update(actor=users["manager"], contact=dmytro, data={"referred_by": clara.pk})

    dmytro.refresh_from_db()
    assert dmytro.referred_by_id == clara.pk
    assert list(anna.referrals.all()) == [borys]
    entry = AuditEntry.objects.filter(subject_contact_id=dmytro.pk).order_by("-pk").first()
    assert entry.changes == {"referred_by_id": [None, clara.pk]}


def test_a_contact_cannot_refer_themselves(users, chain):
    anna, _borys, _clara = chain

    with pytest.raises(ValidationError) as refused:
        services.contact_update(actor=users["manager"], contact=anna, data={"referred_by": anna.pk})

    assert refused.value.message_dict == {"referred_by": ["A contact cannot refer themselves."]}


@pytest.mark.parametrize("referrer", ["borys", "clara"])
def test_a_referral_closing_a_circle_is_refused(users, chain, referrer):
    anna, borys, clara = chain
    chosen = {"borys": borys, "clara": clara}[referrer]

    with pytest.raises(ValidationError) as refused:
        services.contact_update(
            actor=users["manager"], contact=anna, data={"referred_by": chosen.pk}
        )

    assert refused.value.message_dict == {
        "referred_by": [
            f"{chosen.first_name} was referred, directly or through others, "
            "by this contact: a referral cannot go round in a circle."
        ]
    }
    anna.refresh_from_db()
    assert anna.referred_by_id is None


def test_the_referrer_must_be_a_contact_the_actor_sees(users):
    south = person(users["manager2"], "Südlich")
    mine = person(users["manager"], "Mine")

    with pytest.raises(ValidationError) as refused:
        services.contact_update(
            actor=users["manager"], contact=mine, data={"referred_by": south.pk}
        )

    assert refused.value.message_dict == {
        "referred_by": ["Choose the person who referred them from your contacts."]
    }


def test_an_unseen_referrer_already_set_survives_an_edit(users):
    south = person(users["manager2"], "Südlich")
    mine = person(users["admin"], "Mine", owner=users["manager"].pk, referred_by=south.pk)

    services.contact_update(
        actor=users["manager"], contact=mine, data={"referred_by": south.pk, "city": "Kaunas"}
    )

    mine.refresh_from_db()
    assert (mine.referred_by_id, mine.city) == (south.pk, "Kaunas")


def test_merging_never_leaves_a_self_reference_or_a_circle(users, chain):
    anna, borys, clara = chain

    # Borys (referred by Anna) is merged into Anna: Clara is now Anna's referral, and Anna
    # cannot take Borys's referrer, herself.
    services.contact_merge(actor=users["manager"], winner=anna, loser=borys)

    anna.refresh_from_db()
    clara.refresh_from_db()
    assert anna.referred_by_id is None
    assert clara.referred_by_id == anna.pk


def test_merging_keeps_the_losers_referrer_when_it_closes_no_circle(users, chain):
    anna, borys, _clara = chain
    twin = person(users["manager"], "Borys", last_name="Twin")

    services.contact_merge(actor=users["manager"], winner=twin, loser=borys)

    twin.refresh_from_db()
    assert twin.referred_by_id == anna.pk
    assert list(twin.referrals.values_list("first_name", flat=True)) == ["Clara"]


def test_closes_circle_walks_the_stored_chain(chain):
    anna, borys, clara = chain

    assert closes_circle(anna.pk, clara.pk) is True
    assert closes_circle(clara.pk, anna.pk) is False
    assert closes_circle(borys.pk, borys.pk) is True


def _on_a_cycle_by_walking(links, node):
    seen, current = set(), links.get(node)
    while current is not None and current not in seen:
        if current == node:
            return True
        seen.add(current)
        current = links.get(current)
    return False


@given(st.dictionaries(st.integers(0, 30), st.integers(0, 30), max_size=30))
def test_cycle_members_are_exactly_the_nodes_that_come_back_to_themselves(links):
    assert cycle_members(links) == {n for n in links if _on_a_cycle_by_walking(links, n)}


# --- the import's referred_by column -------------------------------------------------------

HEADER = "first_name,email,phone,external_id,referred_by\n"
NOT_FOUND = "No contact you can see has the external id, e-mail or phone {}."
CIRCLE = (
    "This referral goes round in a circle: the referrer was referred, directly or through "
    "others, by this contact."
)


@pytest.mark.usefixtures("chain")
def test_import_links_to_stored_contacts_and_to_rows_before_and_after(users):
    text = HEADER + (
        "Emil,emil@example.com,,,ola@example.com\n"  # a later row, by e-mail
        "Fedir,,,,anna@example.com\n"  # a stored contact, by e-mail
        "Ola,ola@example.com,+380671110000,crm-ola,\n"
        "Petro,,,,+38 067 111 00 00\n"  # an earlier row, by phone
        "Roman,,,,crm-ola\n"  # by external id
    )

    result = run(users["manager"], text)

    assert (result.created, result.error_count, result.committed) == (5, 0, True)
    referrers = dict(
        Contact.objects.filter(
            first_name__in=["Emil", "Fedir", "Petro", "Roman", "Ola"]
        ).values_list("first_name", "referred_by__first_name")
    )
    assert referrers == {
        "Emil": "Ola", "Fedir": "Anna", "Petro": "Ola", "Roman": "Ola", "Ola": None,
    }  # fmt: skip


def test_import_updates_a_matched_contacts_referrer_with_an_audit_entry(users, chain):
    anna, borys, clara = chain
    Contact.objects.filter(pk=clara.pk).update(external_id="c-1")

    text = "first_name,external_id,referred_by\nClara,c-1,anna@example.com\n"

    result = run(users["manager"], text)

    assert (result.created, result.updated, result.error_count) == (0, 1, 0)
    clara.refresh_from_db()
    assert clara.referred_by_id == anna.pk
    entry = AuditEntry.objects.filter(subject_contact_id=clara.pk).order_by("-pk").first()
    assert entry.changes == {"referred_by_id": [borys.pk, anna.pk]}


def test_import_refuses_unknown_self_and_circular_referrers_and_commits_nothing(users, chain):
    anna, _borys, _clara = chain
    Contact.objects.filter(pk=anna.pk).update(external_id="anna")
    before = Contact.objects.count()
    text = HEADER + (
        "Ivan,ivan@example.com,,,nobody@example.com\n"
        "Jura,jura@example.com,,,jura@example.com\n"
        "Kira,kira@example.com,,,lina@example.com\n"
        "Lina,lina@example.com,,,kira@example.com\n"
        "Anna,,,anna,kira@example.com\n"  # Anna → Kira is fine on its own
        "Bad,broken@,,,\n"
        "Max,,,,broken@\n"
    )

    result = run(users["manager"], text)

    assert result.committed is False
    assert Contact.objects.count() == before
    assert errors_of(result) == [
        (2, "referred_by", NOT_FOUND.format("nobody@example.com")),
        (3, "referred_by", "A contact cannot refer themselves."),
        (4, "referred_by", CIRCLE),
        (5, "referred_by", CIRCLE),
        (7, "email", "Enter a valid e-mail address (There must be something after the @-sign.)."),
        (8, "referred_by", NOT_FOUND.format("broken@")),
    ]  # fmt: skip


def test_import_closing_a_circle_with_stored_links_is_refused(users, chain):
    anna, _borys, clara = chain
    Contact.objects.filter(pk=anna.pk).update(external_id="anna")
    Contact.objects.filter(pk=clara.pk).update(external_id="clara")

    result = run(users["manager"], "first_name,external_id,referred_by\nAnna,anna,clara\n")

    assert errors_of(result) == [(2, "referred_by", CIRCLE)]
    anna.refresh_from_db()
    assert anna.referred_by_id is None


def test_import_does_not_find_a_referrer_the_importer_cannot_see(users):
    person(users["manager2"], "Südlich", email="sud@example.com")

    result = run(users["manager"], "first_name,referred_by\nMine,sud@example.com\n")

    assert errors_of(result) == [(2, "referred_by", NOT_FOUND.format("sud@example.com"))]


def test_import_dry_run_counts_a_referral_change_as_an_update(users, chain):
    _anna, _borys, clara = chain
    Contact.objects.filter(pk=clara.pk).update(external_id="c-1")

    result = run(
        users["manager"],
        "first_name,external_id,referred_by\nClara,c-1,new\nNew,new,\n",
        dry_run=True,
    )

    assert (result.created, result.updated, result.unchanged, result.error_count) == (1, 1, 0, 0)
    clara.refresh_from_db()
    assert clara.referred_by.first_name == "Borys"


def test_import_in_worker_processes_carries_the_referrer(users, monkeypatch):
    import rapport.contacts.imports as contact_imports

    monkeypatch.setattr(contact_imports, "POOL_THRESHOLD", 5)
    monkeypatch.setattr(contact_imports, "CHUNK", 4)
    lines = [f"P{i},p{i}@example.com,,e{i},{f'e{i - 1}' if i else ''}" for i in range(12)]

    result = run(users["admin"], HEADER + "\n".join(lines) + "\n")

    assert (result.created, result.error_count) == (12, 0)
    chain = dict(Contact.objects.values_list("external_id", "referred_by__external_id"))
    assert chain == {f"e{i}": (f"e{i - 1}" if i else None) for i in range(12)}
