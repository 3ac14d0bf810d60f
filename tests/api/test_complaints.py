"""The complaints API: the contract's fields, the list filters, the workflow endpoints, bad
input as a 422 naming the field, and the root-cause report's numbers."""

import pytest

from rapport.catalog.models import Category
from rapport.service import services
from rapport.service.models import Complaint, ComplaintCategory, RootCause
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_order, make_product

pytestmark = pytest.mark.django_db

CONTRACT = {
    "contact", "order", "product", "channel", "category", "severity", "description", "assignee",
    "status", "first_response_due", "resolution_due", "breached", "root_cause", "resolution",
    "satisfaction",
}  # fmt: skip


@pytest.fixture
def customer(users):
    return make_contact(users["manager"], first_name="Ieva", email="ieva@example.lt")


@pytest.fixture
def cause(db):
    return RootCause.objects.create(name="Transfer late")


def _fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def test_register_read_and_work_a_complaint(api_as, users, customer, cause):
    api = api_as("agent")
    order = make_order(users["manager"], customer)
    category = ComplaintCategory.objects.create(name="Transfer")

    created = api.post(
        f"{API}/complaints",
        {"contact": customer.pk, "description": "Nobody at the airport", "channel": "email",
         "severity": "high", "order": order.pk, "category": category.pk},
        content_type="application/json",
    )  # fmt: skip
    body = created.json()
    pk = body["id"]
    moved = api.post(f"{API}/complaints/{pk}/status", {"status": "waiting", "note": "Asked"},
                     content_type="application/json")  # fmt: skip
    resolved = api.post(
        f"{API}/complaints/{pk}/resolve", {"root_cause": cause.pk, "resolution": "Taxi refunded"},
        content_type="application/json",
    )  # fmt: skip
    reopened = api.post(f"{API}/complaints/{pk}/reopen", {}, content_type="application/json")

    assert created.status_code == 201, body
    assert set(body) >= CONTRACT
    shown = ("contact", "order", "channel", "category", "severity", "assignee", "status",
             "breached", "root_cause", "satisfaction")  # fmt: skip
    assert {k: body[k] for k in shown} == {
        "contact": customer.pk, "order": order.pk, "channel": "email", "category": category.pk,
        "severity": "high", "assignee": users["agent"].pk, "status": "new", "breached": False,
        "root_cause": None, "satisfaction": None,
    }  # fmt: skip
    assert body["first_response_due"] is not None
    assert (moved.status_code, moved.json()["status"]) == (200, "waiting")
    assert moved.json()["first_responded_at"] is not None
    assert resolved.json()["status"] == "resolved"
    assert (resolved.json()["root_cause"], resolved.json()["resolution"]) == (
        cause.pk,
        "Taxi refunded",
    )
    assert (reopened.status_code, reopened.json()["status"]) == (200, "in_progress")
    assert api.get(f"{API}/complaints/{pk}").json()["resolved_at"] is None


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("resolve", {"resolution": "Refunded"}, ["root_cause"]),
        ("resolve", {"root_cause": "CAUSE"}, ["resolution"]),
        ("resolve", {"root_cause": "RETIRED", "resolution": "Refunded"}, ["root_cause"]),
        ("resolve", {"root_cause": 0, "resolution": "Refunded"}, ["root_cause"]),
        ("status", {"status": "closed"}, ["status"]),
        ("status", {"status": "finished"}, ["status"]),
        ("reopen", {}, ["status"]),
        ("reopen", {"reason": "x"}, ["reason"]),
    ],
)
def test_bad_workflow_input_is_a_422_naming_the_field(
    api_as, users, customer, cause, path, body, fields
):
    retired = RootCause.objects.create(name="Old", is_active=False)
    complaint = services.complaint_register(actor=users["agent"], contact=customer, description="x")
    body = {k: {"CAUSE": cause.pk, "RETIRED": retired.pk}.get(v, v) for k, v in body.items()}

    response = api_as("agent").post(
        f"{API}/complaints/{complaint.pk}/{path}", body, content_type="application/json"
    )

    assert response.status_code == 422, response.content
    assert _fields(response) == fields
    assert Complaint.objects.get().status == "new"


def test_a_resolution_without_root_cause_says_so(api_as, users, customer):
    complaint = services.complaint_register(actor=users["agent"], contact=customer, description="x")
    response = api_as("agent").post(
        f"{API}/complaints/{complaint.pk}/resolve", {}, content_type="application/json"
    )
    assert response.json()["errors"] == [
        {"field": "root_cause", "message": "Choose the root cause: it is required to resolve."},
        {"field": "resolution", "message": "Say how the complaint was resolved."},
    ]


def test_bad_registrations_are_a_422_naming_the_field(api_as, users, customer):
    other = make_contact(users["manager2"], first_name="Jonas", email="jonas@example.lt")
    theirs = make_order(users["manager2"], other)
    retired = ComplaintCategory.objects.create(name="Old", is_active=False)
    api = api_as("admin")
    cases = [
        ({"severity": "urgent"}, ["severity"]),
        ({"order": theirs.pk}, ["order"]),
        ({"category": retired.pk}, ["category"]),
        ({"description": ""}, ["description"]),
        ({"product": 99999}, ["product"]),
        ({"assignee": users["analyst"].pk}, ["assignee"]),
        ({"contact": 99999}, ["contact"]),
        ({"colour": "red"}, ["colour"]),
    ]
    for extra, fields in cases:
        body = {"contact": customer.pk, "description": "Late", **extra}
        response = api.post(f"{API}/complaints", body, content_type="application/json")
        assert (response.status_code, _fields(response)) == (422, fields), (extra, response.content)
    assert Complaint.objects.count() == 0


def test_patch_corrects_and_refuses_empty_required_fields(api_as, users, customer):
    complaint = services.complaint_register(actor=users["agent"], contact=customer, description="x")
    product = make_product()
    api = api_as("agent")

    changed = api.patch(
        f"{API}/complaints/{complaint.pk}", {"product": product.pk, "assignee": None},
        content_type="application/json",
    )  # fmt: skip
    empty = api.patch(f"{API}/complaints/{complaint.pk}", {"description": None},
                      content_type="application/json")  # fmt: skip

    assert (changed.json()["product"], changed.json()["assignee"]) == (product.pk, None)
    assert (empty.status_code, _fields(empty)) == (422, ["description"])


def test_the_list_filters_by_status_breach_and_root_cause(api_as, users, customer, clock):
    supplier = RootCause.objects.create(name="Supplier")
    overbooked = RootCause.objects.create(name="Overbooked", parent=supplier)
    agent = users["agent"]
    open_one = services.complaint_register(actor=agent, contact=customer, description="a")
    by_child = services.complaint_register(actor=agent, contact=customer, description="b")
    by_top = services.complaint_register(actor=agent, contact=customer, description="c")
    services.complaint_resolve(actor=agent, complaint=by_child, root_cause=overbooked.pk,
                               resolution="r")  # fmt: skip
    services.complaint_resolve(actor=agent, complaint=by_top, root_cause=supplier.pk,
                               resolution="r")  # fmt: skip
    clock.set("2026-01-12T12:00")  # the open one's first answer was due at 11:00
    api = api_as("agent")

    def ids(**params):
        response = api.get(f"{API}/complaints", params)
        assert response.status_code == 200, response.content
        return sorted(item["id"] for item in response.json()["items"])

    assert ids(status="resolved") == [by_child.pk, by_top.pk]
    assert ids(status="open") == [open_one.pk]
    assert ids(breached="true") == [open_one.pk]
    assert ids(breached="false") == [by_child.pk, by_top.pk]
    assert ids(root_cause=overbooked.pk) == [by_child.pk]
    assert ids(root_cause=supplier.pk) == [by_child.pk, by_top.pk]
    assert ids(root_cause="none") == [open_one.pk]
    assert api.get(f"{API}/complaints", {"status": "done"}).status_code == 422
    assert api.get(f"{API}/complaints", {"breached": "maybe"}).status_code == 422
    item = api.get(f"{API}/complaints/{open_one.pk}").json()
    assert item["breached"] is True  # before the SLA check has even run


def test_the_root_cause_report_counts_per_cause_category_and_product_with_trends(
    api_as, users, clock
):
    agent = users["agent"]
    customer = make_contact(users["manager"], first_name="Ieva", email="ieva@example.lt")
    late, dirty = RootCause.objects.create(name="Late"), RootCause.objects.create(name="Dirty")
    hotel, transfer = (ComplaintCategory.objects.create(name=n) for n in ("Hotel", "Transfer"))
    crete, rome = (
        make_product("Crete"),
        make_product("Rome", category=Category.objects.create(name="C")),
    )

    def complaint(day: str, cause, category, product=None, satisfaction=None):
        clock.set(day)
        made = services.complaint_register(
            actor=agent, contact=customer, description=day, category=category.pk,
            product=product and product.pk,
        )  # fmt: skip
        if cause:
            services.complaint_resolve(actor=agent, complaint=made, root_cause=cause.pk,
                                       resolution="done")  # fmt: skip
        Complaint.objects.filter(pk=made.pk).update(satisfaction=satisfaction)

    complaint("2026-01-05T10:00", late, hotel, crete)
    complaint("2026-01-20T10:00", late, hotel, crete)
    complaint("2026-01-21T10:00", dirty, transfer)
    complaint("2026-02-03T10:00", late, hotel, crete, satisfaction=2)
    complaint("2026-03-02T10:00", dirty, transfer, rome)
    complaint("2026-03-31T23:30", dirty, transfer, rome, satisfaction=5)  # March, in Vilnius
    complaint("2026-03-10T10:00", None, transfer)
    complaint("2026-04-01T00:30", late, hotel)  # after the period

    body = (
        api_as("manager").get(f"{API}/analytics/root-causes?from=2026-01-01&to=2026-03-31").json()
    )
    hidden = api_as("manager2").get(f"{API}/analytics/root-causes?from=2026-01-01&to=2026-03-31")

    assert (body["from"], body["to"], body["complaints"], body["with_cause"]) == (
        "2026-01-01",
        "2026-03-31",
        7,
        6,
    )
    assert body["causes"] == [
        {"root_cause": late.pk, "name": "Late", "parent": None, "count": 3, "csat_average": 2.0,
         "csat_answers": 1, "trend_per_month": -1.0},
        {"root_cause": dirty.pk, "name": "Dirty", "parent": None, "count": 3, "csat_average": 5.0,
         "csat_answers": 1, "trend_per_month": 0.5},
        {"root_cause": None, "name": "", "parent": None, "count": 1, "csat_average": None,
         "csat_answers": 0, "trend_per_month": 0.5},
    ]  # fmt: skip
    assert (
        body["categories"]
        == [
            {"category": hotel.pk, "name": "Hotel", "count": 3, "csat_average": 2.0},
            {"category": transfer.pk, "name": "Transfer", "count": 4, "csat_average": 5.0},
        ][::-1]
    )
    assert body["products"] == [
        {"product": crete.pk, "name": "Crete", "count": 3},
        {"product": rome.pk, "name": "Rome", "count": 2},
        {"product": None, "name": "", "count": 2},
    ]
    assert {(m["month"], m["root_cause"], m["count"]) for m in body["months"]} == {
        ("2026-01", late.pk, 2), ("2026-01", dirty.pk, 1), ("2026-02", late.pk, 1),
        ("2026-03", dirty.pk, 2), ("2026-03", None, 1),
    }  # fmt: skip
    assert {"root_cause": late.pk, "category": hotel.pk, "product": crete.pk, "count": 3} in body[
        "by_cause"
    ]
    assert hidden.json()["complaints"] == 0


def test_the_report_refuses_a_bad_period(api_as):
    api = api_as("admin")
    backwards = api.get(f"{API}/analytics/root-causes?from=2026-03-01&to=2026-01-01")
    bad_day = api.get(f"{API}/analytics/root-causes?from=2026-02-30")
    assert (backwards.status_code, _fields(backwards)) == (422, ["to"])
    assert (bad_day.status_code, _fields(bad_day)) == (422, ["from"])
