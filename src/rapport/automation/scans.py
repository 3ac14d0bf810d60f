"""Date-reached triggers: each live scenario with a scan trigger asks one indexed query
which contacts its date has come for today (in the business's zone), and starts their runs
with an occasion key that makes each fire once (the birthday's year, the order, the day the
customer lapsed). A scan that was missed (workers down) catches up: trip and lapse scans
look back CATCH_UP days; birthdays and dates only fire on the day itself (a belated
greeting is not what the scenario says)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q

from rapport.automation import intake
from rapport.automation.models import Scenario, ScenarioVersion
from rapport.automation.triggers import TRIGGERS
from rapport.contacts.models import Contact, LifeEvent
from rapport.contacts.selectors import birthdays_between
from rapport.core.dates import zone_named

CATCH_UP = 7  # days a trip or lapse scan looks back for days it missed
LIMIT = 100_000  # contacts one scan starts at most per pass (the rest on the next)

Found = dict[int, tuple[str, int | None, dict[str, Any]]]


def _yearly(column: str, day: dt.date) -> Q:
    """The rows whose yearly date (`column`) comes round on `day`: on birth dates a range scan
    of the month-day index (contacts.birthdays_between)."""
    return birthdays_between(day, 0, column)


def _birthdays(day: dt.date) -> Iterable[tuple[int, str, dict[str, Any]]]:
    ids = Contact.objects.filter(_yearly("birth_date", day)).values_list("pk", flat=True)
    for pk in ids[:LIMIT]:
        yield pk, f"birthday:{day.year}", {"date": day.isoformat()}


def _dates(field: str, day: dt.date) -> Iterable[tuple[int, str, dict[str, Any]]]:
    if field == "birth_date":
        yield from _birthdays(day)
    elif field.startswith("life_event."):
        kind = field.removeprefix("life_event.")
        events = LifeEvent.objects.filter(kind=kind).filter(
            Q(recurring=True) & _yearly("date", day) | Q(recurring=False, date=day)
        )
        for pk, contact in events.values_list("pk", "contact_id")[:LIMIT]:
            yield contact, f"life:{pk}:{day.year}", {"life_event": pk, "date": day.isoformat()}
    elif field.startswith("custom."):
        key = field.removeprefix("custom.")
        contacts = Contact.objects.filter(**{f"custom__{key}": day.isoformat()})
        for pk in contacts.values_list("pk", flat=True)[:LIMIT]:
            yield pk, f"date:{key}:{day.isoformat()}", {"date": day.isoformat()}


def _trips(column: str, first: dt.date, last: dt.date) -> Iterable[tuple[int, str, dict[str, Any]]]:
    from rapport.sales.models import Order, OrderStatus

    orders = (
        Order.objects.filter(
            status__in=(OrderStatus.BOOKED, OrderStatus.PAID),
            lines__product__isnull=False,
            **{f"lines__product__{column}__gte": first, f"lines__product__{column}__lte": last},
        )
        .order_by("pk")
        .values_list("pk", "contact_id")
        .distinct()
    )
    tag = "trip_departure" if column == "departure_date" else "trip_return"
    for order, contact in orders[:LIMIT]:
        yield contact, f"{tag}:{order}", {"order": order}


def _lapsed(days: int, today: dt.date) -> Iterable[tuple[int, str, dict[str, Any]]]:
    """Customers whose last purchase (as the last analytics refresh saw it) is `days` days
    ago, or up to CATCH_UP days more (a missed day)."""
    from rapport.analytics.models import CustomerMetrics

    rows = CustomerMetrics.objects.filter(recency_days__gte=0).values_list(
        "contact_id", "as_of", "recency_days"
    )
    latest = CustomerMetrics.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    if latest is None:
        return
    gap = (today - latest).days
    low, high = days - gap, days - gap + CATCH_UP
    for contact, as_of, recency in rows.filter(
        as_of=latest, recency_days__gte=low, recency_days__lte=high
    )[:LIMIT]:
        last = as_of - dt.timedelta(days=recency)
        yield contact, f"lapsed:{last.isoformat()}", {"last_purchase": last.isoformat()}


def _churning(threshold: float) -> Iterable[tuple[int, str, dict[str, Any]]]:
    from rapport.analytics.models import CustomerMetrics

    rows = CustomerMetrics.objects.filter(churn_risk__gte=threshold).values_list(
        "contact_id", "as_of", "churn_risk"
    )
    for contact, as_of, risk in rows[:LIMIT]:
        yield contact, f"churn:{as_of.isoformat()}", {"churn_risk": round(risk or 0.0, 4)}


def candidates(trigger: dict[str, Any], today: dt.date) -> Found:
    kind = trigger["type"]
    if kind == "birthday":
        found = _birthdays(today + dt.timedelta(days=trigger["days_before"]))
    elif kind == "date_ahead":
        found = _dates(trigger["field"], today + dt.timedelta(days=trigger["days_before"]))
    elif kind == "trip_returned":
        day = today - dt.timedelta(days=trigger["days_after"])
        found = _trips("return_date", day - dt.timedelta(days=CATCH_UP), day)
    elif kind == "trip_departing":
        day = today + dt.timedelta(days=trigger["days_before"])
        found = _trips("departure_date", today, day)
    elif kind == "no_purchase":
        found = _lapsed(trigger["days"], today)
    elif kind == "churn_risk_above":
        found = _churning(float(trigger["threshold"]))
    else:
        return {}
    out: Found = {}
    for contact, occasion, context in found:
        out.setdefault(contact, (occasion, None, context))
    return out


def _new_occasions(scenario: Scenario, found: Found) -> Found:
    """Drop the contacts that had a run for this very occasion already (most of them, on
    every scan after the first of the day)."""
    from rapport.automation.models import Run

    if not found:
        return found
    had = set(
        Run.objects.filter(
            scenario=scenario,
            contact_id__in=list(found),
            occasion__in={occasion for occasion, _e, _c in found.values()},
        ).values_list("contact_id", "occasion")
    )
    return {c: v for c, v in found.items() if (c, v[0]) not in had}


def scan(now: dt.datetime, result: intake.Intake | None = None) -> intake.Intake:
    """Start the runs whose date has come, for every live scenario with a scan trigger."""
    result = result or intake.Intake()
    today = now.astimezone(zone_named(settings.TIME_ZONE)).date()
    for scenario, version in intake.live_versions():
        if TRIGGERS[version.trigger["type"]].family != "scan":
            continue
        scan_one(scenario, version, now, today, result)
    return result


def scan_one(
    scenario: Scenario,
    version: ScenarioVersion,
    now: dt.datetime,
    today: dt.date,
    result: intake.Intake,
) -> None:
    found = _new_occasions(scenario, candidates(version.trigger, today))
    ok, refused = intake.eligible(scenario, version, set(found), now)
    intake.tally(scenario, refused, now, result)
    intake.start(scenario, version, {c: found[c] for c in ok}, now, result)
