"""`rapport demo`: a realistic, idempotent travel-agency data set."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rapport.accounts.models import Role, User
from rapport.contacts import search as search_index
from rapport.contacts.models import (
    INVERSE_RELATION,
    Company,
    ConsentEvent,
    ConsentState,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactRelation,
    LifeEvent,
    Tag,
)
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.search import contact_terms, search
from rapport.demo.staff import DEMO_PASSWORD
from rapport.timeline.models import Interaction

MODELS = (
    User, Company, Contact, ContactEmail, ContactPhone, Tag, ContactRelation,
    LifeEvent, ConsentEvent, Interaction, Contact.tags.through,
)  # fmt: skip


def counts() -> dict[str, int]:
    found = {model.__name__: model.objects.count() for model in MODELS}
    return {**found, "indexed": search_index.indexed_count()}


def load(size: str = "tiny", seed: int = 7) -> str:
    out = io.StringIO()
    call_command("demo", size=size, seed=seed, stdout=out, verbosity=1)
    return out.getvalue()


@pytest.fixture
def demo(db):
    load()


def test_tiny_demo_loads_customers_with_their_children_rows(demo):
    found = counts()

    assert found["Contact"] == 60
    assert found["User"] == 10
    assert found["Company"] == 6
    # every customer with a primary e-mail or phone has it mirrored in its own table
    assert found["ContactEmail"] >= Contact.objects.exclude(email="").count() > 40
    assert found["ContactPhone"] >= Contact.objects.exclude(phone="").count() > 40
    assert found["Interaction"] > 60
    assert found["ConsentEvent"] > 60
    assert found["indexed"] == 60


def test_running_demo_again_changes_nothing(demo):
    before = counts()
    first_contact = Contact.objects.order_by("id").values().first()

    output = load()

    assert counts() == before
    assert Contact.objects.order_by("id").values().first() == first_contact
    assert "already loaded (60 customers); nothing changed" in output


def test_a_bigger_size_adds_only_the_missing_customers(demo):
    load(size="small")

    assert Contact.objects.count() == 500
    external_ids = set(Contact.objects.values_list("external_id", flat=True))
    assert external_ids == {f"demo-{i:07d}" for i in range(500)}


def test_demo_logins_have_their_roles_teams_and_the_printed_password(db):
    output = load()

    expected = {
        "admin": (Role.ADMIN, None),
        "manager": (Role.SALES_MANAGER, "Kyiv office"),
        "manager2": (Role.SALES_MANAGER, "Vilnius office"),
        "marketer": (Role.MARKETER, None),
        "agent": (Role.SERVICE_AGENT, None),
        "analyst": (Role.ANALYST, None),
    }
    for username, (role, team) in expected.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert (user.role, user.team.name if user.team else None) == (role, team)
        assert f"  {username} " in output
    assert User.objects.get(username="admin").is_superuser is True
    assert f"Password for every demo login: {DEMO_PASSWORD}" in output
    assert "http://127.0.0.1:8000/" in output
    # more managers in both teams share customers
    assert User.objects.filter(team__name="Kyiv office").count() == 3
    assert User.objects.filter(team__name="Vilnius office").count() == 3


def test_customers_are_owned_by_sales_managers_and_have_several_cultures(demo):
    owners = set(Contact.objects.values_list("owner__role", flat=True).distinct())
    languages = set(Contact.objects.values_list("language", flat=True).distinct())
    countries = set(Contact.objects.values_list("country", flat=True).distinct())

    assert owners == {Role.SALES_MANAGER}
    assert languages == {"uk", "ru", "lt", "en"}
    assert countries == {"UA", "LT", "GB"}


def test_emails_and_phones_are_already_normalised(demo):
    for email in ContactEmail.objects.values_list("email", flat=True):
        assert normalize_email(email) == email
        assert email.rsplit("@", 1)[1].endswith(("example.com", "example.net", "example.org"))
    for number in ContactPhone.objects.values_list("number", flat=True):
        assert normalize_phone(number) == number
    for contact in Contact.objects.exclude(email=""):
        assert contact.emails.get(is_primary=True).email == contact.email


def test_search_terms_are_exactly_what_reindex_writes(demo):
    for contact in Contact.objects.all():
        emails = list(contact.emails.values_list("email", flat=True))
        phones = list(contact.phones.values_list("number", flat=True))
        assert search_index.indexed_terms(contact.pk) == contact_terms(contact, emails, phones), (
            contact.external_id
        )


def test_search_finds_a_generated_customer_by_name_phone_and_email(demo):
    contact = Contact.objects.exclude(phone="").exclude(email="").order_by("id").first()
    national = (
        contact.phone[4:] if contact.phone.startswith(("+380", "+370")) else contact.phone[3:]
    )

    by_name = search(Contact.objects.all(), f"{contact.last_name[:4]} {contact.first_name}")
    by_phone = search(Contact.objects.all(), f"0{national[:2]} {national[2:6]}")
    by_email = search(Contact.objects.all(), contact.email[:8].upper())

    assert contact in by_name
    assert contact in by_phone
    assert contact in by_email


def test_relations_are_stored_in_both_directions(demo):
    relations = set(ContactRelation.objects.values_list("contact_id", "related_id", "kind"))

    assert {kind for _, _, kind in relations} >= {"spouse", "child", "parent"}
    for contact_id, related_id, kind in relations:
        assert (related_id, contact_id, INVERSE_RELATION[kind]) in relations


def test_spouses_share_a_home_and_children_are_younger(demo):
    for relation in ContactRelation.objects.select_related("contact", "related"):
        a, b = relation.contact, relation.related
        assert (a.city, a.address) == (b.city, b.address)
        if relation.kind == "child" and a.birth_date and b.birth_date:
            assert b.birth_date > a.birth_date


def test_consent_history_grants_before_withdrawals(demo):
    withdrawn = ConsentEvent.objects.filter(status="withdrawn")

    assert withdrawn.exists()
    for event in withdrawn:
        grant = ConsentEvent.objects.get(
            contact=event.contact_id, channel=event.channel, purpose=event.purpose, status="granted"
        )
        assert grant.at <= event.at


def test_the_consent_states_are_the_newest_events(demo):
    from tests.contacts.test_consent_state import derived, stored

    assert ConsentState.objects.filter(status="withdrawn").exists()
    assert stored() == derived()


def test_interactions_cover_three_years_on_several_channels(demo):
    now = timezone.now()
    times = Interaction.objects.values_list("occurred_at", flat=True)

    assert min(times) >= now - dt.timedelta(days=3 * 365 + 1)
    assert max(times) <= now
    assert max(times) - min(times) > dt.timedelta(days=365)
    channels = set(Interaction.objects.values_list("channel", flat=True).distinct())
    assert {"phone", "email", "messenger", "meeting", "visit"} <= channels
    # the timeline belongs to the customers' owners or the service agents (enquiries from the
    # public, surveys and what a customer's low score reopened have nobody on the agency's side)
    by_nobody = ["lead.enquiry", "survey.sent", "survey.answered", "complaint.reopened"]
    # and the demo campaign's messages, which the outbox sent (nobody typed them)
    sent_by_the_outbox = {"campaign.message_sent"}
    assert set(
        Interaction.objects.filter(actor__isnull=True).values_list("kind", flat=True)
    ) - sent_by_the_outbox == set(by_nobody)
    actor_roles = set(
        Interaction.objects.exclude(kind__in=[*by_nobody, *sent_by_the_outbox])
        .values_list("actor__role", flat=True)
        .distinct()
    )
    assert actor_roles <= {Role.SALES_MANAGER, Role.SERVICE_AGENT}


def test_generated_rows_keep_referential_integrity(demo):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL enforces foreign keys on insert")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_key_check")
        assert cursor.fetchall() == []
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_new_contacts_after_the_demo_get_fresh_ids(demo):
    from tests.factories import ContactFactory

    contact = ContactFactory(owner=User.objects.get(username="manager"))

    assert contact.pk > Contact.objects.filter(external_id__startswith="demo-").latest("id").pk


def test_generated_timeline_events_are_structured_and_read_in_each_language(demo):
    from django.utils import translation

    kinds = set(Interaction.objects.values_list("kind", flat=True).distinct())
    samples = [Interaction.objects.filter(kind=kind).first() for kind in sorted(kinds - {""})]

    assert {"order.placed", "lead.enquiry", "lead.converted", "deal.created"} <= kinds
    assert {"deal.stage_changed", "deal.won", "deal.lost"} <= kinds
    assert not Interaction.objects.exclude(kind="").exclude(summary="").exists()
    assert not Interaction.objects.filter(summary__startswith="Order #").exists()
    for language in ("en", "uk"):
        with translation.override(language):
            texts = {row.kind: row.text for row in samples if row is not None}
        # a renderer that cannot read its params falls back to the bare kind
        assert all(text and text != kind for kind, text in texts.items()), texts


def _schema() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() ORDER BY 1, 2"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
        )
        return indexes, cursor.fetchall()


def test_a_big_postgresql_load_builds_its_indexes_and_constraints_again(db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's big load needs its own connection (its sales writer attaches)")
    from rapport.demo import load as loader
    from rapport.demo.management.commands import demo as command

    # given a load big enough (threshold lowered) to drop indexes and constraints first
    monkeypatch.setattr(command, "REBUILD_INDEXES_FROM", 1)
    restored: list[str] = []
    original = loader._unconstrain_postgresql
    monkeypatch.setattr(
        loader, "_unconstrain_postgresql", lambda: restored.extend(original()) or restored
    )
    before = _schema()
    # when
    load()
    # then the indexes and constraints are back as they were, the constraints checked again
    assert _schema() == before
    assert any("FOREIGN KEY (contact_id)" in s for s in restored)
    assert any("contact_primary_email_unique" in s for s in restored)
    assert not any("PRIMARY KEY" in s for s in restored)
    # and each contact's search document (written with its row) holds its search terms
    for contact in Contact.objects.all():
        assert set((contact.search_document or "").split()) == search_index.indexed_terms(
            contact.pk
        )
