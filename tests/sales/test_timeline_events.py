"""What the sales services put on a customer's timeline, and lifecycle changes with their audit."""

import pytest

from rapport.contacts import services as contacts
from rapport.core.models import AuditEntry
from rapport.sales import services
from rapport.sales.models import LeadSource, LostReason
from rapport.timeline.models import Interaction
from tests.factories import make_pipeline
from tests.sales.test_imports import run

pytestmark = pytest.mark.django_db


def events(contact, *kinds: str) -> list[tuple[str, dict]]:
    rows = Interaction.objects.filter(contact=contact).order_by("id")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return [(row.kind, row.params) for row in rows]


def lifecycle_audit(contact) -> list[list[str]]:
    entries = AuditEntry.objects.filter(
        subject_contact_id=contact.pk, action="update", changes__has_key="lifecycle_stage"
    ).order_by("id")
    return [entry.changes["lifecycle_stage"] for entry in entries]


def test_a_deal_opened_moved_lost_and_won_is_on_the_timeline(users):
    pipeline = make_pipeline()
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Petras"})
    deal = services.deal_create(
        actor=users["manager"],
        data={"title": "Crete for two", "contact": person.pk, "amount": "1420", "currency": "EUR"},
    )
    reason = LostReason.objects.create(name="Too expensive")

    services.deal_move_stage(actor=users["manager"], deal=deal, stage=stages["Offer sent"])
    services.deal_move_stage(
        actor=users["manager"],
        deal=deal,
        stage=stages["Lost"],
        lost_reason=reason,
        lost_note="Found it cheaper",
    )
    services.deal_move_stage(actor=users["manager"], deal=deal, stage=stages["Won"])

    common = {"deal": deal.pk, "title": "Crete for two"}
    assert events(person, "deal.created", "deal.stage_changed", "deal.won", "deal.lost") == [
        ("deal.created", common | {"stage": stages["Enquiry"].pk, "stage_name": "Enquiry",
                                   "amount": "1420.00", "currency": "EUR"}),
        ("deal.stage_changed", common | {
            "pipeline": deal.pipeline_id,
            "from_stage": stages["Enquiry"].pk, "from_stage_name": "Enquiry",
            "to_stage": stages["Offer sent"].pk, "to_stage_name": "Offer sent"}),
        ("deal.lost", common | {
            "pipeline": deal.pipeline_id,
            "from_stage": stages["Offer sent"].pk, "from_stage_name": "Offer sent",
            "to_stage": stages["Lost"].pk, "to_stage_name": "Lost",
            "reason": reason.pk, "reason_name": "Too expensive"}),
        ("deal.won", common | {
            "pipeline": deal.pipeline_id,
            "from_stage": stages["Lost"].pk, "from_stage_name": "Lost",
            "to_stage": stages["Won"].pk, "to_stage_name": "Won",
            "amount": "1420.00", "currency": "EUR"}),
    ]  # fmt: skip
    lost = Interaction.objects.get(contact=person, kind="deal.lost")
    assert (lost.body, lost.actor, lost.channel, lost.direction) == (
        "Found it cheaper",
        users["manager"],
        "note",
        "internal",
    )


def test_winning_a_deal_places_the_order_and_makes_a_customer(users):
    pipeline = make_pipeline()
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})
    deal = services.deal_create(
        actor=users["manager"], data={"title": "Rome", "contact": person.pk, "amount": "500"}
    )

    services.deal_move_stage(
        actor=users["manager"], deal=deal, stage=pipeline.stages.get(kind="won")
    )

    order = deal.order
    assert events(person, "order.placed", "contact.lifecycle_changed") == [
        ("order.placed", {"order": order.pk, "total": "500.00", "currency": "EUR"}),
        ("contact.lifecycle_changed", {"old": "prospect", "new": "customer"}),
    ]
    assert lifecycle_audit(person) == [["prospect", "customer"]]
    person.refresh_from_db()
    assert (person.lifecycle_stage, person.version) == ("customer", 2)


def test_a_second_order_changes_no_stage(users):
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})
    services.order_create(actor=users["manager"], contact=person, currency="EUR", total="10")

    services.order_create(actor=users["manager"], contact=person, currency="EUR", total="20")

    assert len(events(person, "contact.lifecycle_changed")) == 1
    assert len(lifecycle_audit(person)) == 1


def test_a_cancelled_order_does_not_make_a_customer(users):
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})

    services.order_create(
        actor=users["manager"], contact=person, currency="EUR", total="10", status="cancelled"
    )

    assert events(person, "contact.lifecycle_changed") == []
    assert lifecycle_audit(person) == []


def test_an_order_status_change_keeps_the_codes(users):
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})
    order = services.order_create(
        actor=users["manager"], contact=person, currency="EUR", total="10"
    )

    services.order_set_status(actor=users["manager"], order=order, status="paid")

    assert events(person, "order.status_changed") == [
        ("order.status_changed", {"order": order.pk, "old": "booked", "new": "paid"})
    ]


def test_converting_a_prospects_lead_makes_them_a_lead_and_says_so(users):
    make_pipeline()
    person = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Marta", "email": "marta@example.com"}
    )
    lead = services.lead_capture(
        data={"email": "marta@example.com", "message": "Crete in May"},
        source=LeadSource.objects.create(name="Website", kind="website"),
    ).lead

    result = services.lead_convert(actor=users["manager"], lead=lead, deal_title="Crete")

    assert events(person, "lead.enquiry", "lead.converted", "contact.lifecycle_changed") == [
        ("lead.enquiry", {"message": "Crete in May", "form": ""}),
        ("contact.lifecycle_changed", {"old": "prospect", "new": "lead"}),
        ("lead.converted", {"lead": lead.pk, "deal": result.deal.pk, "title": "Crete"}),
    ]
    assert lifecycle_audit(person) == [["prospect", "lead"]]


def test_a_lifecycle_change_by_hand_is_on_the_timeline_too(users):
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})

    contacts.contact_update(
        actor=users["manager"], contact=person, data={"lifecycle_stage": "customer"}
    )
    contacts.contact_update(actor=users["manager"], contact=person, data={"city": "Kaunas"})

    changed = Interaction.objects.get(contact=person, kind="contact.lifecycle_changed")
    assert (changed.params, changed.actor) == (
        {"old": "prospect", "new": "customer"},
        users["manager"],
    )
    assert lifecycle_audit(person) == [["prospect", "customer"]]


def test_the_order_import_writes_through_the_timelines_writer(users):
    known = contacts.contact_create(
        actor=users["admin"], data={"first_name": "Ann", "email": "ann@example.com"}
    )
    text = (
        "order_external_id,email,order_date,currency,total\n"
        "o-1,ann@example.com,2025-01-10,EUR,1420\n"
        "o-2,new@example.com,2025-01-11,EUR,99.5\n"
    )
    result = run("orders", users["admin"], text)

    assert result.created == 2
    placed = Interaction.objects.filter(kind="order.placed").order_by("params__order")
    assert [(row.contact.email, row.params["total"], row.summary) for row in placed] == [
        ("ann@example.com", "1420.00", ""),
        ("new@example.com", "99.50", ""),
    ]
    assert events(known, "contact.lifecycle_changed") == [
        ("contact.lifecycle_changed", {"old": "prospect", "new": "customer"})
    ]
    assert lifecycle_audit(known) == [["prospect", "customer"]]
