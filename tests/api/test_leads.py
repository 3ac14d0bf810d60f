import datetime as dt

import pytest

from rapport.contacts.models import Contact
from rapport.sales.models import Deal, Lead, LeadStatusChange
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_lead, make_pipeline, make_source

pytestmark = pytest.mark.django_db


def _post(client, path, body, **kwargs):
    return client.post(f"{API}/{path}", body, content_type="application/json", **kwargs)


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def test_create_normalises_keeps_attribution_and_is_owned_by_the_manager(api_as, users):
    source = make_source()

    response = _post(
        api_as("manager"),
        "leads",
        {"first_name": "Оксана", "phone": "067 123 45 67", "source": source.pk,
         "utm_source": "google", "utm_campaign": "summer-crete", "gclid": "abc",
         "landing_page": "https://example.com/crete"},
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "+380671234567"
    assert (body["utm_campaign"], body["gclid"]) == ("summer-crete", "abc")
    assert body["source"] == source.pk
    assert (body["status"], body["owner"], body["joined_open_lead"]) == (
        "new",
        users["manager"].pk,
        False,
    )


def test_a_repeat_enquiry_joins_the_open_lead_with_200(api_as):
    client = api_as("manager")
    first = _post(client, "leads", {"email": "ieva@example.lt", "message": "Crete?"})

    again = _post(client, "leads", {"email": "IEVA@example.lt", "message": "Still keen"})

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["joined_open_lead"] is True
    assert Lead.objects.count() == 1
    assert LeadStatusChange.objects.count() == 2


def test_a_repeat_of_another_teams_lead_is_a_409_that_shows_nothing(api_as, users):
    make_lead(users["manager"], email="ieva@example.lt")

    response = _post(api_as("manager2"), "leads", {"email": "ieva@example.lt"})

    assert response.status_code == 409
    assert response.json()["existing"] is None
    assert _fields(response) == ["email"]
    assert "ieva" not in response.content.decode()
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"first_name": "Ieva"}, ["email"]),
        ({"email": "not-an-email"}, ["email"]),
        ({"phone": "12"}, ["phone"]),
        ({"email": "a@example.com", "source": 999}, ["source"]),
        ({"email": "a@example.com", "utm_campaign": "x" * 201}, ["utm_campaign"]),
        ({"email": "a@example.com", "status": "converted"}, ["status"]),
    ],
)
def test_bad_lead_input_is_a_422_naming_the_field(api_as, body, fields):
    response = _post(api_as("manager"), "leads", body)

    assert response.status_code == 422
    assert _fields(response) == fields
    assert not Lead.objects.exists()


def test_list_filters_by_status_source_owner_campaign_and_time(api_as, users):
    web = make_source()
    wanted = make_lead(users["manager"], source=web, email="a@example.com", utm_campaign="crete")
    make_lead(users["manager"], source=web, email="b@example.com", utm_campaign="ski")
    make_lead(users["manager_mate"], source=web, email="c@example.com", utm_campaign="crete")
    make_lead(users["manager"], email="d@example.com", utm_campaign="crete")
    old = make_lead(users["manager"], source=web, email="e@example.com", utm_campaign="crete")
    Lead.objects.filter(pk=old.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    response = api_as("admin").get(
        f"{API}/leads",
        {"status": "new", "source": web.pk, "owner": users["manager"].pk,
         "utm_campaign": "crete", "created_after": "2024-01-01T00:00:00+00:00"},
    )  # fmt: skip

    assert [lead["id"] for lead in response.json()["items"]] == [wanted.pk]


def test_a_sales_manager_lists_their_teams_and_unassigned_leads(api_as, users):
    own = make_lead(users["manager"], email="a@example.com")
    unassigned = make_lead(None, email="b@example.com")
    make_lead(users["manager2"], email="c@example.com")

    response = api_as("manager_mate").get(f"{API}/leads", {"sort": "created"})

    assert [lead["id"] for lead in response.json()["items"]] == [own.pk, unassigned.pk]


def test_read_shows_the_status_history(api_as, users):
    lead = make_lead(users["manager"])
    client = api_as("manager")
    _post(client, f"leads/{lead.pk}/status", {"status": "contacted"})
    _post(client, f"leads/{lead.pk}/status", {"status": "disqualified", "reason": "Spam"})

    response = client.get(f"{API}/leads/{lead.pk}")

    assert response.json()["status"] == "disqualified"
    assert response.json()["disqualify_reason"] == "Spam"
    assert [
        (h["from_status"], h["to_status"], h["note"]) for h in response.json()["status_history"]
    ] == [("", "new", ""), ("new", "contacted", ""), ("contacted", "disqualified", "Spam")]
    assert response.json()["status_history"][1]["by"] == users["manager"].pk


def test_disqualifying_without_a_reason_and_impossible_moves_are_422(api_as, users):
    lead = make_lead(users["manager"])
    client = api_as("manager")

    no_reason = _post(client, f"leads/{lead.pk}/status", {"status": "disqualified"})
    by_hand = _post(client, f"leads/{lead.pk}/status", {"status": "converted"})

    assert no_reason.status_code == by_hand.status_code == 422
    assert _fields(no_reason) == ["reason"]
    assert _fields(by_hand) == ["status"]
    assert Lead.objects.get().status == "new"


def test_patch_edits_names_message_and_owner(api_as, users):
    lead = make_lead(users["manager"], first_name="Ieva")

    response = api_as("manager").patch(
        f"{API}/leads/{lead.pk}",
        {"last_name": "Jonaitė", "message": "Two adults", "owner": users["manager_mate"].pk},
        content_type="application/json",
    )
    bad_owner = api_as("manager").patch(
        f"{API}/leads/{lead.pk}", {"owner": users["analyst"].pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["last_name"]) == ("Ieva", "Jonaitė")
    assert response.json()["owner"] == users["manager_mate"].pk
    assert bad_owner.status_code == 422
    assert _fields(bad_owner) == ["owner"]


def test_convert_creates_the_contact_and_the_deal(api_as, users):
    pipeline = make_pipeline()
    lead = make_lead(users["manager"], first_name="Ieva", phone="+37061234567")

    response = _post(
        api_as("manager"),
        f"leads/{lead.pk}/convert",
        {"deal_title": "Crete", "amount": {"amount": "1500", "currency": "EUR"},
         "pipeline": pipeline.pk},
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    contact, deal = Contact.objects.get(), Deal.objects.get()
    assert body["contact"]["id"] == contact.pk
    assert (body["contact"]["first_name"], body["contact"]["phone"]) == ("Ieva", "+37061234567")
    assert body["deal"]["id"] == deal.pk
    assert body["deal"]["stage"] == pipeline.stages.get(name="Enquiry").pk
    assert body["lead"]["status"] == "converted"
    assert body["lead"]["contact"] == contact.pk


def test_convert_links_a_known_contact_and_refuses_a_second_time(api_as, users):
    make_pipeline()
    known = make_contact(users["manager"], email="ieva@example.lt")
    lead = make_lead(users["manager"], email="ieva@example.lt")
    client = api_as("manager")

    first = _post(client, f"leads/{lead.pk}/convert", {})
    second = _post(client, f"leads/{lead.pk}/convert", {})

    assert first.json()["contact"]["id"] == known.pk
    assert Contact.objects.count() == 1
    assert second.status_code == 422
    assert _fields(second) == ["status"]
    assert Deal.objects.count() == 1


def test_convert_into_a_missing_pipeline_or_currency_is_a_422(api_as, users):
    make_pipeline()
    lead = make_lead(users["manager"])
    client = api_as("manager")

    no_pipeline = _post(client, f"leads/{lead.pk}/convert", {"pipeline": 999})
    bad_currency = _post(
        client, f"leads/{lead.pk}/convert", {"amount": {"amount": "1", "currency": "XXX"}}
    )

    assert _fields(no_pipeline) == ["pipeline"]
    assert _fields(bad_currency) == ["amount.currency"]
    assert not Deal.objects.exists()
    assert Lead.objects.get().status == "new"


def test_an_analyst_reads_but_cannot_convert(api_as, users):
    make_pipeline()
    lead = make_lead(users["manager"])
    client = api_as("analyst")

    read = client.get(f"{API}/leads/{lead.pk}")
    converted = _post(client, f"leads/{lead.pk}/convert", {})
    status = _post(client, f"leads/{lead.pk}/status", {"status": "contacted"})

    assert read.status_code == 200
    assert converted.status_code == status.status_code == 403
    assert not Deal.objects.exists()


def test_lead_writes_honour_the_idempotency_key(api_as, users):
    make_pipeline()
    lead = make_lead(users["manager"])
    client = api_as("manager")
    key = {"Idempotency-Key": "convert-1"}

    first = _post(client, f"leads/{lead.pk}/convert", {}, headers=key)
    retry = _post(client, f"leads/{lead.pk}/convert", {}, headers=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Deal.objects.count() == 1


def test_a_lead_matched_to_another_teams_customer_does_not_name_them(api_as, users):
    """manager2 gets 404 for team North's customer; creating a lead with the customer's
    e-mail links the lead to them (the right customer) but no answer tells manager2 the
    customer's id: not the 201, not the lead's detail, not the list."""
    olena = make_contact(users["manager"], first_name="Olena", email="olena@example.com")
    client = api_as("manager2")
    assert client.get(f"{API}/contacts/{olena.pk}").status_code == 404

    created = _post(client, "leads", {"email": "olena@example.com", "message": "Crete?"})
    lead = Lead.objects.get()
    detail = client.get(f"{API}/leads/{lead.pk}")
    listed = client.get(f"{API}/leads")
    as_owner = api_as("manager").get(f"{API}/leads/{lead.pk}")

    assert lead.contact_id == olena.pk  # matched to the true customer
    assert (created.status_code, created.json()["contact"]) == (201, None)
    assert detail.json()["contact"] is None
    assert [(item["id"], item["contact"]) for item in listed.json()["items"]] == [(lead.pk, None)]
    assert as_owner.status_code == 404  # the lead is manager2's, not the customer's team's
    assert api_as("admin").get(f"{API}/leads/{lead.pk}").json()["contact"] == olena.pk
