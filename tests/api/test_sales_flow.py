"""The whole sale through the API: an enquiry becomes a lead, the lead a customer with a
deal, the deal is won, and the order it made is on the customer's timeline."""

import pytest

from rapport.sales.models import Order
from rapport.timeline.models import Interaction
from tests.api.conftest import API
from tests.api.sales_data import make_pipeline, make_source

pytestmark = pytest.mark.django_db


def _post(client, path, body):
    return client.post(f"{API}/{path}", body, content_type="application/json")


def test_lead_to_won_deal_to_order(api_as, users):
    pipeline = make_pipeline()
    source = make_source()
    won = pipeline.stages.get(kind="won")
    client = api_as("manager")

    lead = _post(
        client,
        "leads",
        {"first_name": "Ieva", "email": "Ieva@Example.lt", "source": source.pk,
         "utm_campaign": "summer-crete", "message": "Crete in May?"},
    )  # fmt: skip
    qualified = _post(client, f"leads/{lead.json()['id']}/status", {"status": "qualified"})
    converted = _post(
        client,
        f"leads/{lead.json()['id']}/convert",
        {"deal_title": "Crete, May", "amount": {"amount": "1800", "currency": "EUR"}},
    )
    deal = converted.json()["deal"]
    moved = _post(client, f"deals/{deal['id']}/move", {"stage": won.pk, "version": 1})
    order_id = moved.json()["order"]
    order = client.get(f"{API}/orders/{order_id}")
    timeline = client.get(
        f"{API}/interactions", {"contact": converted.json()["contact"]["id"], "channel": "order"}
    )

    assert lead.status_code == 201
    assert lead.json()["joined_open_lead"] is False
    assert lead.json()["owner"] == users["manager"].pk
    assert qualified.json()["status"] == "qualified"
    assert converted.status_code == 201
    assert converted.json()["lead"]["status"] == "converted"
    assert converted.json()["contact"]["email"] == "ieva@example.lt"
    assert deal["amount"] == {"amount": "1800.00", "currency": "EUR"}
    assert deal["pipeline"] == pipeline.pk
    assert deal["lead"] == lead.json()["id"]
    assert moved.status_code == 200
    assert moved.json()["stage_kind"] == "won"
    assert moved.json()["version"] == 2
    assert [v["stage"] for v in moved.json()["stage_history"]] == [
        pipeline.stages.get(name="Enquiry").pk,
        won.pk,
    ]
    assert order.status_code == 200
    assert order.json()["total"] == {"amount": "1800.00", "currency": "EUR"}
    assert order.json()["deal"] == deal["id"]
    assert order.json()["contact"] == converted.json()["contact"]["id"]
    assert Order.objects.count() == 1
    assert [i["source_id"] for i in timeline.json()["items"]] == [order_id]
    assert Interaction.objects.filter(channel="order").count() == 1
