"""Timeline rows are worded when shown, in the reader's language, from their kind + params."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from rapport.contacts.models import LifecycleStage
from rapport.sales.models import OrderStatus
from rapport.timeline.models import Interaction
from rapport.timeline.rendering import render_summary
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

# How each interface language writes 1420 euros (Django's number formats for the language).
LOCALIZED_MONEY = {
    "en": r"1,420\.00\xa0EUR",
    "ru": r"1\xa0420,00\xa0EUR",
    "uk": r"1\xa0420,00\xa0EUR",
    "lt": r"1[.\xa0]420,00\xa0EUR",
}


def event(kind: str, params: dict, **fields) -> Interaction:
    return Interaction(kind=kind, params=params, channel="order", direction="inbound", **fields)


@pytest.mark.parametrize("language", ["en", "ru", "uk", "lt"])
def test_an_order_reads_with_the_readers_number_format(language):
    placed = event("order.placed", {"order": 620, "total": "1420.00", "currency": "EUR"})

    with translation.override(language):
        text = placed.text

    assert re.search(LOCALIZED_MONEY[language], text), text
    assert "620" in text
    assert "1420.00" not in text


@pytest.mark.parametrize("language", ["ru", "uk", "lt"])
def test_codes_are_shown_as_the_readers_labels(language):
    moved = event("contact.lifecycle_changed", {"old": "prospect", "new": "customer"}, summary="")
    status = event("order.status_changed", {"order": 7, "old": "booked", "new": "paid"})

    with translation.override(language):
        prospect, customer = str(LifecycleStage.PROSPECT.label), str(LifecycleStage.CUSTOMER.label)
        booked, paid = str(OrderStatus.BOOKED.label), str(OrderStatus.PAID.label)
        lifecycle_text, status_text = moved.text, status.text

    assert (prospect, customer, booked, paid) != ("Prospect", "Customer", "Booked", "Paid")
    assert f"{prospect} → {customer}" in lifecycle_text
    assert f"{booked} → {paid}" in status_text
    assert "prospect" not in lifecycle_text
    assert "booked" not in status_text


def test_the_same_row_reads_in_each_readers_language():
    contact = ContactFactory()
    with translation.override("uk"):  # written while a Ukrainian user was working
        stored = Interaction.objects.create(
            contact=contact,
            channel="order",
            direction="inbound",
            occurred_at="2025-01-10T10:00:00+00:00",
            kind="order.placed",
            params={"order": 5, "total": "12500.50", "currency": "UAH"},
        )
    row = Interaction.objects.get(pk=stored.pk)

    with translation.override("en"):
        english = row.text
    with translation.override("uk"):
        ukrainian = row.text

    assert row.summary == ""
    assert english == "Order #5: 12,500.50\xa0UAH"
    assert "12\xa0500,50\xa0UAH" in ukrainian


def test_hand_written_entries_are_shown_as_written():
    note = Interaction(kind="", params={}, summary="Prefers early flights")

    with translation.override("uk"):
        assert note.text == "Prefers early flights"


def test_a_row_whose_params_do_not_fit_falls_back_to_its_text_or_kind():
    broken = event("order.placed", {"order": 1, "total": "lots", "currency": "EUR"})
    unknown = event("campaign.sent", {"x": 1})
    legacy = event("order.placed", {}, summary="Order #1: 10.00 EUR")

    assert (broken.text, unknown.text, legacy.text) == (
        "order.placed",
        "campaign.sent",
        "Order #1: 10.00 EUR",
    )


def test_each_sales_event_reads_from_its_params():
    rows = [
        event("lead.enquiry", {"message": "Crete in May", "form": "tours"}),
        event("lead.enquiry", {"message": "", "form": "tours"}),
        event("lead.converted", {"lead": 3, "deal": 4, "title": "Crete for two"}),
        event("call.logged", {"number": "+380671234567"}, duration_seconds=125),
        event(
            "deal.created",
            {
                "deal": 4,
                "title": "Crete",
                "stage": 1,
                "stage_name": "Enquiry",
                "amount": "999.00",
                "currency": "EUR",
            },
        ),
        event(
            "deal.stage_changed",
            {
                "deal": 4,
                "title": "Crete",
                "from_stage": 1,
                "from_stage_name": "Enquiry",
                "to_stage": 2,
                "to_stage_name": "Offer sent",
            },
        ),
        event("deal.won", {"deal": 4, "title": "Crete", "amount": "999.00", "currency": "EUR"}),
        event("deal.lost", {"deal": 4, "title": "Crete", "reason": 2, "reason_name": "Price"}),
    ]

    with translation.override("en"):
        texts = [render_summary(row) for row in rows]

    assert texts == [
        "Enquiry: Crete in May",
        "Enquiry: tours",
        "Lead converted; deal “Crete for two” opened",
        "Inbound call from +380 67 123 4567 (2:05)",
        "Deal “Crete” opened in Enquiry, 999.00\xa0EUR",
        "Deal “Crete”: Enquiry → Offer sent",
        "Deal “Crete” won, 999.00\xa0EUR",
        "Deal “Crete” lost: Price",
    ]


def test_money_keeps_the_currencys_minor_units():
    from rapport.core.money import format_money

    with translation.override("en"):
        assert format_money(Decimal("1500"), "JPY") == "1,500\xa0JPY"
        assert format_money(Decimal("0.5"), "EUR") == "0.50\xa0EUR"
