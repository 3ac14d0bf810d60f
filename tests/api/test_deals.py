import datetime as dt

import pytest

from rapport.sales.models import Deal, DealStageChange, Order, Pipeline, Stage
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_deal, make_lost_reason, make_pipeline, make_product

pytestmark = pytest.mark.django_db


def _post(client, path, body, **kwargs):
    return client.post(f"{API}/{path}", body, content_type="application/json", **kwargs)


def _patch(client, path, body):
    return client.patch(f"{API}/{path}", body, content_type="application/json")


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _stage(pipeline, name):
    return pipeline.stages.get(name=name)


# --- pipelines --------------------------------------------------------------------------------


def test_pipelines_list_with_stages_in_order(api_as, pipeline):
    response = api_as("agent").get(f"{API}/pipelines")

    assert [p["name"] for p in response.json()["items"]] == ["Leisure tours"]
    stages = response.json()["items"][0]["stages"]
    assert [(s["name"], s["probability"], s["kind"]) for s in stages] == [
        ("Enquiry", 10, "open"),
        ("Offer sent", 40, "open"),
        ("Booking", 80, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]


def test_an_admin_creates_edits_and_deletes_a_pipeline(api_as, pipeline):
    client = api_as("admin")

    created = _post(
        client,
        "pipelines",
        {"name": "Corporate", "is_default": True,
         "stages": [{"name": "Brief", "probability": 20}, {"name": "Signed", "probability": 100,
                                                         "kind": "won"}]},
    )  # fmt: skip
    brief = created.json()["stages"][0]
    edited = _patch(
        client,
        f"pipelines/{created.json()['id']}",
        {"stages": [{"name": "Lost", "probability": 0, "kind": "lost"},
                    {"id": brief["id"], "name": "Briefing", "probability": 25}]},
    )  # fmt: skip
    old_is_default = Pipeline.objects.get(pk=pipeline.pk).is_default
    deleted = client.delete(f"{API}/pipelines/{pipeline.pk}")

    assert created.status_code == 201
    assert created.json()["is_default"] is True
    assert old_is_default is False
    assert edited.status_code == 200
    assert [(s["name"], s["position"]) for s in edited.json()["stages"]] == [
        ("Lost", 0),
        ("Briefing", 1),
    ]
    assert edited.json()["stages"][1]["id"] == brief["id"]
    assert deleted.status_code == 204


def test_a_pipeline_with_deals_keeps_its_used_stages_and_itself(api_as, users, pipeline):
    make_deal(users["manager"], make_contact(users["manager"]))
    client = api_as("admin")
    enquiry = _stage(pipeline, "Enquiry")

    drop_used = _patch(
        client,
        f"pipelines/{pipeline.pk}",
        {"stages": [{"name": "Only", "probability": 10}]},
    )
    delete = client.delete(f"{API}/pipelines/{pipeline.pk}")

    assert drop_used.status_code == delete.status_code == 409
    assert Stage.objects.filter(pk=enquiry.pk).exists()
    assert pipeline.stages.count() == 5


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"name": "X", "stages": []}, 422, ["stages"]),
        ({"name": "X", "stages": [{"name": "Won", "probability": 100, "kind": "won"}]},
         422, ["stages"]),
        ({"name": "X", "stages": [{"name": "A", "probability": 101}]},
         422, ["stages.0.probability"]),
        ({"name": "X", "stages": [{"name": "A", "probability": 1}, {"name": "a",
                                                                  "probability": 2}]},
         422, ["stages[1].name"]),
        # the name collides with an existing pipeline: a conflict, not bad input
        ({"name": "Leisure tours", "stages": [{"name": "A", "probability": 1}]}, 409, ["name"]),
    ],
)  # fmt: skip
def test_bad_pipelines_are_refused_naming_the_field(api_as, pipeline, body, status, fields):
    response = _post(api_as("admin"), "pipelines", body)

    assert response.status_code == status
    assert _fields(response) == fields
    assert Pipeline.objects.count() == 1


def test_only_admins_edit_pipelines(api_as, pipeline):
    response = _patch(api_as("marketer"), f"pipelines/{pipeline.pk}", {"name": "Renamed"})

    assert response.status_code == 403
    assert Pipeline.objects.get().name == "Leisure tours"


# --- deals ------------------------------------------------------------------------------------


def test_create_a_deal_with_products(api_as, users, pipeline):
    contact = make_contact(users["manager"])
    tour = make_product()
    insurance = make_product("Insurance", kind="addon", price="30")

    response = _post(
        api_as("manager"),
        "deals",
        {"title": "Crete for two", "contact": contact.pk, "expected_close_date": "2025-05-01",
         "products": [{"product": tour.pk, "quantity": 2},
                      {"product": insurance.pk, "quantity": 2,
                       "unit_price": {"amount": "25", "currency": "EUR"}}]},
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == {"amount": "1848.00", "currency": "EUR"}
    assert body["products"] == [
        {"product": tour.pk, "quantity": 2,
         "unit_price": {"amount": "899.00", "currency": "EUR"}},
        {"product": insurance.pk, "quantity": 2,
         "unit_price": {"amount": "25.00", "currency": "EUR"}},
    ]  # fmt: skip
    assert (body["stage"], body["stage_kind"]) == (_stage(pipeline, "Enquiry").pk, "open")
    assert (body["owner"], body["version"], body["order"]) == (users["manager"].pk, 1, None)
    assert [h["stage"] for h in body["stage_history"]] == [_stage(pipeline, "Enquiry").pk]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": "", "contact": "{contact}"}, ["title"]),
        ({"title": "X", "contact": 999}, ["contact"]),
        ({"title": "X", "contact": "{contact}", "pipeline": 999}, ["pipeline"]),
        ({"title": "X", "contact": "{contact}", "stage": "{won}"}, ["stage"]),
        ({"title": "X", "contact": "{contact}", "amount": {"amount": "-1", "currency": "EUR"}},
         ["amount"]),
        ({"title": "X", "contact": "{contact}", "products": [{"product": 999}]},
         ["products[0].product"]),
        ({"title": "X", "contact": "{contact}", "expected_close_date": "soon"},
         ["expected_close_date"]),
    ],
)  # fmt: skip
def test_bad_deal_input_is_a_422_naming_the_field(api_as, users, pipeline, body, fields):
    contact = make_contact(users["manager"])
    values = {"{contact}": contact.pk, "{won}": _stage(pipeline, "Won").pk}
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}

    response = _post(api_as("manager"), "deals", body)

    assert response.status_code == 422
    assert _fields(response) == fields
    assert not Deal.objects.exists()


def test_list_filters_by_pipeline_stage_owner_and_contact(api_as, users, pipeline):
    olena = make_contact(users["manager"])
    taras = make_contact(users["manager"], first_name="Taras")
    wanted = make_deal(users["manager"], olena)
    make_deal(users["manager"], taras)
    make_deal(users["manager_mate"], olena)
    other = make_pipeline("Corporate", default=False)
    make_deal(users["manager"], olena, pipeline=other)

    response = api_as("admin").get(
        f"{API}/deals",
        {"pipeline": pipeline.pk, "stage": _stage(pipeline, "Enquiry").pk,
         "owner": users["manager"].pk, "contact": olena.pk, "stage_kind": "open"},
    )  # fmt: skip

    assert [d["id"] for d in response.json()["items"]] == [wanted.pk]


def test_a_manager_of_another_team_cannot_see_or_move_the_deal(api_as, users, pipeline):
    deal = make_deal(users["manager"], make_contact(users["manager"]))
    client = api_as("manager2")

    read = client.get(f"{API}/deals/{deal.pk}")
    move = _post(client, f"deals/{deal.pk}/move", {"stage": _stage(pipeline, "Booking").pk})

    assert read.status_code == move.status_code == 404
    assert client.get(f"{API}/deals").json()["items"] == []


def test_patch_checks_the_version(api_as, users, pipeline):
    deal = make_deal(users["manager"], make_contact(users["manager"]))
    client = api_as("manager")

    changed = _patch(
        client,
        f"deals/{deal.pk}",
        {"title": "Crete, June", "amount": {"amount": "2000", "currency": "EUR"}, "version": 1},
    )
    stale = _patch(client, f"deals/{deal.pk}", {"title": "Stale", "version": 1})

    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["version"]) == ("Crete, June", 2)
    assert changed.json()["amount"] == {"amount": "2000.00", "currency": "EUR"}
    assert stale.status_code == 409
    assert _fields(stale) == ["version"]
    assert Deal.objects.get().title == "Crete, June"


def test_moving_records_the_history_and_time_in_each_stage(api_as, users, pipeline):
    deal = make_deal(users["manager"], make_contact(users["manager"]))
    DealStageChange.objects.filter(deal=deal).update(at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    client = api_as("manager")

    moved = _post(client, f"deals/{deal.pk}/move", {"stage": _stage(pipeline, "Offer sent").pk})

    history = moved.json()["stage_history"]
    assert [(h["from_stage"], h["stage"]) for h in history] == [
        (None, _stage(pipeline, "Enquiry").pk),
        (_stage(pipeline, "Enquiry").pk, _stage(pipeline, "Offer sent").pk),
    ]
    assert history[0]["seconds_in_stage"] == DealStageChange.objects.last().seconds_in_previous
    assert history[0]["seconds_in_stage"] > 86400 * 30
    assert history[1]["seconds_in_stage"] is not None
    assert moved.json()["version"] == 2


def test_losing_needs_a_reason_and_a_stale_move_is_a_409(api_as, users, pipeline):
    deal = make_deal(users["manager"], make_contact(users["manager"]))
    reason = make_lost_reason()
    lost = _stage(pipeline, "Lost").pk
    client = api_as("manager")

    no_reason = _post(client, f"deals/{deal.pk}/move", {"stage": lost})
    unknown_reason = _post(client, f"deals/{deal.pk}/move", {"stage": lost, "lost_reason": 999})
    unknown_stage = _post(client, f"deals/{deal.pk}/move", {"stage": 999})
    stale = _post(client, f"deals/{deal.pk}/move", {"stage": lost, "version": 7})
    done = _post(
        client,
        f"deals/{deal.pk}/move",
        {"stage": lost, "lost_reason": reason.pk, "lost_note": "Chose Rhodes", "version": 1},
    )

    assert [_fields(r) for r in (no_reason, unknown_reason, unknown_stage)] == [
        ["lost_reason"], ["lost_reason"], ["stage"],
    ]  # fmt: skip
    assert stale.status_code == 409
    assert done.status_code == 200
    assert (done.json()["stage_kind"], done.json()["lost_reason"]) == ("lost", reason.pk)
    assert done.json()["lost_note"] == "Chose Rhodes"
    assert done.json()["closed_at"] is not None
    assert done.json()["stage_history"][-1]["seconds_in_stage"] is None


def test_a_move_into_another_pipelines_stage_is_a_422(api_as, users, pipeline):
    deal = make_deal(users["manager"], make_contact(users["manager"]))
    other = make_pipeline("Corporate", default=False)

    response = _post(
        api_as("manager"), f"deals/{deal.pk}/move", {"stage": _stage(other, "Booking").pk}
    )

    assert _fields(response) == ["stage"]


def test_winning_creates_the_order_once_even_when_retried(api_as, users, pipeline):
    tour = make_product()
    deal = make_deal(
        users["manager"], make_contact(users["manager"]), products=[{"product": tour.pk}]
    )
    client = api_as("manager")
    body = {"stage": _stage(pipeline, "Won").pk, "version": 1}

    first = _post(client, f"deals/{deal.pk}/move", body, headers={"Idempotency-Key": "win"})
    retry = _post(client, f"deals/{deal.pk}/move", body, headers={"Idempotency-Key": "win"})

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    order = Order.objects.get()
    assert first.json()["order"] == order.pk
    assert (order.total, order.lines.get().product_id) == (899, tour.pk)


def test_lost_reasons_list_active_ones(api_as):
    make_lost_reason("Too expensive")
    retired = make_lost_reason("Visa refused")
    retired.is_active = False
    retired.save()

    response = api_as("agent").get(f"{API}/lost-reasons", {"active": "true"})

    assert [r["name"] for r in response.json()["items"]] == ["Too expensive"]


def test_the_read_only_analyst_cannot_own_a_deal(api_as, users, pipeline):
    contact = make_contact(users["manager"])
    deal = make_deal(users["manager"], contact)
    analyst = users["analyst"].pk

    created = _post(
        api_as("admin"), "deals", {"title": "X", "contact": contact.pk, "owner": analyst}
    )
    changed = _patch(api_as("admin"), f"deals/{deal.pk}", {"owner": analyst})
    handed = _patch(api_as("admin"), f"deals/{deal.pk}", {"owner": users["marketer"].pk})

    assert (created.status_code, _fields(created)) == (422, ["owner"])
    assert (changed.status_code, _fields(changed)) == (422, ["owner"])
    assert handed.status_code == 200
    assert list(Deal.objects.values_list("owner_id", flat=True)) == [users["marketer"].pk]
