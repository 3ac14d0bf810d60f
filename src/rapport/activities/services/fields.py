"""Putting a request's fields onto an activity (new or planned), each checked: what (kind,
subject, notes, duration), who (customer, deal, complaint and an assignee who may work with
that customer) and when (due time, zone, recurrence rule, and where a series starts), with
every fault named by its field. The services in `activities` call `apply_fields`.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities import recurrence
from rapport.activities.models import ACTIVITY_OWNERS, Activity, ActivityKind
from rapport.activities.services.cleaning import (
    clean_due,
    clean_duration,
    clean_reminders,
    clean_rule,
    clean_zone,
    past_reminders,
)
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions, visibility
from rapport.core.dates import time_zones
from rapport.core.params import parse_id
from rapport.core.text import clean_text
from rapport.sales.selectors import deals_for
from rapport.service.selectors import complaints_for


def user_zone_name(user: Any) -> str:
    """The zone a user plans in: their own, else the site's."""
    name = getattr(user, "time_zone", "") or ""
    return name if name in time_zones() else settings.TIME_ZONE


def may(actor: Any, action: visibility.Action, activity: Activity) -> bool:
    """Whether `actor` may `action` the activity (its assignee, customer's owner, complaint's)."""
    return visibility.can(actor, action, activity, owner_field=ACTIVITY_OWNERS)


def error_messages(exc: ValidationError) -> list[str]:
    """A ValidationError's messages, to file under a field."""
    return list(exc.messages)


def text_field(data: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    """The cleaned text of `data[name]` ("" and a message under `name` if it is refused)."""
    try:
        return clean_text(data.get(name, ""), max_length=limit, multiline=name != "subject")
    except ValidationError as exc:
        errors[name] = error_messages(exc)
        return ""


def chosen_in[M: Model](queryset: QuerySet[M], raw: Any) -> M | None:
    """The record `raw` (an id, or a record) names within `queryset`; None if it is not there."""
    pk = parse_id(getattr(raw, "pk", raw))
    return queryset.filter(pk=pk).first() if pk else None


def _pick[M: Model](
    queryset: QuerySet[M], raw: Any, field: str, message: str, errors: dict[str, list[str]]
) -> M | None:
    """`chosen_in`, with `message` under `field` when something was asked for but not found."""
    if raw in (None, ""):
        return None
    found = chosen_in(queryset, raw)
    if found is None:
        errors[field] = [message]
    return found


def apply_fields(
    actor: Any, activity: Activity, data: dict[str, Any], now: dt.datetime
) -> list[int] | None:
    """Put `data` onto `activity` (new or planned), checking every field; return the
    reminders to keep (None: unchanged). Raises ValidationError naming each field at fault."""
    errors: dict[str, list[str]] = {}
    creating = activity.pk is None
    before = (activity.due_at, activity.time_zone, activity.recurrence)
    _apply_what(activity, data, errors, creating)
    _apply_who(actor, activity, data, errors, creating)
    _apply_when(actor, activity, data, errors, creating, before)
    reminders: list[int] | None = None
    if "reminders" in data or creating:
        try:
            reminders = clean_reminders(data.get("reminders"))
        except ValidationError as exc:
            errors["reminders"] = error_messages(exc)
        else:
            zone = ZoneInfo(activity.time_zone) if activity.time_zone in time_zones() else None
            timing_ok = not {"due_at", "time_zone"} & set(errors)
            if not activity.recurrence and zone is not None and timing_ok:
                # Only reminders being added are checked: an overdue call keeps the ones it had.
                kept = (
                    set()
                    if creating
                    else set(activity.reminders.values_list("minutes_before", flat=True))
                )
                new = [m for m in reminders if m not in kept]
                past = past_reminders(new, activity.due_at, zone, now)
                if past:
                    errors["reminders"] = past
    if errors:
        raise ValidationError(errors)
    if not may(actor, "view", activity):
        raise ValidationError(
            {
                "assignee": [
                    _("You would not see this activity afterwards; give it to yourself or "
                      "to someone on your team.")
                ]
            }
        )  # fmt: skip
    return reminders


def _apply_what(
    activity: Activity, data: dict[str, Any], errors: dict[str, list[str]], creating: bool
) -> None:
    if "kind" in data or creating:
        kind = data.get("kind") or ActivityKind.CALL
        if kind not in ActivityKind.values:
            errors["kind"] = [_("Choose from: %(c)s.") % {"c": ", ".join(ActivityKind.values)}]
        else:
            activity.kind = kind
    if "subject" in data or creating:
        activity.subject = text_field(data, "subject", 200, errors)
        if not activity.subject and "subject" not in errors:
            errors["subject"] = [_("Say what is to be done, like “Call about the offer”.")]
    if "notes" in data:
        activity.notes = text_field(data, "notes", 10000, errors)
    if "outcome" in data:
        errors["outcome"] = [_("Record the outcome when you complete the activity.")]
    if "duration_minutes" in data:
        try:
            activity.duration_minutes = clean_duration(data["duration_minutes"])
        except ValidationError as exc:
            errors["duration_minutes"] = error_messages(exc)


def _apply_who(
    actor: Any,
    activity: Activity,
    data: dict[str, Any],
    errors: dict[str, list[str]],
    creating: bool,
) -> None:
    """The customer, the deal and the complaint (their customer is the activity's) and the
    assignee, who must be able to work with that customer."""
    if "contact" in data:
        activity.contact = _pick(
            contacts_for(actor), data["contact"], "contact",
            _("Choose a customer you can see."), errors,
        )  # fmt: skip
    if "deal" in data:
        activity.deal = _pick(
            deals_for(actor), data["deal"], "deal", _("Choose a deal you can see."), errors
        )
        if activity.deal is not None and activity.contact is None and "contact" not in errors:
            activity.contact = activity.deal.contact
    if "complaint" in data:
        activity.complaint = _pick(
            complaints_for(actor), data["complaint"], "complaint",
            _("Choose a complaint you can see."), errors,
        )  # fmt: skip
        if activity.complaint is not None and activity.contact is None and "contact" not in errors:
            activity.contact = activity.complaint.contact
    deal = activity.deal if activity.deal_id else None
    if deal is not None and activity.contact_id and deal.contact_id != activity.contact_id:
        errors["deal"] = [_("This deal is another customer's.")]
    complaint = activity.complaint if activity.complaint_id else None
    if (
        complaint is not None
        and activity.contact_id
        and complaint.contact_id != activity.contact_id
    ):
        errors["complaint"] = [_("This complaint is another customer's.")]
    if data.get("assignee") not in (None, ""):
        chosen = _pick(
            permissions.owners(), data["assignee"], "assignee",
            _("Choose an active user who can be given work."), errors,
        )  # fmt: skip
        if chosen is not None:
            activity.assignee = chosen
    elif "assignee" in data and not creating:
        errors["assignee"] = [_("An activity always has someone to do it.")]
    elif creating:
        if permissions.may_own(actor):
            activity.assignee = actor
        else:
            errors["assignee"] = [_("Choose who will do it.")]
    assignee: Any = activity.assignee if activity.assignee_id else None
    contact = activity.contact if activity.contact_id else None
    if assignee is not None and "assignee" not in errors:
        works = permissions.allows(assignee, "activities", "change") and (
            contact is None or visibility.can(assignee, "change", contact)
        )
        if not works:
            errors["assignee"] = [
                _("%(name)s cannot work with this customer; choose someone who can.")
                % {"name": assignee}
            ]


def _apply_when(
    actor: Any,
    activity: Activity,
    data: dict[str, Any],
    errors: dict[str, list[str]],
    creating: bool,
    before: tuple[Any, str, str],
) -> None:
    """Due time, zone and rule. A series whose timing changes moves on from its current
    occurrence to the new time: with its rule unchanged, what is left of it (the COUNT still
    to come, the same UNTIL), so done occurrences are not counted again; with a new rule, that
    rule from the new time. One whose timing is sent unchanged (an edit form) keeps its place."""
    if data.get("time_zone") not in (None, ""):
        try:
            activity.time_zone = clean_zone(data["time_zone"])
        except ValidationError as exc:
            errors["time_zone"] = error_messages(exc)
    elif creating or not activity.time_zone:
        assignee = activity.assignee if activity.assignee_id else None
        activity.time_zone = user_zone_name(assignee or actor)
    if "time_zone" in errors:
        return
    zone = ZoneInfo(activity.time_zone)
    if "due_at" in data or creating:
        try:
            activity.due_at = clean_due(data.get("due_at"), zone)
        except ValidationError as exc:
            errors["due_at"] = error_messages(exc)
            # Still say what is wrong with the rule (checked from now), so that one round
            # of corrections is enough.
            try:
                clean_rule(data.get("recurrence"), timezone.now().astimezone(zone))
            except ValidationError as rule_exc:
                errors["recurrence"] = error_messages(rule_exc)
            return
    if "recurrence" not in data and not creating and not {"due_at", "time_zone"} & set(data):
        return
    if "recurrence" in data:
        activity.recurrence = str(data["recurrence"] or "")
    start = activity.due_at.astimezone(zone)
    new_rule = creating or str(data.get("recurrence", before[2]) or "") != before[2]
    field = "recurrence" if new_rule else "due_at"
    try:
        activity.recurrence = clean_rule(activity.recurrence, start)
    except ValidationError as exc:
        # the series' own rule fails at the new time (past its UNTIL): the time is at fault
        errors[field] = error_messages(exc)
        return
    if creating or (activity.due_at, activity.time_zone, activity.recurrence) == before:
        if creating:
            anchor(activity, start)
        return
    if activity.recurrence and activity.recurrence == before[2]:
        # the same rule at another time: the rest of it, counted in the zone it ran in
        rest = rest_of_rule(activity, ZoneInfo(before[1]))
        try:
            activity.recurrence = clean_rule(rest, start)
        except ValidationError as exc:
            errors[field] = error_messages(exc)
            return
    anchor(activity, start)


def rest_of_rule(activity: Activity, zone: ZoneInfo) -> str:
    """The series' rule from its current occurrence on (a COUNT: what is left of it), its
    start and occurrence read as local times in `zone` (the zone the series ran in)."""
    assert activity.starts_at  # a series is anchored (activity_series_anchored)
    assert activity.occurrence_at
    return recurrence.from_occurrence(
        activity.recurrence,
        activity.starts_at.astimezone(zone),
        activity.occurrence_at.astimezone(zone),
    )


def anchor(activity: Activity, start: dt.datetime) -> None:
    """Start a series at its first occurrence (a rule may skip the time given: "every
    Tuesday" planned from a Monday first happens on the Tuesday); a one-off has no anchor."""
    if not activity.recurrence:
        activity.starts_at = activity.occurrence_at = None
        return
    first = recurrence.first(activity.recurrence, start)
    assert first is not None  # clean_rule refused rules that never happen
    activity.starts_at = activity.occurrence_at = activity.due_at = first.astimezone(dt.UTC)
