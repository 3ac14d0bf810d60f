"""What each kind of step does for one run. An action runs inside the runner's transaction
(with the run's row locked and its `RunStep` row written beside it), so a database effect
happens exactly once per run × step; it returns an `Outcome` that says where the run goes.

Steps that call outside the database (a webhook) do their call in `prepare`, outside the
transaction, and record the answer in the action (see runner.py)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.automation import flow
from rapport.automation.models import Run, RunStep
from rapport.campaigns import content, eligibility, quiet
from rapport.campaigns.promo import promo_code_grant
from rapport.campaigns.services import language_of, message_enqueue
from rapport.contacts import zones
from rapport.contacts.models import Contact, Tag
from rapport.segments.models import Segment
from rapport.segments.rules import RuleError
from rapport.segments.selectors import parse_rule, rule_filter
from rapport.segments.services import members_enter
from rapport.service.services.surveys import survey_create, survey_mark_sent, survey_url


@dataclass
class Outcome:
    """Where the run goes after a step: on (`branch` names the condition's choice), to wait
    until `until`, or out (`exit`)."""

    result: str = RunStep.Outcome.DONE
    detail: dict[str, Any] = field(default_factory=dict)
    branch: str = ""
    until: dt.datetime | None = None
    exit: str = ""


def contact_zone(contact: Contact) -> ZoneInfo:
    """The zone a contact lives in (contacts.zones)."""
    return zones.contact_zone(contact.custom)


# --- wait ------------------------------------------------------------------------------


def order_of(run: Run) -> int | None:
    """The order a run is about: the one named in its context (scans put it there), else
    the one of its triggering event; None when it is about no order."""
    order = run.context.get("order")
    if order is None and run.event is not None:
        order = run.event.properties.get("order")
    return order if isinstance(order, int) and not isinstance(order, bool) else None


def _trip_dates(run: Run) -> tuple[dt.date | None, dt.date | None]:
    """Departure and return of the trip the run is about: the order of its triggering event,
    or the order named in its context (scans put it there)."""
    from rapport.sales.models import OrderLine

    order = order_of(run)
    if order is None:
        return None, None
    dates = (
        OrderLine.objects.filter(order_id=order, product__departure_date__isnull=False)
        .order_by("product__departure_date")
        .values_list("product__departure_date", "product__return_date")
        .first()
    )
    return (dates[0], dates[1]) if dates else (None, None)


def _next_birthday(birth: dt.date, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        try:
            day = birth.replace(year=year)
        except ValueError:  # 29 February in a common year: the 28th
            day = dt.date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable")


def wait_until(run: Run, step: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    """When a wait step that begins at `now` ends (None: the date it waits for is unknown)."""
    zone = contact_zone(run.contact)
    until = now + dt.timedelta(
        days=step.get("days") or 0, hours=step.get("hours") or 0, minutes=step.get("minutes") or 0
    )
    anchor = step.get("until")
    if anchor:
        today = now.astimezone(zone).date()
        if anchor == "birthday":
            day = _next_birthday(run.contact.birth_date, today) if run.contact.birth_date else None
        else:
            departure, back = _trip_dates(run)
            day = departure if anchor == "trip_departure" else back
        if day is None:
            return None
        day += dt.timedelta(days=step.get("offset_days") or 0)
        until = max(until, dt.datetime.combine(day, dt.time(), tzinfo=zone))
    if step.get("at_time"):
        hour, minute = map(int, step["at_time"].split(":"))
        local = until.astimezone(zone)
        target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target < local:
            target += relativedelta(days=1)
        # a wall-clock time that a DST change skips or repeats: resolved by ZoneInfo's fold=0
        until = target.replace(tzinfo=zone)
    return until


def wait(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    until = wait_until(run, step, now)
    if until is None:
        return Outcome(RunStep.Outcome.SKIPPED, {"reason": "no_date"})
    return Outcome(until=until, detail={"until": until.isoformat()})


# --- condition --------------------------------------------------------------------------


def condition(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    try:
        rule = rule_filter(parse_rule(step["rule"]), user=None, now=now)
    except RuleError as exc:  # a segment it names was deleted since publishing
        return Outcome(
            RunStep.Outcome.FAILED, {"reason": "rule_broken", "path": exc.path}, exit="rule_broken"
        )
    matched = Contact.objects.filter(pk=run.contact_id).filter(rule).exists()
    branch = "then" if matched else "else"
    return Outcome(branch=branch, detail={"branch": branch})


# --- send -------------------------------------------------------------------------------


def template_context(run: Run) -> dict[str, str]:
    """What a scenario's template may say: the recipient, their manager, their last trip
    and next-best offer, and what earlier steps made (promo code, survey link)."""
    from rapport.analytics.models import CustomerMetrics
    from rapport.sales.models import OrderLine

    contact = run.contact
    values = content.person_context(contact)
    owner = contact.owner
    values["manager_name"] = (owner.get_full_name() or owner.username) if owner else ""
    last = (
        OrderLine.objects.filter(order__contact_id=contact.pk, product__isnull=False)
        .order_by("-order__order_date", "-id")
        .values_list("product__name", flat=True)
        .first()
    )
    values["last_trip"] = last or ""
    offer = (
        CustomerMetrics.objects.filter(contact_id=contact.pk, next_best_offer__isnull=False)
        .values_list("next_best_offer__name", flat=True)
        .first()
    )
    values["next_best_offer"] = offer or ""
    for key in ("promo_code", "promo_value", "promo_valid_to", "survey_url"):
        values[key] = str(run.context.get(key, ""))
    return values


def _channel(contact: Contact, step: dict[str, Any], purpose: str) -> str:
    """The step's channel, or its fallback when the first has no address or no consent."""
    channel = step["channel"]
    fallback = step.get("fallback_channel")
    if not fallback:
        return str(channel)
    usable = eligibility.address_of(contact, channel) and eligibility.consent_granted(
        contact.pk, channel, purpose
    )
    return str(channel if usable else fallback)


def send(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    contact = run.contact
    purpose = step.get("purpose") or "marketing"
    channel = _channel(contact, step, purpose)
    templates = step["templates"]
    language = language_of(contact)
    template = next((t for t in templates if t.get("language") == language), templates[0])
    context = template_context(run)
    span = quiet.window(step.get("quiet_hours"))
    held = quiet.held_until(now, contact_zone(contact), span) if span else None
    message = message_enqueue(
        source=f"scenario:{run.scenario_id}:{run.pk}",
        contact=contact,
        channel=channel,
        purpose=purpose,
        subject=template.get("subject") or "",
        body_text=template["body_text"],
        body_html=template.get("body_html") or "",
        step=run.sequence,
        context=context,
        not_before=held,
    )
    detail: dict[str, Any] = {"message": message.pk, "channel": channel}
    if held:
        detail["held_until"] = held.isoformat()
    if "survey_url" in template["body_text"] + (template.get("body_html") or ""):
        _survey_on_its_way(run, channel, purpose)
    return Outcome(detail=detail)


def _survey_on_its_way(run: Run, channel: str, purpose: str) -> None:
    """The survey an earlier step made is linked to in this message: note it sent (on the
    survey and the timeline) when the message may go out, as far as can be told now."""
    from rapport.service.models import Survey

    survey = Survey.objects.filter(pk=run.context.get("survey"), answered_at__isnull=True).first()
    address = eligibility.address_of(run.contact, channel)
    if survey and address and eligibility.consent_granted(run.contact_id, channel, purpose):
        survey_mark_sent(survey=survey, sent_to=address, channel=channel)


# --- actions on the contact -------------------------------------------------------------


def task(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    from rapport.activities.models import Activity, ActivityKind

    contact = run.contact
    # the contact's owner; when they left (deactivated), whoever made the scenario
    assignee = next(
        (u for u in (contact.owner, run.scenario.created_by) if u is not None and u.is_active),
        None,
    )
    if assignee is None:
        return Outcome(RunStep.Outcome.SKIPPED, {"reason": "no_assignee"})
    activity = Activity.objects.create(
        kind=step.get("kind") or ActivityKind.CALL,
        subject=step["subject"][:200],
        notes=(step.get("notes") or "")
        + ("\n\n" if step.get("notes") else "")
        + _("Planned by the scenario “%(name)s”.") % {"name": run.scenario.name},
        due_at=now + dt.timedelta(hours=step.get("due_in_hours") or 0),
        time_zone=getattr(assignee, "time_zone", "") or settings.TIME_ZONE,
        assignee=assignee,
        contact=contact,
    )
    return Outcome(detail={"activity": activity.pk, "assignee": assignee.pk})


def tag_add(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    tag, _created = Tag.objects.get_or_create(name=step["tag"].strip()[:60])
    run.contact.tags.add(tag)
    return Outcome(detail={"tag": tag.name})


def tag_remove(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    tag = Tag.objects.filter(name=step["tag"].strip()[:60]).first()
    if tag is not None:
        run.contact.tags.remove(tag)
    return Outcome(detail={"tag": step["tag"]})


def list_add(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    segment = Segment.objects.filter(pk=step["segment"]).first()
    if segment is None or segment.is_dynamic:
        return Outcome(
            RunStep.Outcome.FAILED, {"reason": "segment_missing", "segment": step["segment"]}
        )
    members_enter(segment=segment, contact_ids=[run.contact_id], now=now)
    return Outcome(detail={"segment": segment.pk, "segment_name": segment.name})


def promo(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    valid_to = now + dt.timedelta(days=step["valid_days"]) if step.get("valid_days") else None
    try:
        code = promo_code_grant(
            contact=run.contact_id,
            discount=step["discount"],
            value=Decimal(str(step["value"])),
            currency=step.get("currency") or "",
            valid_to=valid_to,
            prefix=step.get("prefix") or "",
        )
    except ValidationError as exc:
        return Outcome(RunStep.Outcome.FAILED, {"reason": "promo_invalid", "error": exc.messages})
    value = (
        f"{code.value.normalize():f}%"
        if code.discount == "percent"
        else f"{code.value} {code.currency}"
    )
    run.context.update(
        promo_code=code.code,
        promo_value=value,
        promo_valid_to=valid_to.astimezone(contact_zone(run.contact)).date().isoformat()
        if valid_to
        else "",
    )
    return Outcome(detail={"promo_code": code.pk, "code": code.code})


def survey(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    """Make the contact's survey of the step's kind, about the run's order (a trip's
    feedback needs one) or else the contact, and keep its link for the steps that follow."""
    from rapport.sales.models import Order

    number = order_of(run)
    order = Order.objects.filter(pk=number, contact_id=run.contact_id).first() if number else None
    if step["kind"] == "trip_feedback" and order is None:
        return Outcome(RunStep.Outcome.SKIPPED, {"reason": "no_order"})
    try:
        made = survey_create(kind=step["kind"], contact=run.contact, subject=order)
    except ValidationError as exc:
        return Outcome(RunStep.Outcome.FAILED, {"reason": "survey_invalid", "error": exc.messages})
    run.context.update(survey=made.pk, survey_url=survey_url(made))
    return Outcome(detail={"survey": made.pk, "kind": made.kind})


def exit_(run: Run, step: dict[str, Any], now: dt.datetime) -> Outcome:
    return Outcome(detail={"reason": step.get("reason") or ""}, exit="exit_step")


ACTIONS: dict[str, Callable[[Run, dict[str, Any], dt.datetime], Outcome]] = {
    "wait": wait,
    "condition": condition,
    "send": send,
    "task": task,
    "tag_add": tag_add,
    "tag_remove": tag_remove,
    "list_add": list_add,
    "promo": promo,
    "survey": survey,
    "exit": exit_,
}


def next_position(run: Run, outcome: Outcome) -> str | None:
    steps = run.version.steps
    if outcome.branch:
        return flow.enter(steps, run.position, outcome.branch)
    return flow.following(steps, run.position)
