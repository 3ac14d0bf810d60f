"""Editing leads and deals, and the permission answers of the lead services."""

import pytest
from django.core.exceptions import ValidationError

from rapport.contacts import services as contacts
from rapport.core.errors import Conflict
from rapport.sales import services
from rapport.sales.models import Lead
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(users):
    lead = services.lead_capture(data={"email": "ieva@example.lt"}).lead
    Lead.objects.filter(pk=lead.pk).update(owner=users["manager"])
    lead.refresh_from_db()
    return lead


def test_lead_update_changes_only_what_is_given(users, lead):
    updated = services.lead_update(
        actor=users["manager"], lead=lead, data={"first_name": " Ieva ", "owner": None}
    )

    assert (updated.first_name, updated.owner_id, updated.email) == ("Ieva", None, lead.email)


@pytest.mark.parametrize("role", ["analyst", "manager2"])
def test_lead_services_refuse_with_permission_error_not_a_crash(users, lead, role):
    make_pipeline()

    with pytest.raises(PermissionError):
        services.lead_set_status(actor=users[role], lead=lead, status="contacted")
    with pytest.raises(PermissionError):
        services.lead_convert(actor=users[role], lead=lead)
    with pytest.raises(PermissionError):
        services.lead_update(actor=users[role], lead=lead, data={"first_name": "X"})


def test_deal_update_checks_version_currency_and_owner(users):
    make_pipeline()
    contact = contacts.contact_create(actor=users["manager"], data={"first_name": "Ona"})
    deal = services.deal_create(actor=users["manager"], data={"title": "X", "contact": contact.pk})

    updated = services.deal_update(
        actor=users["manager"],
        deal=deal,
        data={"amount": "100", "currency": "usd", "expected_close_date": "2025-09-01"},
        expected_version=1,
    )
    with pytest.raises(Conflict):
        services.deal_update(actor=users["manager"], deal=deal, data={}, expected_version=1)
    with pytest.raises(ValidationError) as caught:
        services.deal_update(actor=users["manager"], deal=deal, data={"owner": 999, "title": ""})
    with pytest.raises(PermissionError):
        services.deal_update(actor=users["analyst"], deal=deal, data={"title": "Y"})

    assert (str(updated.amount), updated.currency, updated.version) == ("100.00", "USD", 2)
    assert sorted(caught.value.message_dict) == ["owner", "title"]
