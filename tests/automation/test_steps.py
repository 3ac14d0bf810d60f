"""Every step kind through the runner, with the test clock: waits of each shape (a time of
day in the contact's zone across DST changes, until a birthday or a departure with an
offset), conditions, sends with a fallback channel, tasks and who gets them, tags, lists,
promo codes and exits — and what the run's log says each did."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rapport.activities.models import Activity
from rapport.automation.models import Run, RunStep, Scenario
from rapport.campaigns.models import Message, PromoCode
from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.sales.services import order_create
from rapport.segments import services as segments
from tests.automation.conftest import Clock, live_scenario, tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
UTC = dt.UTC
GIFT = "{{ promo_code }}: {{ promo_value }} until {{ promo_valid_to }}"


def local(text: str, zone: ZoneInfo = VILNIUS) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


def started_at(clock: Clock, actor, steps, **kwargs) -> Scenario:
    """A scenario on orders, switched on just before the clock's time."""
    return live_scenario(
        actor, {"type": "order_placed"}, steps, since=clock() - dt.timedelta(minutes=1), **kwargs
    )


def order(contact, clock: Clock, **extra):
    extra.setdefault("total", None if "lines" in extra else "100.00")
    return order_create(actor=None, contact=contact, currency="EUR", order_date=clock(), **extra)


def log(run: Run) -> list[tuple[str, str, str, dict]]:
    return list(run.log.order_by("id").values_list("position", "kind", "outcome", "detail"))


def living_in(contact: Contact, zone: str) -> Contact:
    Contact.objects.filter(pk=contact.pk).update(custom={"time_zone": zone})
    contact.refresh_from_db()
    return contact


# --- wait ------------------------------------------------------------------------------


def test_a_wait_of_days_and_hours_then_the_next_step(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    scenario = started_at(
        clock, marketer, [{"type": "wait", "days": 1, "hours": 2}, {"type": "tag_add", "tag": "x"}]
    )
    olena = person("a@example.com")
    order(olena, clock)
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert (run.waiting, run.due_at) == (True, local("2026-06-02T12:00"))
    clock.advance(days=1, hours=1, minutes=59)
    tick(clock)
    assert run.log.count() == 0
    clock.advance(minutes=1)
    tick(clock)
    run.refresh_from_db()
    assert run.status == "done"
    assert [(p, k, o) for p, k, o, _d in log(run)] == [
        ("0", "wait", "done"),
        ("1", "tag_add", "done"),
    ]
    assert log(run)[0][3] == {"waited_until": local("2026-06-02T12:00").astimezone(UTC).isoformat()}


@pytest.mark.parametrize(
    ("start", "at_time", "due"),
    [
        # the night clocks go forward (29 March 2026, 03:00 → 04:00): 10:00 is 07:00 UTC
        ("2026-03-28T12:00", "10:00", dt.datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        # 03:30 does not exist that night: the wall clock reads 04:30 then
        ("2026-03-29T01:00", "03:30", dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # the night clocks go back (25 October 2026, 04:00 → 03:00): 03:30 happens twice,
        # the first one counts
        ("2026-10-25T01:00", "03:30", dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-24T12:00", "10:00", dt.datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
        # a time still to come today: today
        ("2026-06-01T08:00", "09:15", dt.datetime(2026, 6, 1, 6, 15, tzinfo=UTC)),
    ],
)
def test_a_wait_until_a_time_of_day_in_the_contacts_zone_across_dst(marketer, start, at_time, due):
    clock = Clock(local(start))
    scenario = started_at(
        clock, marketer, [{"type": "wait", "at_time": at_time}, {"type": "tag_add", "tag": "x"}]
    )
    olena = living_in(person("a@example.com"), "Europe/Vilnius")
    order(olena, clock)
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert run.due_at == due
    clock.now = due - dt.timedelta(seconds=1)
    tick(clock)
    assert run.log.count() == 0
    clock.now = due
    tick(clock)
    assert list(olena.tags.values_list("name", flat=True)) == ["x"]


def test_a_time_of_day_is_the_contacts_own_zone(marketer):
    clock = Clock(local("2026-06-01T12:00"))
    scenario = started_at(clock, marketer, [{"type": "wait", "at_time": "09:00"}])
    here = person("a@example.com")  # no zone of their own: the business's
    there = living_in(person("b@example.com"), "America/New_York")
    order(here, clock)
    order(there, clock)
    tick(clock)
    due = dict(Run.objects.filter(scenario=scenario).values_list("contact_id", "due_at"))
    assert due == {
        here.pk: local("2026-06-02T09:00"),
        there.pk: local("2026-06-01T09:00", ZoneInfo("America/New_York")),
    }


def test_a_wait_until_the_day_before_the_birthday_at_nine(marketer):
    clock = Clock(local("2026-04-01T10:00"))
    scenario = started_at(
        clock,
        marketer,
        [{"type": "wait", "until": "birthday", "offset_days": -1, "at_time": "09:00"}],
    )
    olena = person("a@example.com")
    Contact.objects.filter(pk=olena.pk).update(birth_date=dt.date(1990, 4, 10))
    nobody = person("b@example.com")  # no birthday known: the wait is skipped
    order(olena, clock)
    order(nobody, clock)
    tick(clock)
    runs = {r.contact_id: r for r in Run.objects.filter(scenario=scenario)}
    assert runs[olena.pk].due_at == local("2026-04-09T09:00")
    assert (runs[nobody.pk].status, log(runs[nobody.pk])) == (
        "done",
        [("0", "wait", "skipped", {"reason": "no_date"})],
    )


def test_a_birthday_past_this_year_waits_for_next_years(marketer):
    clock = Clock(local("2026-12-20T10:00"))
    scenario = started_at(clock, marketer, [{"type": "wait", "until": "birthday"}])
    olena = person("a@example.com")
    Contact.objects.filter(pk=olena.pk).update(birth_date=dt.date(1992, 2, 29))
    order(olena, clock)
    tick(clock)
    # 2027 has no 29 February: the 28th
    assert Run.objects.get(scenario=scenario).due_at == local("2027-02-28T00:00")


def test_a_wait_until_three_days_before_departure(marketer):
    clock = Clock(local("2026-04-01T10:00"))
    scenario = started_at(
        clock,
        marketer,
        [
            {"type": "wait", "until": "trip_departure", "offset_days": -3},
            {"type": "tag_add", "tag": "packing"},
        ],
    )
    crete = Product.objects.create(
        name="Crete",
        sku="CRE",
        price=Decimal("700.00"),
        currency="EUR",
        departure_date=dt.date(2026, 5, 1),
        return_date=dt.date(2026, 5, 8),
    )
    traveller, buyer = person("a@example.com"), person("b@example.com")
    order(traveller, clock, lines=[{"product": crete.pk, "quantity": 1, "unit_price": "700.00"}])
    order(buyer, clock)  # no trip on the order: nothing to wait for
    tick(clock)
    runs = {r.contact_id: r for r in Run.objects.filter(scenario=scenario)}
    assert runs[traveller.pk].due_at == local("2026-04-28T00:00")
    assert log(runs[buyer.pk])[0][2:] == ("skipped", {"reason": "no_date"})
    assert list(buyer.tags.values_list("name", flat=True)) == ["packing"]
    clock.now = local("2026-04-28T00:00")
    tick(clock)
    assert list(traveller.tags.values_list("name", flat=True)) == ["packing"]


# --- condition -------------------------------------------------------------------------


def test_a_condition_on_list_membership_takes_its_branch(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    vip = segments.segment_create(actor=marketer, data={"name": "VIP", "kind": "static"})
    scenario = started_at(
        clock,
        marketer,
        [
            {
                "type": "condition",
                "rule": {"field": "segment", "op": "eq", "value": vip.pk},
                "then": [{"type": "tag_add", "tag": "vip"}],
                "else": [],
            },
            {"type": "tag_add", "tag": "all"},
        ],
    )
    member, other = person("a@example.com"), person("b@example.com")
    segments.members_add(actor=marketer, segment=vip, contact_ids=[member.pk])
    order(member, clock)
    order(other, clock)
    tick(clock)
    runs = {r.contact_id: r for r in Run.objects.filter(scenario=scenario)}
    assert [d for _p, _k, _o, d in log(runs[member.pk])] == [
        {"branch": "then"},
        {"tag": "vip"},
        {"tag": "all"},
    ]
    assert [p for p, _k, _o, _d in log(runs[member.pk])] == ["0", "0.then.0", "1"]
    assert [p for p, _k, _o, _d in log(runs[other.pk])] == ["0", "1"]


# --- send ------------------------------------------------------------------------------


def test_a_send_falls_back_when_the_first_channel_has_no_consent(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    step = {
        "type": "send",
        "channel": "email",
        "fallback_channel": "sms",
        "templates": [{"language": "en", "subject": "Hi", "body_text": "Hello {{ first_name }}"}],
    }
    scenario = started_at(clock, marketer, [step])
    mailable = person("a@example.com", phone="+37060000001", consents=("email:marketing",))
    texter = person("b@example.com", phone="+37060000002", consents=("sms:marketing",))
    no_address = person("", phone="+37060000003", consents=("sms:marketing",))
    for contact in (mailable, texter, no_address):
        order(contact, clock)
    tick(clock)
    channels = dict(Message.objects.values_list("contact_id", "channel"))
    assert channels == {mailable.pk: "email", texter.pk: "sms", no_address.pk: "sms"}
    details = {r.contact_id: log(r)[0][3]["channel"] for r in Run.objects.filter(scenario=scenario)}
    assert details == channels


# --- task ------------------------------------------------------------------------------


def test_a_task_goes_to_the_owner_else_the_scenarios_author_else_it_is_skipped(marketer, users):
    """Every contact has an owner; one who left (deactivated) counts as none."""
    clock = Clock(local("2026-06-01T10:00"))
    step = {"type": "task", "subject": "Call about Crete", "kind": "call", "due_in_hours": 24}
    scenario = started_at(clock, marketer, [step, {"type": "tag_add", "tag": "after"}])
    owned = person("a@example.com")
    Contact.objects.filter(pk=owned.pk).update(owner=users["manager"])
    unowned = person("b@example.com")
    unowned.owner.is_active = False
    unowned.owner.save()
    order(owned, clock)
    order(unowned, clock)
    tick(clock)
    tasks = {
        a.contact_id: (a.assignee_id, a.subject, a.due_at)
        for a in Activity.objects.filter(contact__in=[owned, unowned])
    }
    due = clock() + dt.timedelta(hours=24)
    assert tasks == {
        owned.pk: (users["manager"].pk, "Call about Crete", due),
        unowned.pk: (marketer.pk, "Call about Crete", due),
    }
    assert Activity.objects.get(contact=owned).notes == "Planned by the scenario “Welcome”."

    Scenario.objects.filter(pk=scenario.pk).update(created_by=None)
    orphan = person("c@example.com")
    Contact.objects.filter(pk=orphan.pk).update(owner=unowned.owner)
    order(orphan, clock)
    tick(clock)
    run = Run.objects.get(scenario=scenario, contact=orphan)
    assert log(run)[0][2:] == ("skipped", {"reason": "no_assignee"})
    assert (run.status, list(orphan.tags.values_list("name", flat=True))) == ("done", ["after"])
    assert Activity.objects.filter(contact=orphan).count() == 0


# --- tags, lists, promo, exit ----------------------------------------------------------


def test_tags_are_added_and_removed(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    started_at(
        clock,
        marketer,
        [
            {"type": "tag_add", "tag": " new customer "},
            {"type": "tag_remove", "tag": "prospect"},
            {"type": "tag_remove", "tag": "never there"},
        ],
    )
    olena = person("a@example.com")
    from rapport.contacts.models import Tag

    olena.tags.add(Tag.objects.create(name="prospect"))
    order(olena, clock)
    tick(clock)
    assert list(olena.tags.values_list("name", flat=True)) == ["new customer"]


def test_adding_to_a_deleted_list_fails_that_step_and_the_run_goes_on(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    gone = segments.segment_create(actor=marketer, data={"name": "Old list", "kind": "static"})
    kept = segments.segment_create(actor=marketer, data={"name": "Kept", "kind": "static"})
    scenario = started_at(
        clock,
        marketer,
        [
            {"type": "list_add", "segment": gone.pk},
            {"type": "list_add", "segment": kept.pk},
            {"type": "tag_add", "tag": "after"},
        ],
    )
    gone_id = gone.pk
    segments.segment_delete(actor=marketer, segment=gone)
    olena = person("a@example.com")
    order(olena, clock)
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert run.status == "done"
    assert log(run) == [
        ("0", "list_add", "failed", {"reason": "segment_missing", "segment": gone_id}),
        ("1", "list_add", "done", {"segment": kept.pk, "segment_name": "Kept"}),
        ("2", "tag_add", "done", {"tag": "after"}),
    ]
    assert list(kept.members.values_list("contact_id", flat=True)) == [olena.pk]


def test_a_promo_code_made_for_the_contact_is_in_the_next_message(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    scenario = started_at(
        clock,
        marketer,
        [
            {"type": "promo", "discount": "percent", "value": 10, "valid_days": 30, "prefix": "HI"},
            {
                "type": "send",
                "channel": "email",
                "templates": [
                    {
                        "language": "en",
                        "subject": "A gift",
                        "body_text": GIFT,
                    }
                ],
            },
        ],
    )
    olena = person("a@example.com")
    order(olena, clock)
    tick(clock)
    code = PromoCode.objects.get(contact=olena)
    assert (code.discount, code.value, code.code.startswith("HI")) == ("percent", Decimal(10), True)
    message = Message.objects.get(contact=olena)
    assert message.body_text.startswith(f"{code.code}: 10% until 2026-07-01")
    run = Run.objects.get(scenario=scenario)
    assert log(run)[0][3] == {"promo_code": code.pk, "code": code.code}


def test_an_exit_step_ends_the_run_there(marketer):
    clock = Clock(local("2026-06-01T10:00"))
    scenario = started_at(
        clock, marketer, [{"type": "exit", "reason": "enough"}, {"type": "tag_add", "tag": "x"}]
    )
    olena = person("a@example.com")
    order(olena, clock)
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert (run.status, run.exit_reason, run.finished_at) == ("exited", "exit_step", clock())
    assert log(run) == [("0", "exit", "done", {"reason": "enough"})]
    assert olena.tags.count() == 0
    assert RunStep.objects.count() == 1
