"""Every trigger, driven the way the app makes its events (orders, leads, deals, lists,
analytics rows, complaints, the API) and its dates (scans at a chosen day), with the test
clock: what starts a run, what does not, and that a second pass starts nothing again."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from rapport.analytics.models import CustomerMetrics
from rapport.analytics.writers import record_segment_history
from rapport.automation.intake import run_intake
from rapport.automation.models import Event, Run
from rapport.automation.scans import scan
from rapport.catalog.models import Product
from rapport.contacts.models import Contact, LifeEvent
from rapport.sales.services import order_create, order_set_status
from rapport.sales.services.leads import lead_capture
from rapport.sales.services.pipeline import deal_create, deal_move_stage
from rapport.segments import services as segments
from rapport.service import timeline_kinds as service_kinds
from rapport.service.models import RootCause
from rapport.service.services.complaints import complaint_register, complaint_resolve
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction
from tests.api.conftest import API, bearer_client, make_contact
from tests.automation.conftest import live_scenario
from tests.campaigns.conftest import person
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")  # the site's zone
TAG = [{"type": "tag_add", "tag": "started"}]


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VILNIUS)


def started(scenario) -> dict[int, str]:
    """contact → occasion of the scenario's runs."""
    return dict(Run.objects.filter(scenario=scenario).values_list("contact_id", "occasion"))


def order(contact, at, **extra):
    return order_create(actor=None, contact=contact, currency="EUR", order_date=at, **extra)


# --- events from the app ----------------------------------------------------------------


def test_order_placed_paid_and_cancelled(marketer, clock):
    placed = live_scenario(marketer, {"type": "order_placed"}, TAG, name="Placed")
    paid = live_scenario(marketer, {"type": "order_paid"}, TAG, name="Paid")
    cancelled = live_scenario(marketer, {"type": "order_cancelled"}, TAG, name="Cancelled")
    payer, canceller = person("a@example.com"), person("b@example.com")
    first = order(payer, clock(), total="100.00")
    second = order(canceller, clock(), total="80.00")
    run_intake(clock())
    assert set(started(placed)) == {payer.pk, canceller.pk}
    assert started(paid) == started(cancelled) == {}

    order_set_status(actor=marketer, order=first, status="paid")
    order_set_status(actor=marketer, order=second, status="cancelled")
    result = run_intake(clock())

    assert set(started(paid)) == {payer.pk}
    assert set(started(cancelled)) == {canceller.pk}
    assert (result.copied, result.processed, result.started) == (2, 2, 2)
    assert run_intake(clock()).as_dict() == {
        "copied": 0,
        "processed": 0,
        "started": 0,
        "held_out": 0,
        "refused": {},
    }


def test_a_lead_for_a_known_person_starts_a_run(marketer, users, clock):
    scenario = live_scenario(marketer, {"type": "lead_created"}, TAG)
    known = make_contact(users["manager"], email="known@example.com")
    lead_capture(data={"first_name": "Olena", "email": "known@example.com", "message": "Crete?"})
    lead_capture(data={"first_name": "New", "email": "new@example.com", "message": "Rome?"})
    run_intake(clock())
    # a stranger's lead has no contact yet: nothing to run for until it is converted
    assert set(started(scenario)) == {known.pk}


def test_a_deal_moving_starts_runs_by_stage(marketer, users, clock):
    pipeline = make_pipeline()
    stages = {s.name: s for s in pipeline.stages.all()}
    any_move = live_scenario(marketer, {"type": "deal_stage_changed"}, TAG, name="Any")
    to_offer = live_scenario(
        marketer,
        {"type": "deal_stage_changed", "stage": stages["Offer sent"].pk},
        TAG,
        name="Offer",
    )
    in_pipeline = live_scenario(
        marketer,
        {"type": "deal_stage_changed", "pipeline": pipeline.pk, "stage": stages["Booking"].pk},
        TAG,
        name="Booking",
    )
    manager = users["manager"]
    offered = person("a@example.com")
    offered.owner = manager
    offered.save()
    booked = person("b@example.com")
    booked.owner = manager
    booked.save()
    deals = {
        c.pk: deal_create(
            actor=manager, data={"title": "Crete", "contact": c.pk, "amount": "900.00"}
        )
        for c in (offered, booked)
    }
    deal_move_stage(actor=manager, deal=deals[offered.pk], stage=stages["Offer sent"])
    deal_move_stage(actor=manager, deal=deals[booked.pk], stage=stages["Booking"])
    run_intake(clock())

    assert set(started(any_move)) == {offered.pk, booked.pk}
    assert set(started(to_offer)) == {offered.pk}
    assert set(started(in_pipeline)) == {booked.pk}


def test_entering_and_leaving_a_static_list(marketer, clock):
    segment = segments.segment_create(actor=marketer, data={"name": "VIP", "kind": "static"})
    entered = live_scenario(
        marketer, {"type": "segment_entered", "segment": segment.pk}, TAG, name="In"
    )
    left = live_scenario(marketer, {"type": "segment_left", "segment": segment.pk}, TAG, name="Out")
    olena, jonas = person("a@example.com"), person("b@example.com")
    segments.members_add(actor=marketer, segment=segment, contact_ids=[olena.pk, jonas.pk])
    run_intake(clock())
    assert set(started(entered)) == {olena.pk, jonas.pk}
    assert started(left) == {}

    segments.member_remove(actor=marketer, segment=segment, contact=jonas)
    run_intake(clock())
    assert set(started(left)) == {jonas.pk}
    assert Event.objects.filter(source="segment").count() == 3


def test_entering_a_dynamic_segment_on_its_refresh(marketer, clock):
    segment = segments.segment_create(
        actor=marketer,
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )
    scenario = live_scenario(marketer, {"type": "segment_entered", "segment": segment.pk}, TAG)
    here, there = person("a@example.com"), person("b@example.com")
    Contact.objects.filter(pk=here.pk).update(city="Vilnius")
    segments.segment_refresh(segment=segment, now=clock())
    run_intake(clock())
    assert set(started(scenario)) == {here.pk}
    assert there.pk not in started(scenario)


def test_an_rfm_segment_change_as_the_analytics_refresh_records_it(marketer, clock):
    # switched on before the night's refresh: its changes are dated the day it is as of
    since = clock() - dt.timedelta(days=1)
    to_risk = live_scenario(
        marketer, {"type": "rfm_segment_changed", "to": "at_risk"}, TAG, since=since
    )
    anything = live_scenario(
        marketer, {"type": "rfm_segment_changed"}, TAG, name="Any", since=since
    )
    a, b = person("a@example.com"), person("b@example.com")
    today = clock().astimezone(VILNIUS).date()
    frame = pl.DataFrame({"contact_id": [a.pk, b.pk], "rfm_segment": ["champions", "loyal"]})
    record_segment_history(frame, today - dt.timedelta(days=40))  # long ago: no event
    record_segment_history(
        pl.DataFrame({"contact_id": [a.pk, b.pk], "rfm_segment": ["at_risk", "loyal"]}), today
    )
    run_intake(clock())
    assert set(started(to_risk)) == set(started(anything)) == {a.pk}
    event = Event.objects.get(source="rfm")
    assert (event.contact_id, event.properties) == (a.pk, {"to": "at_risk", "from": "champions"})


def test_a_life_event_recorded(marketer, clock):
    births = live_scenario(marketer, {"type": "life_event", "kind": "child_born"}, TAG)
    any_kind = live_scenario(marketer, {"type": "life_event"}, TAG, name="Any")
    a, b = person("a@example.com"), person("b@example.com")
    LifeEvent.objects.create(contact=a, kind="child_born", date=dt.date(2026, 11, 30))
    LifeEvent.objects.create(contact=b, kind="moved", date=dt.date(2026, 11, 1))
    run_intake(clock())
    assert set(started(births)) == {a.pk}
    assert set(started(any_kind)) == {a.pk, b.pk}


def test_a_complaint_resolved(marketer, users, clock):
    scenario = live_scenario(marketer, {"type": "complaint_resolved"}, TAG)
    agent = users["agent"]
    olena = person("a@example.com")
    complaint = complaint_register(actor=agent, contact=olena, description="No sea view.")
    run_intake(clock())
    assert started(scenario) == {}
    complaint_resolve(
        actor=agent,
        complaint=complaint,
        root_cause=RootCause.objects.create(name="Hotel").pk,
        resolution="Moved to a sea-view room.",
    )
    run_intake(clock())
    assert set(started(scenario)) == {olena.pk}


def _answered(contact, score: int) -> None:
    """A survey answer as the service writes it on the timeline."""
    timeline.record(
        contact=contact,
        channel=Channel.COMPLAINT,
        direction=Direction.INBOUND,
        kind=service_kinds.SURVEY_ANSWERED,
        params={"complaint": 1, "survey": contact.pk, "score": score},
    )


def test_a_survey_answer_by_its_score(marketer, clock):
    unhappy = live_scenario(marketer, {"type": "survey_answered", "score_below": 3}, TAG, name="Lo")
    happy = live_scenario(
        marketer, {"type": "survey_answered", "score_at_least": 4}, TAG, name="Hi"
    )
    every = live_scenario(marketer, {"type": "survey_answered"}, TAG, name="All")
    scores = {1: person("a@example.com"), 3: person("b@example.com"), 5: person("c@example.com")}
    for score, contact in scores.items():
        _answered(contact, score)
    run_intake(clock())
    assert set(started(unhappy)) == {scores[1].pk}
    assert set(started(happy)) == {scores[5].pk}
    assert set(started(every)) == {c.pk for c in scores.values()}


def test_a_custom_event_posted_to_the_api(users, clock):
    scenario = live_scenario(users["marketer"], {"type": "custom_event", "name": "visa_ready"}, TAG)
    olena = person("a@example.com")
    api = bearer_client(users["admin"])
    for name in ("visa_ready", "visa_refused"):
        answer = api.post(
            f"{API}/events",
            {"contact": olena.pk, "name": name, "properties": {"country": "US"}},
            content_type="application/json",
        )
        assert answer.status_code == 201
    bad = api.post(
        f"{API}/events", {"contact": olena.pk, "name": "  "}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["name"]
    run_intake(clock())
    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.event.name, run.event.properties) == (
        olena.pk,
        "custom.visa_ready",
        {"country": "US"},
    )


def test_the_trigger_filter_is_a_segment_rule_asked_when_the_run_would_start(marketer, clock):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed", "filter": {"field": "city", "op": "eq", "value": "Vilnius"}},
        TAG,
    )
    here, there = person("a@example.com"), person("b@example.com")
    Contact.objects.filter(pk=here.pk).update(city="Vilnius")
    order(here, clock(), total="10.00")
    order(there, clock(), total="10.00")
    result = run_intake(clock())
    assert set(started(scenario)) == {here.pk}
    assert (result.started, dict(result.refused)) == (1, {"filter": 1})


# --- dates reached: scans ---------------------------------------------------------------


def trip(departure: dt.date, days: int = 7) -> Product:
    return Product.objects.create(
        name="Crete",
        sku=f"CRE-{departure.isoformat()}",
        price=Decimal("700.00"),
        currency="EUR",
        departure_date=departure,
        return_date=departure + dt.timedelta(days=days),
    )


def book(contact, product: Product, at: dt.datetime):
    line = {"product": product.pk, "quantity": 1, "unit_price": "700.00"}
    return order(contact, at, lines=[line])


def test_a_trip_that_ended_n_days_ago_fires_once_per_order(marketer):
    now = local("2026-07-20T09:00")
    scenario = live_scenario(marketer, {"type": "trip_returned", "days_after": 2}, TAG, since=now)
    back = person("a@example.com")
    away = person("b@example.com")
    ended = book(back, trip(dt.date(2026, 7, 11)), now - dt.timedelta(days=30))  # back on the 18th
    book(away, trip(dt.date(2026, 7, 15)), now - dt.timedelta(days=30))  # back on the 22nd
    scan(now)
    assert started(scenario) == {back.pk: f"trip_return:{ended.pk}"}
    assert Run.objects.get(scenario=scenario).context == {"order": ended.pk}
    scan(now + dt.timedelta(hours=6))
    scan(now + dt.timedelta(days=1))  # still within the catch-up days: the same occasion
    assert Run.objects.filter(scenario=scenario).count() == 1


def test_a_trip_departing_in_n_days(marketer):
    now = local("2026-07-20T09:00")
    scenario = live_scenario(marketer, {"type": "trip_departing", "days_before": 5}, TAG, since=now)
    soon, later = person("a@example.com"), person("b@example.com")
    soon_order = book(soon, trip(dt.date(2026, 7, 25)), now - dt.timedelta(days=60))
    book(later, trip(dt.date(2026, 7, 26)), now - dt.timedelta(days=60))
    scan(now)
    assert started(scenario) == {soon.pk: f"trip_departure:{soon_order.pk}"}
    scan(now + dt.timedelta(days=1))
    assert set(started(scenario)) == {soon.pk, later.pk}


def metrics(contact, *, as_of: dt.date, recency: int, churn: float | None = None) -> None:
    """A customer metrics row as the analytics refresh writes it."""
    last = as_of - dt.timedelta(days=recency)
    CustomerMetrics.objects.create(
        contact=contact,
        as_of=as_of,
        computed_at=dt.datetime.combine(as_of, dt.time(3), tzinfo=VILNIUS),
        currency="EUR",
        orders=2,
        first_purchase=last - dt.timedelta(days=300),
        last_purchase=last,
        recency_days=recency,
        frequency=1,
        T_days=recency + 300,
        total_revenue=Decimal("1400.00"),
        monetary=Decimal("700.00"),
        churn_risk=churn,
    )


def test_churn_risk_above_a_threshold(marketer):
    now = local("2026-09-01T09:00")
    scenario = live_scenario(
        marketer, {"type": "churn_risk_above", "threshold": 0.7}, TAG, since=now
    )
    risky, safe, unknown = (person(f"{n}@example.com") for n in "abc")
    as_of = now.date()
    metrics(risky, as_of=as_of, recency=200, churn=0.82)
    metrics(safe, as_of=as_of, recency=20, churn=0.1)
    metrics(unknown, as_of=as_of, recency=20)
    scan(now)
    assert started(scenario) == {risky.pk: "churn:2026-09-01"}
    assert Run.objects.get(scenario=scenario).context == {"churn_risk": 0.82}


def test_no_purchase_for_n_days_counts_from_the_metrics_day(marketer):
    now = local("2026-09-03T09:00")
    scenario = live_scenario(marketer, {"type": "no_purchase", "days": 180}, TAG, since=now)
    lapsed, recent, long_gone = (person(f"{n}@example.com") for n in "abc")
    as_of = dt.date(2026, 9, 1)  # the last refresh: two days ago
    metrics(lapsed, as_of=as_of, recency=178)  # 180 days by today
    metrics(recent, as_of=as_of, recency=100)
    metrics(long_gone, as_of=as_of, recency=400)  # lapsed long before: not news today
    scan(now)
    assert started(scenario) == {lapsed.pk: "lapsed:2026-03-07"}
    scan(now + dt.timedelta(days=1))
    assert Run.objects.filter(scenario=scenario).count() == 1


def born(email: str, day: dt.date):
    contact = person(email)
    Contact.objects.filter(pk=contact.pk).update(birth_date=day)
    return contact


def test_a_birthday_n_days_ahead_across_the_new_year(marketer):
    now = local("2026-12-30T09:00")
    scenario = live_scenario(marketer, {"type": "birthday", "days_before": 3}, TAG, since=now)
    january = born("a@example.com", dt.date(1990, 1, 2))
    born("b@example.com", dt.date(1990, 1, 3))
    born("c@example.com", dt.date(1990, 12, 30))
    scan(now)
    assert started(scenario) == {january.pk: "birthday:2027"}
    assert Run.objects.get(scenario=scenario).context == {"date": "2027-01-02"}
    scan(now + dt.timedelta(hours=8))
    assert Run.objects.filter(scenario=scenario).count() == 1


def test_the_scan_day_is_the_business_day_not_utcs(marketer):
    # 23:30 UTC on the 29th is already the 30th in Vilnius
    now = dt.datetime(2026, 12, 29, 23, 30, tzinfo=dt.UTC)
    scenario = live_scenario(marketer, {"type": "birthday", "days_before": 0}, TAG, since=now)
    thirtieth = born("a@example.com", dt.date(1990, 12, 30))
    born("b@example.com", dt.date(1990, 12, 29))
    scan(now)
    assert set(started(scenario)) == {thirtieth.pk}


def test_29_february_is_celebrated_on_the_28th_in_a_common_year(marketer):
    scenario = live_scenario(
        marketer, {"type": "birthday", "days_before": 0}, TAG, since=local("2027-01-01T00:00")
    )
    leap = born("a@example.com", dt.date(1992, 2, 29))
    ordinary = born("b@example.com", dt.date(1990, 2, 28))
    scan(local("2027-02-27T09:00"))
    assert started(scenario) == {}
    scan(local("2027-02-28T09:00"))
    assert started(scenario) == {leap.pk: "birthday:2027", ordinary.pk: "birthday:2027"}


def test_29_february_in_a_leap_year_after_the_last_run_ended(marketer):
    scenario = live_scenario(
        marketer, {"type": "birthday", "days_before": 0}, TAG, since=local("2027-01-01T00:00")
    )
    leap = born("a@example.com", dt.date(1992, 2, 29))
    ordinary = born("b@example.com", dt.date(1990, 2, 28))
    scan(local("2028-02-28T09:00"))
    assert started(scenario) == {ordinary.pk: "birthday:2028"}
    scan(local("2028-02-29T09:00"))
    assert started(scenario) == {ordinary.pk: "birthday:2028", leap.pk: "birthday:2028"}


def test_a_custom_date_field_n_days_ahead(marketer):
    now = local("2026-05-03T09:00")
    scenario = live_scenario(
        marketer,
        {"type": "date_ahead", "field": "custom.passport_expires", "days_before": 7},
        TAG,
        since=now,
    )
    expiring, later = person("a@example.com"), person("b@example.com")
    Contact.objects.filter(pk=expiring.pk).update(custom={"passport_expires": "2026-05-10"})
    Contact.objects.filter(pk=later.pk).update(custom={"passport_expires": "2026-05-11"})
    scan(now)
    assert started(scenario) == {expiring.pk: "date:passport_expires:2026-05-10"}


def test_a_life_event_date_n_days_ahead_yearly_or_once(marketer):
    now = local("2026-06-13T09:00")
    yearly = live_scenario(
        marketer,
        {"type": "date_ahead", "field": "life_event.anniversary", "days_before": 7},
        TAG,
        since=now,
        name="Anniversary",
    )
    once = live_scenario(
        marketer,
        {"type": "date_ahead", "field": "life_event.retirement", "days_before": 7},
        TAG,
        since=now,
        name="Retirement",
    )
    married, retiring, retired_long_ago = (person(f"{n}@example.com") for n in "abc")
    wedding = LifeEvent.objects.create(
        contact=married, kind="anniversary", date=dt.date(2015, 6, 20), recurring=True
    )
    LifeEvent.objects.create(contact=retiring, kind="retirement", date=dt.date(2026, 6, 20))
    LifeEvent.objects.create(contact=retired_long_ago, kind="retirement", date=dt.date(2016, 6, 20))
    scan(now)
    assert started(yearly) == {married.pk: f"life:{wedding.pk}:2026"}
    assert set(started(once)) == {retiring.pk}
