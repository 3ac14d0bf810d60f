"""Complaint pages: the list with its breached badge and time left, a complaint's page with
its workflow, the registration form (also from a logged call), the 360° panel and the
timeline link, the set-up page, the root-cause report and the export."""

import csv
import io

import pytest

from rapport.service import services
from rapport.service.models import (
    BusinessHours,
    Complaint,
    ComplaintCategory,
    Holiday,
    RootCause,
    SlaPolicy,
)
from rapport.timeline.models import Interaction
from tests.api.sales_data import make_order, make_product
from tests.factories import InteractionFactory
from tests.service.conftest import at
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def cause(db):
    return RootCause.objects.create(name="Transfer late")


@pytest.fixture
def complaint(users, olena):
    return services.complaint_register(
        actor=users["manager"], contact=olena, description="The transfer never came."
    )


def test_the_list_shows_the_breached_badge_and_the_time_left(as_user, users, olena, clock):
    late = services.complaint_register(
        actor=users["manager"], contact=olena, description="Dirty room", severity="high"
    )
    fresh = services.complaint_register(
        actor=users["agent"], contact=olena, description="Noisy neighbours", severity="low"
    )
    Complaint.objects.filter(pk=fresh.pk).update(created_at=at("2026-01-12T10:00"))
    clock.set("2026-01-12T10:00")  # the high one's answer was due Friday 18:00

    page = as_user("agent").get("/complaints/")
    only_late = as_user("agent").get("/complaints/", {"breached": "true"})

    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert rows.count("SLA breached") == 1
    assert f'href="/complaints/{late.pk}/"' in rows
    assert "overdue by 2 d 16 h" in rows  # since Friday 18:00
    assert [c.pk for c in only_late.context["page"].items] == [late.pk]


def test_a_sales_manager_lists_only_the_team_customers_complaints(as_user, users, olena, complaint):
    assert [c.pk for c in as_user("manager2").get("/complaints/").context["page"].items] == []
    assert as_user("manager2").get(f"/complaints/{complaint.pk}/").status_code == 404
    assert [c.pk for c in as_user("agent").get("/complaints/").context["page"].items] == [
        complaint.pk
    ]


def test_the_workflow_buttons_move_the_complaint_and_the_resolve_form_needs_a_cause(
    as_user, users, complaint, cause
):
    client = as_user("agent")
    page = client.get(f"/complaints/{complaint.pk}/")
    moved = client.post(f"/complaints/{complaint.pk}/status/", {"status": "in_progress"}, **HTMX)
    refused = client.post(
        f"/complaints/{complaint.pk}/resolve/", {"root_cause": "", "resolution": ""}, **HTMX
    )
    resolved = client.post(
        f"/complaints/{complaint.pk}/resolve/",
        {"root_cause": cause.pk, "resolution": "Refunded the taxi"},
        **HTMX,
    )

    assert page.status_code == 200
    assert 'value="in_progress"' in page.text
    assert "Transfer late" in page.text  # the resolve form's cause select
    assert moved.status_code == 200
    assert f"Complaint #{complaint.pk}: In progress." in moved.text
    assert "Choose the root cause: it is required to resolve." in refused.text
    assert "Say how the complaint was resolved." in refused.text
    complaint.refresh_from_db()
    assert (complaint.status, complaint.root_cause) == ("resolved", cause)
    assert "Refunded the taxi" in resolved.text
    assert 'value="closed"' in resolved.text  # a resolved complaint can be closed or reopened
    assert f"/complaints/{complaint.pk}/reopen/" in resolved.text


def test_read_only_roles_see_no_buttons_and_are_refused(as_user, complaint):
    page = as_user("analyst").get(f"/complaints/{complaint.pk}/")
    post = as_user("analyst").post(f"/complaints/{complaint.pk}/status/", {"status": "waiting"})

    assert page.status_code == 200
    assert f"/complaints/{complaint.pk}/status/" not in page.text
    assert post.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "new"


def test_register_from_the_form_with_order_and_product(as_user, users, olena):
    order = make_order(users["manager"], olena)
    product = make_product()
    category = ComplaintCategory.objects.create(name="Transfer")
    client = as_user("manager")

    form = client.get(f"/complaints/new/?contact={olena.pk}")
    posted = client.post(
        "/complaints/new/",
        {
            "contact": olena.pk, "order": order.pk, "product": product.pk, "channel": "email",
            "category": category.pk, "severity": "high", "description": "Late pick-up",
            "assignee": users["agent"].pk,
        },
    )  # fmt: skip

    complaint = Complaint.objects.get()
    assert form.status_code == 200
    assert "/orders/options/" in form.text
    assert posted.status_code == 302
    assert posted["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.order, complaint.product, complaint.category, complaint.assignee) == (
        order,
        product,
        category,
        users["agent"],
    )


def test_the_form_says_what_is_wrong(as_user, users, olena):
    other = services_contact(users)
    theirs = make_order(users["manager2"], other)

    page = as_user("admin").post(
        "/complaints/new/",
        {"contact": olena.pk, "order": theirs.pk, "channel": "phone", "severity": "normal",
         "description": ""},
    )  # fmt: skip

    assert page.status_code == 200
    assert "This field is required." in page.text
    page = as_user("admin").post(
        "/complaints/new/",
        {"contact": olena.pk, "order": theirs.pk, "channel": "phone", "severity": "normal",
         "description": "Late"},
    )  # fmt: skip
    assert f"Order #{theirs.pk} is another customer&#x27;s." in page.text
    assert Complaint.objects.count() == 0


def services_contact(users):
    from tests.api.conftest import make_contact

    return make_contact(users["manager2"], first_name="Jonas", email="jonas@example.lt")


def test_one_click_from_a_logged_call(as_user, users, olena):
    call = InteractionFactory(
        contact=olena, channel="phone", direction="inbound", summary="Angry about the hotel"
    )
    client = as_user("manager")

    page = client.get(f"/contacts/{olena.pk}/")
    assert f'href="/complaints/new/?interaction={call.pk}"' in page.text
    form = client.get(f"/complaints/new/?interaction={call.pk}")
    assert "Angry about the hotel" in form.text
    client.post(
        f"/complaints/new/?interaction={call.pk}",
        {"contact": olena.pk, "interaction": call.pk, "channel": "phone", "severity": "normal",
         "description": "Angry about the hotel", "assignee": users["manager"].pk},
    )  # fmt: skip

    complaint = Complaint.objects.get()
    assert complaint.interaction == call
    page = client.get(f"/contacts/{olena.pk}/")
    assert (
        f'href="/complaints/{complaint.pk}/" class="small tl-link">Complaint #{complaint.pk}</a>'
        in page.text
    )
    assert f"?interaction={call.pk}" not in page.text
    timeline = client.get(f"/contacts/{olena.pk}/timeline/", **HTMX)
    assert (
        f'href="/complaints/{complaint.pk}/" class="small tl-link">Complaint #{complaint.pk}</a>'
        in timeline.text
    )


def test_the_360_page_has_a_complaints_panel(as_user, olena, complaint):
    page = as_user("manager").get(f"/contacts/{olena.pk}/")
    analyst = as_user("analyst").get(f"/contacts/{olena.pk}/")

    assert '<article id="complaints">' in page.text
    assert f'href="/complaints/{complaint.pk}/"' in page.text
    assert f'href="/complaints/new/?contact={olena.pk}"' in page.text
    assert f'href="/complaints/{complaint.pk}/"' in analyst.text
    assert "/complaints/new/" not in analyst.text


def test_the_navigation_links_the_complaints(as_user):
    assert 'href="/complaints/"' in as_user("analyst").get("/").text


def test_the_export_holds_the_filtered_visible_rows(as_user, users, olena, complaint, cause):
    services.complaint_resolve(
        actor=users["manager"], complaint=complaint, root_cause=cause.pk, resolution="Refund"
    )
    response = as_user("manager").get("/complaints/export/csv/", {"status": "resolved"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "registered", "customer id", "customer"]
    assert [(r[0], r[rows[0].index("root cause")]) for r in rows[1:]] == [
        (str(complaint.pk), "Transfer late")
    ]
    empty = as_user("manager2").get("/complaints/export/csv/")
    assert (
        len(list(csv.reader(io.StringIO(b"".join(empty.streaming_content).decode("utf-8-sig")))))
        == 1
    )


def test_the_administrator_edits_the_set_up(as_user):
    client = as_user("admin")
    page = client.get("/service/settings/")
    client.post("/service/settings/categories/", {"name": "Hotel", "is_active": "on"})
    client.post("/service/settings/causes/", {"name": "Supplier", "is_active": "on"})
    supplier = RootCause.objects.get(name="Supplier")
    client.post("/service/settings/causes/", {"name": "Overbooked", "parent": supplier.pk,
                                             "is_active": "on"})  # fmt: skip
    client.post("/service/settings/holidays/", {"date": "2026-12-24", "holiday_name": "Eve",
                                               "every_year": "on"})  # fmt: skip
    policies = {}
    for severity in ("low", "normal", "high", "critical"):
        policies |= {
            f"sla-{severity}-first_response_hours": "1.5",
            f"sla-{severity}-resolution_hours": "10",
            f"sla-{severity}-warning_percent": "75",
        }
    policies["sla-critical-business_hours_only"] = ""
    saved = client.post("/service/settings/sla/", policies)
    week = {f"day-{d}-is_open": "on" for d in range(6)}
    week |= {f"day-{d}-opens": "08:00" for d in range(6)} | {"day-5-closes": "13:00"}
    hours = client.post("/service/settings/hours/", week)

    assert page.status_code == 200
    assert saved.status_code == 302
    assert hours.status_code == 302
    assert ComplaintCategory.objects.get().name == "Hotel"
    assert RootCause.objects.get(name="Overbooked").parent == supplier
    assert Holiday.objects.get().every_year is True
    assert list(SlaPolicy.objects.order_by("severity").values_list(
        "severity", "first_response_minutes", "resolution_minutes", "warning_percent"
    )) == [("critical", 90, 600, 75), ("high", 90, 600, 75), ("low", 90, 600, 75),
           ("normal", 90, 600, 75)]  # fmt: skip
    assert [(h.weekday, h.window) for h in BusinessHours.objects.all()] == [
        (0, (480, 1440)), (1, (480, 1440)), (2, (480, 1440)), (3, (480, 1440)),
        (4, (480, 1440)), (5, (480, 780)),
    ]  # fmt: skip


def test_the_set_up_refuses_bad_values_and_other_roles(as_user):
    client = as_user("admin")
    closed_week = client.post("/service/settings/hours/", {})
    backwards = client.post(
        "/service/settings/hours/", {"day-0-is_open": "on", "day-0-opens": "18:00",
                                      "day-0-closes": "09:00"}
    )  # fmt: skip
    too_deep = RootCause.objects.create(name="Supplier")
    child = RootCause.objects.create(name="Hotel", parent=too_deep)
    deep = client.post("/service/settings/causes/", {"name": "Room", "parent": child.pk})

    assert closed_week.status_code == 422
    assert "Keep at least one day open: SLA deadlines count open hours." in closed_week.text
    assert "The business must open before it closes." in backwards.text
    assert BusinessHours.objects.count() == 5
    assert deep.status_code == 422
    assert f"Select a valid choice. {child.pk} is not one of the available choices." in deep.text
    assert as_user("agent").get("/service/settings/").status_code == 200
    assert as_user("agent").post("/service/settings/categories/", {"name": "X"}).status_code == 403
    assert ComplaintCategory.objects.count() == 0


def test_the_root_cause_report_page_and_csv(as_user, users, olena, cause):
    for text in ("Late", "Very late"):
        complaint = services.complaint_register(
            actor=users["agent"], contact=olena, description=text
        )
        services.complaint_resolve(
            actor=users["agent"], complaint=complaint, root_cause=cause.pk, resolution="Refund"
        )
    services.complaint_register(actor=users["agent"], contact=olena, description="Open one")
    client = as_user("manager")

    page = client.get("/complaints/root-causes/")
    csv_text = client.get("/complaints/root-causes.csv").content.decode("utf-8-sig")

    assert page.status_code == 200
    assert 'id="root-causes-data"' in page.text
    assert "3 complaints, 2 with a root cause" in page.text
    assert f"root_cause={cause.pk}" in page.text
    assert "a positive trend means" in page.text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[1][:3] == [str(cause.pk), "Transfer late", "2"]
    assert rows[2][:3] == ["", "(no root cause yet)", "1"]
    assert as_user("manager2").get("/complaints/root-causes/").context["figures"]["complaints"] == 0


def test_the_order_picker_lists_the_viewers_orders(as_user, users, olena):
    order = make_order(users["manager"], olena)
    mine = as_user("manager").get("/orders/options/", {"q": f"#{order.pk}", "format": "listbox"})
    theirs = as_user("manager2").get("/orders/options/", {"q": f"#{order.pk}"})

    assert f'data-value="{order.pk}"' in mine.text
    assert f'data-value="{order.pk}"' not in theirs.text


def test_timeline_events_read_in_the_readers_words(complaint):
    event = Interaction.objects.get(kind="complaint.registered")
    assert event.text == f"Complaint #{complaint.pk} registered, Normal"
