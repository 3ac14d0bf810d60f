"""The data migration turns the English sentences code wrote into kind + params, in SQL."""

import importlib

import pytest
from django.db import connection

from rapport.timeline.models import Interaction
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("rapport.timeline.migrations.0003_interaction_kind_params")


def legacy(contact, channel: str, direction: str, summary: str, **fields) -> Interaction:
    return Interaction.objects.create(
        contact=contact,
        channel=channel,
        direction=direction,
        summary=summary,
        occurred_at="2025-01-10T10:00:00+00:00",
        **fields,
    )


def test_generated_english_sentences_become_structured_and_the_rest_stays():
    c = ContactFactory()
    rows = {
        "order": legacy(c, "order", "inbound", "Order #620: 1420.00 EUR", source_id=620),
        "order_no_source": legacy(c, "order", "inbound", "Order #7: 99.50 UAH"),
        "status": legacy(c, "order", "internal", "Order #620: Booked → Paid", source_id=620),
        "status_translated": legacy(
            c, "order", "internal", "Замовлення #620: Заброньовано → Оплачено"
        ),
        "enquiry": legacy(c, "web", "inbound", "Enquiry: Crete in May, two adults"),
        "converted": legacy(
            c, "note", "internal", "Lead converted; deal “Crete, 7 nights” opened", source_id=3
        ),
        "call_in": legacy(
            c, "phone", "inbound", "Inbound call from +380 67 123 4567 (2:05)",
            duration_seconds=125,
        ),
        "call_out": legacy(
            c, "phone", "outbound", "Outbound call to +370 612 34567 (12:00)",
            duration_seconds=720,
        ),
        "note": legacy(c, "phone", "outbound", "Called back with hotel options in Crete"),
        "translated": legacy(c, "order", "inbound", "Замовлення #5: 10.00 EUR"),
    }  # fmt: skip

    with connection.cursor() as cursor:
        for sql in migration.statements(connection.vendor):
            cursor.execute(sql)

    after = {name: Interaction.objects.get(pk=row.pk) for name, row in rows.items()}
    assert {name: (row.kind, row.params, row.summary) for name, row in after.items()} == {
        "order": ("order.placed", {"order": 620, "total": "1420.00", "currency": "EUR"}, ""),
        "order_no_source": ("order.placed", {"order": 7, "total": "99.50", "currency": "UAH"}, ""),
        "status": ("order.status_changed", {"order": 620, "old": "booked", "new": "paid"}, ""),
        "status_translated": ("", {}, "Замовлення #620: Заброньовано → Оплачено"),
        "enquiry": ("lead.enquiry", {"message": "Crete in May, two adults", "form": ""}, ""),
        "converted": ("lead.converted", {"lead": 3, "title": "Crete, 7 nights"}, ""),
        "call_in": ("call.logged", {"number": "+380671234567"}, ""),
        "call_out": ("call.logged", {"number": "+37061234567"}, ""),
        "note": ("", {}, "Called back with hotel options in Crete"),
        "translated": ("", {}, "Замовлення #5: 10.00 EUR"),
    }
    # Worded again from the data, they read as they did.
    assert [
        after[name].text for name in ("order", "status", "converted", "call_in", "call_out")
    ] == [
        "Order #620: 1,420.00\xa0EUR",
        "Order #620: Booked → Paid",
        "Lead converted; deal “Crete, 7 nights” opened",
        "Inbound call from +380 67 123 4567 (2:05)",
        "Outbound call to +370 612 34567 (12:00)",
    ]
