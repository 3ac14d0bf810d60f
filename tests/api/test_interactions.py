import datetime as dt

import pytest

from rapport.timeline.models import Interaction
from tests.api.conftest import API, make_contact
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_log_read_correct_and_delete_an_interaction(api_as, users):
    contact = make_contact(users["manager"])
    client = api_as("manager")

    created = client.post(
        f"{API}/interactions",
        {"contact": contact.pk, "channel": "phone", "direction": "inbound",
         "summary": "Asked about Crete in May", "occurred_at": "2025-04-01T09:30:00+03:00",
         "duration_seconds": 240},
        content_type="application/json",
    )  # fmt: skip
    interaction_id = created.json()["id"]
    read = client.get(f"{API}/interactions/{interaction_id}")
    corrected = client.patch(
        f"{API}/interactions/{interaction_id}",
        {"body": "Two adults, one child."},
        content_type="application/json",
    )
    deleted = client.delete(f"{API}/interactions/{interaction_id}")

    assert created.status_code == 201
    assert created.json() == {
        "id": interaction_id,
        "contact": contact.pk,
        "channel": "phone",
        "direction": "inbound",
        "occurred_at": "2025-04-01T06:30:00+00:00",
        "actor": users["manager"].pk,
        "kind": "",
        "params": {},
        "summary": "Asked about Crete in May",
        "body": "",
        "duration_seconds": 240,
        "source_type": None,
        "source_id": None,
        "created_at": created.json()["created_at"],
    }
    assert read.json()["summary"] == "Asked about Crete in May"
    assert corrected.json()["body"] == "Two adults, one child."
    assert deleted.status_code == 204
    assert not Interaction.objects.exists()


def test_logging_for_a_contact_one_cannot_see_names_the_contact_field(api_as, users):
    contact = make_contact(users["manager"])

    response = api_as("manager2").post(
        f"{API}/interactions",
        {"contact": contact.pk, "channel": "phone", "summary": "Hello"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contact"]
    assert not Interaction.objects.exists()


def test_only_manual_channels_can_be_logged(api_as, users):
    contact = make_contact(users["manager"])

    response = api_as("manager").post(
        f"{API}/interactions",
        {"contact": contact.pk, "channel": "order", "summary": "Bought a tour"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["channel"]


def test_list_filters_by_contact_channel_and_time(api_as, users):
    admin = users["admin"]
    olena, taras = make_contact(admin, first_name="Olena"), make_contact(admin, first_name="Taras")
    at = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    wanted = InteractionFactory(contact=olena, channel="email", occurred_at=at)
    InteractionFactory(contact=olena, channel="phone", occurred_at=at)
    InteractionFactory(contact=olena, channel="email", occurred_at=at - dt.timedelta(days=40))
    InteractionFactory(contact=taras, channel="email", occurred_at=at)

    response = api_as("admin").get(
        f"{API}/interactions",
        {
            "contact": olena.pk,
            "channel": "email",
            "since": "2025-02-01T00:00:00+00:00",
            "until": "2025-04-01T00:00:00+00:00",
        },
    )

    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [wanted.pk]


def test_list_shows_only_interactions_with_visible_contacts(api_as, users):
    InteractionFactory(contact=make_contact(users["manager"]))

    assert len(api_as("manager_mate").get(f"{API}/interactions").json()["items"]) == 1
    assert api_as("manager2").get(f"{API}/interactions").json()["items"] == []


def test_naive_time_filter_is_a_422(api_as):
    response = api_as("admin").get(f"{API}/interactions", {"since": "2025-02-01T00:00:00"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["since"]


def test_events_come_with_kind_params_and_a_summary_in_the_readers_language(api_as, users):
    from rapport.sales import services as sales

    contact = make_contact(users["manager"])
    order = sales.order_create(
        actor=users["manager"], contact=contact, currency="EUR", total="1420"
    )
    placed = Interaction.objects.get(kind="order.placed")
    client = api_as("manager")

    english = client.get(f"{API}/interactions/{placed.pk}").json()
    ukrainian = client.get(
        f"{API}/interactions/{placed.pk}", headers={"Accept-Language": "uk"}
    ).json()
    listed = client.get(
        f"{API}/interactions?contact={contact.pk}&channel=order", headers={"Accept-Language": "ru"}
    ).json()["items"]

    assert (english["kind"], english["params"]) == (
        "order.placed",
        {"order": order.pk, "total": "1420.00", "currency": "EUR"},
    )
    assert english["summary"] == f"Order #{order.pk}: 1,420.00\xa0EUR"
    assert "1\xa0420,00\xa0EUR" in ukrainian["summary"]
    assert [item["id"] for item in listed] == [placed.pk]
    assert "1\xa0420,00\xa0EUR" in listed[0]["summary"]


def test_without_accept_language_the_token_users_language_words_the_summary(api_as, users):
    from rapport.sales import services as sales

    users["manager"].language = "lt"
    users["manager"].save(update_fields=["language"])
    contact = make_contact(users["manager"])
    sales.order_create(actor=users["manager"], contact=contact, currency="EUR", total="1420")
    placed = Interaction.objects.get(kind="order.placed")

    read = api_as("manager").get(f"{API}/interactions/{placed.pk}").json()

    assert "420,00\xa0EUR" in read["summary"]
