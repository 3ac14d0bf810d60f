"""DELETE of leads, deals, orders and lead sources: who may, what is refused (409), what goes
with the record and what stays (audit, timeline)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from rapport.core.models import AuditEntry
from rapport.sales import services
from rapport.sales.models import (
    Deal,
    DealStageChange,
    Lead,
    LeadSource,
    LeadStatusChange,
    Order,
    OrderLine,
    SourceSpend,
    TrackingNumber,
    WebForm,
)
from rapport.timeline.models import Interaction
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_deal, make_lead, make_order, make_pipeline, make_source

pytestmark = pytest.mark.django_db


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


# --- leads ------------------------------------------------------------------------------------


def test_deleting_a_lead_removes_its_history_and_audits_its_personal_data(api_as, users):
    lead = make_lead(users["manager"], email="ieva@example.lt", first_name="Ieva")

    response = api_as("manager_mate").delete(f"{API}/leads/{lead.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not LeadStatusChange.objects.filter(lead_id=lead.pk).exists()
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk
    )
    assert (entry.action, entry.actor) == (AuditEntry.Action.DELETE, users["manager_mate"])
    assert entry.changes["email"] == ["ieva@example.lt", None]
    assert entry.changes["first_name"] == ["Ieva", None]


def test_a_lead_of_another_team_is_a_404(api_as, users):
    lead = make_lead(users["manager"])

    response = api_as("manager2").delete(f"{API}/leads/{lead.pk}")

    assert response.status_code == 404
    assert set(response.json()) >= {"detail", "errors"}
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.parametrize("role", ["marketer", "agent", "analyst"])
def test_roles_that_see_a_lead_but_may_not_delete_it_get_403(api_as, users, role):
    lead = make_lead(users["manager"])

    response = api_as(role).delete(f"{API}/leads/{lead.pk}")

    assert response.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_an_unassigned_lead_is_deleted_by_an_admin_only(api_as, users):
    lead = make_lead(None)

    assert api_as("manager").delete(f"{API}/leads/{lead.pk}").status_code == 403
    assert api_as("admin").delete(f"{API}/leads/{lead.pk}").status_code == 204


def test_a_converted_lead_is_refused_with_409(api_as, users):
    make_pipeline()
    lead = make_lead(users["manager"])
    services.lead_convert(actor=users["manager"], lead=lead)

    response = api_as("admin").delete(f"{API}/leads/{lead.pk}")

    assert response.status_code == 409
    assert _fields(response) == ["status"]
    assert "attribution" in response.json()["detail"]
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), action=AuditEntry.Action.DELETE
    ).exists()


def test_a_lead_delete_honours_the_idempotency_key(api_as, users):
    lead = make_lead(users["manager"])
    client = api_as("manager")
    headers = {"Idempotency-Key": "del-lead-1"}

    answers = [client.delete(f"{API}/leads/{lead.pk}", headers=headers) for _ in range(2)]

    assert [r.status_code for r in answers] == [204, 204]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).count() == 1


# --- deals ------------------------------------------------------------------------------------


def test_deleting_a_deal_takes_its_stage_history_and_products(api_as, users):
    customer = make_contact(users["manager"])
    deal = make_deal(users["manager"], customer, pipeline=make_pipeline())
    assert DealStageChange.objects.filter(deal=deal).exists()

    response = api_as("manager").delete(f"{API}/deals/{deal.pk}")

    assert response.status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert not DealStageChange.objects.filter(deal_id=deal.pk).exists()


def test_deal_delete_404_for_another_team_403_for_roles_that_only_change(api_as, users):
    customer = make_contact(users["manager"])
    deal = make_deal(users["manager"], customer, pipeline=make_pipeline())

    assert api_as("manager2").delete(f"{API}/deals/{deal.pk}").status_code == 404
    for role in ("marketer", "agent", "analyst"):
        assert api_as(role).delete(f"{API}/deals/{deal.pk}").status_code == 403, role
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_a_won_deal_with_an_order_is_refused_with_409(api_as, users):
    customer = make_contact(users["manager"])
    pipeline = make_pipeline()
    deal = make_deal(users["manager"], customer, pipeline=pipeline, amount="900")
    services.deal_move_stage(
        actor=users["manager"], deal=deal, stage=pipeline.stages.get(name="Won")
    )
    order = Order.objects.get(deal=deal)

    refused = api_as("admin").delete(f"{API}/deals/{deal.pk}")

    assert refused.status_code == 409
    assert _fields(refused) == ["order"]
    assert Deal.objects.filter(pk=deal.pk).exists()
    # Once its order is gone, the deal can go too.
    assert api_as("admin").delete(f"{API}/orders/{order.pk}").status_code == 204
    assert api_as("admin").delete(f"{API}/deals/{deal.pk}").status_code == 204


# --- orders -----------------------------------------------------------------------------------


def test_deleting_an_order_takes_its_lines_and_leaves_the_timeline_readable(api_as, users, client):
    customer = make_contact(users["manager"])
    order = make_order(
        users["manager"], customer, lines=[{"description": "Crete", "quantity": 1,
                                            "unit_price": "1200.00"}]
    )  # fmt: skip
    assert OrderLine.objects.filter(order=order).exists()
    order_type = ContentType.objects.get_for_model(Order)
    assert Interaction.objects.filter(source_type=order_type, source_id=order.pk).exists()

    response = api_as("admin").delete(f"{API}/orders/{order.pk}")

    assert response.status_code == 204
    assert not Order.objects.filter(pk=order.pk).exists()
    assert not OrderLine.objects.filter(order_id=order.pk).exists()
    # The timeline is history: its entry stays and still reads, via the API and the 360° page.
    assert Interaction.objects.filter(source_type=order_type, source_id=order.pk).exists()
    timeline = api_as("manager").get(f"{API}/interactions?contact={customer.pk}")
    assert timeline.status_code == 200
    assert order.pk in [i["source_id"] for i in timeline.json()["items"]]
    client.force_login(users["manager"])
    page = client.get(f"/contacts/{customer.pk}/")
    assert page.status_code == 200
    assert f"Order #{order.pk}" in page.content.decode()
    htmx = client.get(f"/contacts/{customer.pk}/timeline/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200


def test_order_delete_404_for_another_team_403_for_roles_that_may_not_delete(api_as, users):
    order = make_order(users["manager"], make_contact(users["manager"]))

    assert api_as("manager2").delete(f"{API}/orders/{order.pk}").status_code == 404
    for role in ("marketer", "agent", "analyst"):
        response = api_as(role).delete(f"{API}/orders/{order.pk}")
        assert response.status_code == 403, role
        assert set(response.json()) >= {"detail", "errors"}
    assert api_as("manager_mate").delete(f"{API}/orders/{order.pk}").status_code == 204


# --- lead sources -----------------------------------------------------------------------------


def test_an_unused_source_is_deleted_by_a_marketer(api_as):
    source = make_source("Fair 2025", kind="exhibition")

    response = api_as("marketer").delete(f"{API}/sources/{source.pk}")

    assert response.status_code == 204
    assert not LeadSource.objects.filter(pk=source.pk).exists()


@pytest.mark.parametrize("role", ["manager", "agent", "analyst"])
def test_roles_that_do_not_manage_sources_get_403(api_as, role):
    source = make_source()

    assert api_as(role).delete(f"{API}/sources/{source.pk}").status_code == 403
    assert LeadSource.objects.filter(pk=source.pk).exists()


def test_a_missing_source_is_a_404(api_as):
    assert api_as("admin").delete(f"{API}/sources/999999").status_code == 404


@pytest.mark.parametrize("use", ["lead", "spend", "number", "form"])
def test_a_source_in_use_is_refused_with_409_that_says_to_deactivate_it(api_as, users, use):
    source = make_source()
    if use == "lead":
        make_lead(users["manager"], source=source)
    elif use == "spend":
        SourceSpend.objects.create(
            source=source, period_start="2025-01-01", period_end="2025-01-31", amount=500,
            currency="EUR",
        )  # fmt: skip
    elif use == "number":
        TrackingNumber.objects.create(number="+37052000000", source=source)
    else:
        WebForm.objects.create(name="Crete", slug="crete", source=source)

    response = api_as("admin").delete(f"{API}/sources/{source.pk}")

    assert response.status_code == 409
    assert _fields(response) == ["source"]
    assert "deactivate" in response.json()["detail"]
    assert LeadSource.objects.get(pk=source.pk).is_active
