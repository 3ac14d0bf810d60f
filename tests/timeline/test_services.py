"""The timeline's writers: `record` and its bulk twin `record_many` check the same things."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.timeline import services
from rapport.timeline.models import Interaction
from rapport.timeline.services import Entry
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def placed(contact, order_id: int = 1, **changes) -> Entry:
    values = {
        "contact": contact,
        "channel": "order",
        "direction": "inbound",
        "kind": "order.placed",
        "params": {"order": order_id, "total": "10.00", "currency": "EUR"},
        "occurred_at": WHEN,
    }
    return Entry(**(values | changes))


def test_record_many_writes_structured_rows_with_their_source():
    first, second = ContactFactory(), ContactFactory()

    written = services.record_many(
        [placed(first, 1), placed(second.pk, 2, body="2 × Crete"), placed(first, 3)]
    )

    rows = Interaction.objects.order_by("id")
    assert len(written) == 3
    assert [(r.contact_id, r.kind, r.params["order"], r.summary, r.body) for r in rows] == [
        (first.pk, "order.placed", 1, "", ""),
        (second.pk, "order.placed", 2, "", "2 × Crete"),
        (first.pk, "order.placed", 3, "", ""),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"kind": "order.teleported"}, "kind"),
        ({"params": {"total": Decimal("10.00")}}, "params"),
        ({"params": {"total": float("nan")}}, "params"),
        ({"params": ["not", "an", "object"]}, "params"),
        ({"summary": "Order #1: 10.00 EUR"}, "summary"),
        ({"kind": "", "params": {}, "summary": ""}, "summary"),
        ({"kind": "", "summary": "A note"}, "params"),
        ({"occurred_at": dt.datetime(2025, 3, 1, 9, 0)}, "occurred_at"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"contact": 987654}, "contact"),
    ],
)
def test_record_many_refuses_the_whole_batch_naming_the_bad_entry(changes, field):
    contact = ContactFactory()
    second = placed(changes.pop("contact", contact), 2, **changes)

    with pytest.raises(ValidationError) as caught:
        services.record_many([placed(contact, 1), second])

    assert list(caught.value.message_dict) == [f"1.{field}"]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "order.teleported"}, "kind"),
        ({"params": {"when": timezone.now()}}, "params"),
        ({"summary": "Order #1: 10.00 EUR"}, "summary"),
    ],
)
def test_record_checks_kind_and_params_as_record_many_does(changes, field):
    contact = ContactFactory()
    entry = placed(contact) if "kind" not in changes else placed(contact, kind=changes["kind"])
    values = {
        "contact": contact,
        "channel": entry.channel,
        "direction": entry.direction,
        "kind": entry.kind,
        "params": entry.params,
    } | changes

    with pytest.raises(ValidationError) as caught:
        services.record(**values)

    assert list(caught.value.message_dict) == [field]


def test_a_structured_entry_cannot_be_reworded_by_hand(users):
    contact = ContactFactory(owner=users["manager"])
    row = services.record(
        contact=contact,
        channel="order",
        kind="order.placed",
        params={"order": 1, "total": "10.00", "currency": "EUR"},
    )

    with pytest.raises(ValidationError) as caught:
        services.interaction_update(actor=users["manager"], interaction=row, data={"summary": "x"})
    services.interaction_update(actor=users["manager"], interaction=row, data={"body": "Paid cash"})

    assert list(caught.value.message_dict) == ["summary"]
    row.refresh_from_db()
    assert (row.summary, row.body, row.kind) == ("", "Paid cash", "order.placed")
