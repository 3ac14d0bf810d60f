from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.catalog.models import Product
from rapport.contacts import services as contacts
from rapport.sales import services
from rapport.sales.models import (
    AssignmentRule,
    DealStageChange,
    LeadSource,
    LeadStatusChange,
    LostReason,
    Order,
)
from rapport.timeline.models import Interaction
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return LeadSource.objects.create(name="Website", kind="website")


@pytest.fixture
def tour(db):
    return Product.objects.create(
        name="Crete, 7 nights", kind="tour", price=Decimal("899.00"), currency="EUR"
    )


def capture(**data):
    return services.lead_capture(data=data, source=data.pop("source", None))


def test_capture_normalises_and_keeps_attribution(web):
    result = services.lead_capture(
        data={
            "first_name": "Оксана",
            "phone": "067 123 45 67",
            "utm_source": "google",
            "utm_campaign": "summer-crete",
            "gclid": "abc",
        },
        source=web,
        form_slug="main",
    )

    lead = result.lead
    assert result.created is True
    assert (lead.phone, lead.utm_campaign, lead.gclid, lead.source) == (
        "+380671234567",
        "summer-crete",
        "abc",
        web,
    )
    assert list(LeadStatusChange.objects.values_list("from_status", "to_status")) == [("", "new")]


def test_repeat_enquiry_joins_the_open_lead(web):
    first = capture(email="ieva@example.lt", message="Crete?")

    again = capture(email="IEVA@example.lt", message="Still interested")

    assert again.created is False
    assert again.lead == first.lead
    assert LeadStatusChange.objects.filter(lead=first.lead).count() == 2


def test_same_submission_key_is_one_lead(web):
    one = services.lead_capture(data={"email": "a@example.com"}, submission_key="k1")
    two = services.lead_capture(data={"email": "a@example.com"}, submission_key="k1")

    assert one.lead == two.lead


def test_enquiry_without_a_way_back_is_refused():
    with pytest.raises(ValidationError) as exc:
        capture(first_name="Anon", message="call me")

    assert "email" in exc.value.message_dict


def test_known_person_is_linked_and_timeline_records_the_enquiry(users):
    person = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Jonas", "email": "jonas@example.lt"}
    )

    lead = capture(email="jonas@example.lt", message="Ski in Austria").lead

    assert lead.contact == person
    assert lead.owner == users["manager"]
    enquiry = Interaction.objects.get(contact=person)
    assert (enquiry.kind, enquiry.params, enquiry.summary) == (
        "lead.enquiry",
        {"message": "Ski in Austria", "form": ""},
        "",
    )
    assert enquiry.text == "Enquiry: Ski in Austria"


def test_round_robin_within_the_team(users, team, web):
    AssignmentRule.objects.create(source=web, team=team)

    owners = [
        services.lead_capture(data={"email": f"p{i}@example.com"}, source=web).lead.owner
        for i in range(3)
    ]

    assert owners == [users["manager"], users["manager_mate"], users["manager"]]


def test_disqualifying_needs_a_reason(users, web):
    lead = capture(email="x@example.com").lead

    with pytest.raises(ValidationError):
        services.lead_set_status(actor=users["manager"], lead=lead, status="disqualified")
    services.lead_set_status(
        actor=users["manager"], lead=lead, status="disqualified", reason="Spam"
    )
    lead.refresh_from_db()

    assert (lead.status, lead.disqualify_reason) == ("disqualified", "Spam")


def test_conversion_creates_contact_and_deal_and_keeps_attribution(users, web):
    make_pipeline()
    lead = services.lead_capture(
        data={"first_name": "Marta", "email": "marta@example.com", "utm_source": "fb"},
        source=web,
    ).lead

    result = services.lead_convert(actor=users["manager"], lead=lead, amount="1200", currency="EUR")

    assert result.contact.email == "marta@example.com"
    assert result.contact.lifecycle_stage == "lead"
    assert result.contact.source == "Website"
    assert result.contact.leads.get().utm_source == "fb"
    assert (result.deal.stage.name, result.deal.amount) == ("Enquiry", Decimal("1200.00"))
    assert result.lead.status == "converted"
    with pytest.raises(ValidationError):
        services.lead_convert(actor=users["manager"], lead=lead)


def test_losing_needs_a_reason_and_winning_records_the_order(users, tour):
    pipeline = make_pipeline()
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Petras"})
    deal = services.deal_create(
        actor=users["manager"],
        data={
            "title": "Crete for two",
            "contact": person.pk,
            "currency": "EUR",
            "products": [{"product": tour.pk, "quantity": 2}],
        },
    )
    lost = pipeline.stages.get(kind="lost")
    won = pipeline.stages.get(kind="won")

    with pytest.raises(ValidationError):
        services.deal_move_stage(actor=users["manager"], deal=deal, stage=lost)
    services.deal_move_stage(
        actor=users["manager"],
        deal=deal,
        stage=lost,
        lost_reason=LostReason.objects.create(name="Too expensive"),
    )
    services.deal_move_stage(actor=users["manager"], deal=deal, stage=won)

    order = Order.objects.get(deal=deal)
    assert (order.total, order.currency, order.lines.count()) == (Decimal("1798.00"), "EUR", 1)
    assert list(
        DealStageChange.objects.filter(deal=deal).values_list("to_stage__name", flat=True)
    ) == ["Enquiry", "Lost", "Won"]
    person.refresh_from_db()
    assert person.lifecycle_stage == "customer"
    assert Interaction.objects.filter(contact=person, channel="order").count() == 1


def test_manager_of_another_team_cannot_move_the_deal(users):
    pipeline = make_pipeline()
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Petras"})
    deal = services.deal_create(actor=users["manager"], data={"title": "T", "contact": person.pk})

    with pytest.raises(PermissionError):
        services.deal_move_stage(
            actor=users["manager2"], deal=deal, stage=pipeline.stages.get(name="Booking")
        )


def test_order_lines_are_totalled_and_checked(users, tour):
    person = contacts.contact_create(actor=users["manager"], data={"first_name": "Eva"})

    order = services.order_create(
        actor=users["manager"],
        contact=person,
        currency="EUR",
        lines=[
            {"product": tour.pk, "quantity": 2, "discount": "98.00"},
            {"description": "Transfer", "unit_price": "40", "quantity": 1},
        ],
    )

    assert order.total == Decimal("1740.00")
    with pytest.raises(ValidationError) as exc:
        services.order_create(
            actor=users["manager"],
            contact=person,
            currency="UAH",
            lines=[{"product": tour.pk}, {"description": "x", "unit_price": "1", "discount": "5"}],
        )
    assert set(exc.value.message_dict) == {"lines[0].product", "lines[1].discount"}


def test_unknown_caller_becomes_a_lead_of_the_tracking_numbers_source(db):
    from rapport.sales.models import TrackingNumber

    instagram = LeadSource.objects.create(name="Instagram", kind="instagram")
    TrackingNumber.objects.create(number="+380441234567", source=instagram)

    result = services.call_record(
        caller="0671234567", dialled="+38 044 123 45 67", duration_seconds=95
    )

    assert result.lead_created is True
    assert (result.lead.phone, result.lead.source, result.source_name) == (
        "+380671234567",
        instagram,
        "Instagram",
    )
    assert result.lead.tracking_number.number == "+380441234567"


def test_known_callers_call_goes_on_their_timeline(users):
    person = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olha", "phone": "+380671234567"}
    )

    result = services.call_record(
        caller="+380671234567",
        dialled="+380441234567",
        duration_seconds=61,
        recording_url="https://pbx.example.com/r/1.mp3",
    )

    assert result.contact == person
    assert result.lead is None
    call = Interaction.objects.get(contact=person)
    assert (call.channel, call.direction, call.duration_seconds) == ("phone", "inbound", 61)
    assert (call.kind, call.params) == ("call.logged", {"number": "+380671234567"})
    assert call.text == "Inbound call from +380 67 123 4567 (1:01)"


def test_bad_call_payload_names_each_field(db):
    with pytest.raises(ValidationError) as exc:
        services.call_record(caller="x", dialled="", duration_seconds=-1, recording_url="ftp://x")

    assert set(exc.value.message_dict) == {"caller", "dialled", "duration", "recording_url"}
