"""The segments API (INTERFACES.md "Segments"): exact fields, preview, members under the
visibility rule, static lists, history of refreshes, and a 422 naming the bad node's path."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Contact
from rapport.segments import selectors, services
from rapport.segments.models import Segment, SegmentChange, SegmentMember
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "name",
    "description",
    "kind",
    "rule",
    "owner",
    "size",
    "refreshed_at",
    "created_at",
    "updated_at",
}
VILNIUS = {"field": "city", "op": "eq", "value": "Vilnius"}


def post(client: Any, path: str, body: Any) -> Any:
    return client.post(f"{API}/{path}", body, content_type="application/json")


@pytest.fixture
def people(users):
    """Two Vilnius customers of team North and one of team South, and one in Kyiv."""
    return {
        "olena": make_contact(users["manager"], first_name="Olena", city="Vilnius"),
        "taras": make_contact(users["manager_mate"], first_name="Taras", city="Vilnius"),
        "ieva": make_contact(users["manager2"], first_name="Ieva", city="Vilnius"),
        "oksana": make_contact(users["manager"], first_name="Oksana", city="Kyiv"),
    }


def test_create_a_dynamic_segment_with_the_contracts_fields(api_as, users, people):
    response = post(api_as("marketer"), "segments", {"name": "Vilnius", "rule": VILNIUS})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == FIELDS
    assert (body["name"], body["kind"], body["rule"], body["owner"], body["size"]) == (
        "Vilnius",
        "dynamic",
        VILNIUS,
        users["marketer"].pk,
        None,
    )


def test_a_bad_rule_is_a_422_naming_the_bad_nodes_path(api_as, people):
    rule = {
        "all": [
            VILNIUS,
            {"field": "tags", "op": "contains", "value": "ski"},
            {"field": "orders.count", "op": "starts_with", "value": 2},
        ]
    }

    for path, body in (
        ("segments", {"name": "Bad", "rule": rule}),
        ("segments/preview", {"rule": rule}),
    ):
        response = post(api_as("marketer"), path, body)

        assert response.status_code == 422, response.content
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["rule.all[2].op"]
        assert "gte" in errors[0]["message"]
    assert not Segment.objects.exists()


def test_a_rule_nested_fifty_deep_or_a_megabyte_long_is_refused(api_as, people):
    deep: dict[str, Any] = VILNIUS
    for _ in range(50):
        deep = {"not": deep}
    huge = {"any": [{"field": "city", "op": "in", "value": ["x" * 400] * 900}] * 3}

    deep_answer = post(api_as("marketer"), "segments/preview", {"rule": deep})
    huge_answer = post(api_as("marketer"), "segments/preview", {"rule": huge})

    assert deep_answer.status_code == huge_answer.status_code == 422
    assert deep_answer.json()["errors"][0]["field"] == "rule" + ".not" * 8
    assert huge_answer.json()["errors"][0]["field"] == "rule"


def test_preview_counts_and_samples_only_the_contacts_the_caller_may_see(api_as, people):
    mine = post(api_as("manager"), "segments/preview", {"rule": VILNIUS}).json()
    everyone = post(api_as("admin"), "segments/preview", {"rule": VILNIUS}).json()

    assert mine["count"] == 2
    assert sorted(c["first_name"] for c in mine["sample"]) == ["Olena", "Taras"]
    assert everyone["count"] == 3
    assert sorted(c["first_name"] for c in everyone["sample"]) == ["Ieva", "Olena", "Taras"]


def test_members_of_a_marketers_segment_are_what_each_viewer_may_see(api_as, users, people):
    segment = services.segment_create(
        actor=users["marketer"], data={"name": "Vilnius", "rule": VILNIUS}
    )

    south = api_as("manager2").get(f"{API}/segments/{segment.pk}/members")
    marketer = api_as("marketer").get(f"{API}/segments/{segment.pk}/members?sort=name")

    # a sales manager does not see the marketer's segment itself
    assert south.status_code == 404
    assert [c["first_name"] for c in marketer.json()["items"]] == ["Ieva", "Olena", "Taras"]


def test_a_segment_naming_another_is_one_statement_and_a_cycle_is_refused(api_as, users, people):
    client = api_as("marketer")
    vilnius = post(client, "segments", {"name": "Vilnius", "rule": VILNIUS}).json()
    named = {
        "all": [
            {"field": "segment", "op": "eq", "value": vilnius["id"]},
            {"field": "first_name", "op": "starts_with", "value": "o"},
        ]
    }
    olenas = post(client, "segments", {"name": "Olenas of Vilnius", "rule": named}).json()

    members = client.get(f"{API}/segments/{olenas['id']}/members").json()
    compiled = selectors.members_for(users["marketer"], Segment.objects.get(pk=olenas["id"]))
    with CaptureQueriesContext(connection) as queries:
        listed = list(compiled.values_list("first_name", flat=True))
    statements = len(queries)
    back = client.patch(
        f"{API}/segments/{vilnius['id']}",
        {"rule": {"any": [VILNIUS, {"field": "segment", "op": "in", "value": [olenas["id"]]}]}},
        content_type="application/json",
    )
    itself = client.patch(
        f"{API}/segments/{vilnius['id']}",
        {"rule": {"not": {"field": "segment", "op": "eq", "value": vilnius["id"]}}},
        content_type="application/json",
    )

    assert [c["first_name"] for c in members["items"]] == ["Olena"]
    assert (listed, statements) == (["Olena"], 1)  # one statement, the named rule inlined
    assert back.status_code == itself.status_code == 422
    assert back.json()["errors"][0]["field"] == "rule.any[1].value"
    assert itself.json()["errors"][0]["field"] == "rule.not.value"
    assert Segment.objects.get(pk=vilnius["id"]).rule == VILNIUS


def test_static_members_are_added_and_removed_with_entered_and_left_rows(api_as, users, people):
    client = api_as("manager")
    segment = post(client, "segments", {"name": "Called back", "kind": "static"}).json()
    olena, taras, ieva = people["olena"], people["taras"], people["ieva"]

    added = post(client, f"segments/{segment['id']}/members", {"contacts": [olena.pk, taras.pk]})
    again = post(client, f"segments/{segment['id']}/members", {"contacts": [olena.pk]})
    foreign = post(client, f"segments/{segment['id']}/members", {"contacts": [ieva.pk]})
    removed = client.delete(f"{API}/segments/{segment['id']}/members/{taras.pk}")
    gone = client.delete(f"{API}/segments/{segment['id']}/members/{taras.pk}")

    assert (added.json(), again.json()) == ({"added": 2}, {"added": 0})
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "contacts"
    assert (removed.status_code, gone.status_code) == (204, 404)
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [olena.pk]
    changes = SegmentChange.objects.order_by("id").values_list("contact_id", "kind")
    assert list(changes) == [(olena.pk, "entered"), (taras.pk, "entered"), (taras.pk, "left")]


def test_refreshes_record_size_and_who_entered_and_left(api_as, users, people, clock):
    client = api_as("marketer")
    segment = post(client, "segments", {"name": "Vilnius", "rule": VILNIUS}).json()
    first = post(client, f"segments/{segment['id']}/refresh", {}).json()
    Contact.objects.filter(pk=people["olena"].pk).update(city="Kaunas")
    Contact.objects.filter(pk=people["oksana"].pk).update(city="Vilnius")
    clock.set("2026-01-10T03:00")
    second = post(client, f"segments/{segment['id']}/refresh", {}).json()
    third = post(client, f"segments/{segment['id']}/refresh", {}).json()

    history = client.get(f"{API}/segments/{segment['id']}/history").json()["items"]

    assert [(h["size"], h["entered"], h["left"]) for h in history] == [
        (3, 0, 0),
        (3, 1, 1),
        (3, 3, 0),
    ]
    assert (first["entered"], second["entered"], third["entered"]) == (3, 1, 0)
    left = SegmentChange.objects.filter(kind="left").values_list("contact_id", flat=True)
    assert list(left) == [people["olena"].pk]
    assert set(SegmentMember.objects.values_list("contact_id", flat=True)) == {
        people["taras"].pk,
        people["ieva"].pk,
        people["oksana"].pk,
    }
    assert client.get(f"{API}/segments/{segment['id']}").json()["size"] == 3


def test_fields_describe_types_operators_and_translated_choices(api_as, people):
    english = api_as("marketer").get(f"{API}/segments/fields").json()
    ukrainian = api_as("marketer").get(f"{API}/segments/fields", HTTP_ACCEPT_LANGUAGE="uk").json()

    by_name = {f["field"]: f for f in english}
    assert {
        "city",
        "country",
        "language",
        "gender",
        "lifecycle_stage",
        "source",
        "owner",
        "birth_date",
        "created_at",
        "tags",
        "consent.email.marketing",
        "orders.count",
        "orders.revenue",
        "orders.first_date",
        "orders.last_date",
        "orders.product",
        "orders.category",
        "metrics.rfm_segment",
        "metrics.churn_risk",
        "metrics.p_alive",
        "metrics.clv_365d",
        "timeline.last_at.email",
        "timeline.count",
        "life_events.child_born",
        "birthday",
        "related.child",
        "segment",
    } <= set(by_name)
    stage = by_name["lifecycle_stage"]
    assert (stage["type"], [o["op"] for o in stage["operators"]]) == (
        "choice",
        ["eq", "ne", "in", "not_in", "is_empty", "is_not_empty"],
    )
    assert [c["value"] for c in stage["choices"]] == ["prospect", "lead", "customer", "lost"]
    assert by_name["orders.revenue"]["window"] is True
    assert by_name["birthday"]["operators"] == [
        {"op": "within_next_days", "label": "within the next … days"}
    ]
    uk_stage = next(f for f in ukrainian if f["field"] == "lifecycle_stage")
    assert uk_stage["choices"][2]["label"] != "Customer"  # translated by the existing catalogue


def test_a_birthday_in_the_next_days_across_the_new_year(api_as, users, clock):
    clock.set("2026-12-28T10:00")
    make_contact(users["manager"], first_name="Jan", birth_date=dt.date(1990, 1, 2))
    make_contact(users["manager"], first_name="Dec", birth_date=dt.date(1990, 12, 27))
    make_contact(users["manager"], first_name="Leap", birth_date=dt.date(2000, 2, 29))

    soon = post(
        api_as("manager"),
        "segments/preview",
        {"rule": {"field": "birthday", "op": "within_next_days", "value": 14}},
    ).json()

    assert [c["first_name"] for c in soon["sample"]] == ["Jan"]


def _queries(client: Any, path: str, **params: Any) -> int:
    client.get(f"{API}/{path}", {"limit": 1})  # the token's last-use stamp is written once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a_members_page_costs_the_same_queries_at_any_size(api_as, users):
    for i in range(30):
        make_contact(users["manager"], first_name=f"Olena{i}", city="Vilnius", tags=["ski"],
                     phones=[{"number": f"+3806712345{i:02d}"}])  # fmt: skip
    segment = services.segment_create(
        actor=users["marketer"], data={"name": "Vilnius", "rule": VILNIUS}
    )
    client = api_as("admin")

    small = _queries(client, f"segments/{segment.pk}/members", limit=3)
    large = _queries(client, f"segments/{segment.pk}/members", limit=30)

    # token, segment, field catalog (owners, custom fields), page, its e-mails+phones+tags
    assert small == large == 6
