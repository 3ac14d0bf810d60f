import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from rapport.contacts import search, services
from rapport.contacts.models import ContactEmail, ContactPhone
from rapport.core.errors import Conflict
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_create_normalises_phone_and_email_and_indexes_names(users):
    manager = users["manager"]

    contact = services.contact_create(
        actor=manager,
        data={
            "first_name": "  Олена ",
            "last_name": "Коваленко",
            "email": " Olena.Kovalenko@Example.COM ",
            "phone": "(067) 123-45-67",
        },
    )

    assert contact.first_name == "Олена"
    assert contact.email == "olena.kovalenko@example.com"
    assert contact.phone == "+380671234567"
    assert contact.owner == manager
    assert list(ContactPhone.objects.values_list("number", "is_primary")) == [
        ("+380671234567", True)
    ]
    terms = search.indexed_terms(contact.pk)
    assert {"олена", "коваленко", "olena", "kovalenko", "380671234567", "0671234567"} <= terms
    entry = AuditEntry.objects.get(subject_contact_id=contact.pk)
    assert entry.action == "create"
    assert entry.changes["email"] == [None, "olena.kovalenko@example.com"]


def test_create_reports_every_bad_field_at_once(users):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(
            actor=users["manager"],
            data={
                "first_name": "",
                "email": "not-an-email",
                "phone": "12",
                "birth_date": "1990-13-40",
            },
        )

    assert set(exc.value.message_dict) == {"first_name", "email", "phone", "birth_date"}


def test_duplicate_email_points_at_existing_contact(users):
    first = services.contact_create(
        actor=users["manager"], data={"first_name": "Ana", "email": "ana@example.com"}
    )

    with pytest.raises(Conflict) as exc:
        services.contact_create(
            actor=users["manager2"], data={"first_name": "Anna", "email": "ANA@example.com"}
        )

    assert exc.value.existing == first
    assert "email" in exc.value.message_dict


def test_analyst_cannot_create(users):
    with pytest.raises(PermissionError):
        services.contact_create(actor=users["analyst"], data={"first_name": "X"})


def test_update_with_stale_version_is_refused(users):
    contact = services.contact_create(actor=users["manager"], data={"first_name": "Rasa"})

    services.contact_update(
        actor=users["manager"], contact=contact, data={"city": "Vilnius"}, expected_version=1
    )
    with pytest.raises(Conflict):
        services.contact_update(
            actor=users["manager"], contact=contact, data={"city": "Kaunas"}, expected_version=1
        )


def test_update_audits_old_and_new_values(users):
    contact = services.contact_create(
        actor=users["manager"], data={"first_name": "Rasa", "city": "Vilnius"}
    )

    services.contact_update(actor=users["admin"], contact=contact, data={"city": "Kaunas"})

    entry = AuditEntry.objects.filter(subject_contact_id=contact.pk, action="update").get()
    assert entry.actor == users["admin"]
    assert entry.changes == {"city": ["Vilnius", "Kaunas"]}


def test_manager_of_other_team_cannot_update(users):
    contact = services.contact_create(actor=users["manager"], data={"first_name": "Rasa"})

    with pytest.raises(PermissionError):
        services.contact_update(actor=users["manager2"], contact=contact, data={"city": "X"})


def test_withdrawal_wins_at_the_same_instant(users):
    from rapport.contacts.selectors import has_consent

    contact = services.contact_create(actor=users["manager"], data={"first_name": "Ieva"})
    at = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    for status in ("withdrawn", "granted"):
        services.consent_record(
            actor=users["manager"],
            contact=contact,
            channel="email",
            purpose="marketing",
            status=status,
            source="web form",
            at=at,
        )

    assert has_consent(contact, "email", "marketing") is False


def test_merge_moves_channels_consents_and_relations(users):
    from rapport.contacts.models import ConsentEvent, ContactRelation

    manager = users["manager"]
    winner = services.contact_create(
        actor=manager, data={"first_name": "Taras", "email": "taras@example.com"}
    )
    loser = services.contact_create(
        actor=manager,
        data={"first_name": "Taras", "last_name": "Bondar", "phone": "+380501112233"},
    )
    child = services.contact_create(actor=manager, data={"first_name": "Ira"})
    services.relation_add(actor=manager, contact=loser, related=child, kind="child")
    services.consent_record(
        actor=manager,
        contact=loser,
        channel="sms",
        purpose="marketing",
        status="granted",
        source="call",
    )

    merged = services.contact_merge(actor=manager, winner=winner, loser=loser)

    assert merged.last_name == "Bondar"
    assert merged.phone == "+380501112233"
    assert ContactEmail.objects.filter(contact=merged).count() == 1
    assert ConsentEvent.objects.filter(contact=merged).count() == 1
    assert ContactRelation.objects.get(contact=merged).related == child
    assert ContactRelation.objects.get(contact=child).related == merged
    assert not type(loser).objects.filter(pk=loser.pk).exists()
    assert AuditEntry.objects.filter(subject_contact_id=merged.pk, action="merge").exists()


def test_duplicates_found_by_channel_and_by_similar_name(users):
    from rapport.contacts.selectors import contacts_for

    manager = users["manager"]
    same_phone = services.contact_create(
        actor=manager, data={"first_name": "Petro", "phone": "+380501112233"}
    )
    typo = services.contact_create(
        actor=manager, data={"first_name": "Olena", "last_name": "Kovalenco"}
    )
    services.contact_create(actor=manager, data={"first_name": "Olga", "last_name": "Shevchenko"})

    found = services.find_duplicates(
        contacts=contacts_for(manager),
        phones=["+380501112233"],
        first_name="Olena",
        last_name="Kovalenko",
    )

    assert [(d.contact, d.reasons, d.certain) for d in found] == [
        (same_phone, ["same phone"], True),
        (typo, ["similar name"], False),
    ]


MERGERS = [("agent", False), ("marketer", False), ("analyst", False), ("manager2", False),
           ("manager_mate", True), ("admin", True)]  # fmt: skip


@pytest.mark.parametrize(("role", "allowed"), MERGERS)
def test_merging_away_a_contact_needs_the_right_to_delete_it(users, role, allowed):
    from rapport.contacts.models import Contact

    manager = users["manager"]
    keep = services.contact_create(actor=manager, data={"first_name": "Taras"})
    gone = services.contact_create(actor=manager, data={"first_name": "Taras", "city": "Lviv"})

    assert services.mergeable(users[role], [keep, gone]) is allowed
    if allowed:
        services.contact_merge(actor=users[role], winner=keep, loser=gone)
        assert list(Contact.objects.values_list("pk", "city")) == [(keep.pk, "Lviv")]
    else:
        with pytest.raises(PermissionError):
            services.contact_merge(actor=users[role], winner=keep, loser=gone)
        assert Contact.objects.count() == 2
