"""Every write to activities: plan one, change it, complete it (recording its outcome on the
timeline and planning the next step in the same go), cancel, reschedule and delete.

Who may act: the role rule's "activities" kind, over the activity's assignee, its
customer's owner and the assignee of the complaint it follows up (models.ACTIVITY_OWNERS).
Whom it may be assigned to: someone who may work with that customer (change the contact)
and work activities at all.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities import recurrence
from rapport.activities import timeline_kinds as kinds
from rapport.activities.models import (
    ACTIVITY_OWNERS,
    Activity,
    ActivityKind,
    ActivityReminder,
    ActivityStatus,
)
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
from rapport.core.errors import Conflict
from rapport.core.params import parse_id
from rapport.core.text import clean_text
from rapport.sales.selectors import deals_for
from rapport.service.selectors import complaints_for
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

# What each kind of activity is on the customer's timeline once done.
CHANNELS = {
    ActivityKind.CALL: Channel.PHONE,
    ActivityKind.MEETING: Channel.MEETING,
    ActivityKind.EMAIL: Channel.EMAIL,
    ActivityKind.TASK: Channel.NOTE,
}
# Fields a done or cancelled activity still lets one correct.
CLOSED_EDITABLE = frozenset({"notes", "outcome"})


@dataclass(frozen=True)
class Completion:
    """What completing did: the occurrence now done (for a one-off, the activity itself),
    the series moved on to its next occurrence (None for a one-off or a finished series),
    and the next step planned in the same go."""

    done: Activity
    series: Activity | None
    next_step: Activity | None


def user_zone_name(user: Any) -> str:
    """The zone a user plans in: their own, else the site's."""
    name = getattr(user, "time_zone", "") or ""
    return name if name in time_zones() else settings.TIME_ZONE


def local(moment: dt.datetime, activity: Activity) -> dt.datetime:
    """`moment` as wall-clock time in the activity's zone."""
    return moment.astimezone(ZoneInfo(activity.time_zone))


def _may(actor: Any, action: visibility.Action, activity: Activity) -> bool:
    return visibility.can(actor, action, activity, owner_field=ACTIVITY_OWNERS)


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _text(data: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    try:
        return clean_text(data.get(name, ""), max_length=limit, multiline=name != "subject")
    except ValidationError as exc:
        errors[name] = _messages(exc)
        return ""


def _chosen[M: Model](queryset: QuerySet[M], raw: Any) -> M | None:
    """The record `raw` (an id, or a record) names within `queryset`; None if it is not there."""
    pk = parse_id(getattr(raw, "pk", raw))
    return queryset.filter(pk=pk).first() if pk else None


def _pick[M: Model](
    queryset: QuerySet[M], raw: Any, field: str, message: str, errors: dict[str, list[str]]
) -> M | None:
    """`_chosen`, with `message` under `field` when something was asked for but not found."""
    if raw in (None, ""):
        return None
    found = _chosen(queryset, raw)
    if found is None:
        errors[field] = [message]
    return found


def _apply(
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
            errors["reminders"] = _messages(exc)
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
    if not _may(actor, "view", activity):
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
        activity.subject = _text(data, "subject", 200, errors)
        if not activity.subject and "subject" not in errors:
            errors["subject"] = [_("Say what is to be done, like “Call about the offer”.")]
    if "notes" in data:
        activity.notes = _text(data, "notes", 10000, errors)
    if "outcome" in data:
        errors["outcome"] = [_("Record the outcome when you complete the activity.")]
    if "duration_minutes" in data:
        try:
            activity.duration_minutes = clean_duration(data["duration_minutes"])
        except ValidationError as exc:
            errors["duration_minutes"] = _messages(exc)


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
    """Due time, zone and rule. A series whose timing changes starts again from the new
    time; one whose timing is sent unchanged (an edit form) keeps its place."""
    if data.get("time_zone") not in (None, ""):
        try:
            activity.time_zone = clean_zone(data["time_zone"])
        except ValidationError as exc:
            errors["time_zone"] = _messages(exc)
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
            errors["due_at"] = _messages(exc)
            # Still say what is wrong with the rule (checked from now), so that one round
            # of corrections is enough.
            try:
                clean_rule(data.get("recurrence"), timezone.now().astimezone(zone))
            except ValidationError as rule_exc:
                errors["recurrence"] = _messages(rule_exc)
            return
    if "recurrence" not in data and not creating and not {"due_at", "time_zone"} & set(data):
        return
    if "recurrence" in data:
        activity.recurrence = str(data["recurrence"] or "")
    start = activity.due_at.astimezone(zone)
    try:
        activity.recurrence = clean_rule(activity.recurrence, start)
    except ValidationError as exc:
        errors["recurrence"] = _messages(exc)
        return
    if creating or (activity.due_at, activity.time_zone, activity.recurrence) != before:
        _anchor(activity, start)


def _anchor(activity: Activity, start: dt.datetime) -> None:
    """Start a series at its first occurrence (a rule may skip the time given: "every
    Tuesday" planned from a Monday first happens on the Tuesday); a one-off has no anchor."""
    if not activity.recurrence:
        activity.starts_at = activity.occurrence_at = None
        return
    first = recurrence.first(activity.recurrence, start)
    assert first is not None  # clean_rule refused rules that never happen
    activity.starts_at = activity.occurrence_at = activity.due_at = first.astimezone(dt.UTC)


def _set_reminders(activity: Activity, minutes: list[int] | None, now: dt.datetime) -> None:
    """Keep the reminders given (new ones count from now); with `None`, keep them as they are."""
    if minutes is None:
        return
    ActivityReminder.objects.filter(activity=activity).exclude(minutes_before__in=minutes).delete()
    kept = set(
        ActivityReminder.objects.filter(activity=activity).values_list("minutes_before", flat=True)
    )
    ActivityReminder.objects.bulk_create(
        ActivityReminder(activity=activity, minutes_before=m, active_from=now)
        for m in minutes
        if m not in kept
    )


def _moved(activity: Activity, now: dt.datetime) -> None:
    """The activity is due at another time: reminders count from now, so one whose time the
    move put in the past is skipped rather than delivered late."""
    ActivityReminder.objects.filter(activity=activity).update(active_from=now)


@transaction.atomic
def activity_create(*, actor: Any, data: dict[str, Any]) -> Activity:
    """Plan an activity. `data`: kind, subject, notes, due_at (aware, or a wall-clock time in
    `time_zone`), time_zone (default: the assignee's), duration_minutes, assignee (default:
    the actor), contact, deal and complaint (their customer becomes the contact; the
    complaint's handler then works the activity too), recurrence (an RRULE),
    reminders (minutes before)."""
    if not visibility.can_create(actor, "activities"):
        raise PermissionError(_("Your role cannot plan activities."))
    contact = _chosen(contacts_for(actor), data.get("contact"))
    if contact is not None and not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot plan work for this customer."))
    now = timezone.now()
    activity = Activity(created_by=actor if getattr(actor, "pk", None) else None)
    reminders = _apply(actor, activity, data, now)
    activity.save()
    _set_reminders(activity, reminders, now)
    return activity


def _locked(activity: Activity) -> Activity:
    """The activity re-read under a row lock: two people completing the same occurrence do
    it once (the second sees it done)."""
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("contact", "deal", "assignee", "complaint")
        .get(pk=activity.pk)
    )


def _writable(actor: Any, activity: Activity) -> Activity:
    if not _may(actor, "change", activity):
        raise PermissionError(_("You cannot change this activity."))
    return _locked(activity)


def _planned(activity: Activity) -> None:
    if activity.status != ActivityStatus.PLANNED:
        raise Conflict(
            _("This activity is already %(status)s.")
            % {"status": ActivityStatus(activity.status).label.lower()},
            field="status",
        )


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, data: dict[str, Any]) -> Activity:
    """Change the fields in `data` (the keys of `activity_create`). Changing a series' time,
    zone or rule starts it again from the new time. A done or cancelled activity keeps its
    details: only its notes and outcome can be corrected."""
    activity = _writable(actor, activity)
    now = timezone.now()
    if activity.status != ActivityStatus.PLANNED:
        closed = {
            name: [_("A closed activity keeps this; plan a new one instead.")]
            for name in data
            if name not in CLOSED_EDITABLE
        }
        if closed:
            raise ValidationError(closed)
        errors: dict[str, list[str]] = {}
        for name in CLOSED_EDITABLE & set(data):
            setattr(activity, name, _text(data, name, 10000, errors))
        if errors:
            raise ValidationError(errors)
        activity.save()
        return activity
    before = (activity.due_at, activity.time_zone, activity.recurrence)
    reminders = _apply(actor, activity, data, now)
    activity.save()
    if (activity.due_at, activity.time_zone, activity.recurrence) != before:
        _moved(activity, now)
    _set_reminders(activity, reminders, now)
    return activity


def _split(activity: Activity, status: str, outcome: str, now: dt.datetime) -> Activity:
    """The series' current occurrence as a row of its own, closed with `status`."""
    return Activity.objects.create(
        kind=activity.kind,
        subject=activity.subject,
        notes=activity.notes,
        due_at=activity.due_at,
        time_zone=activity.time_zone,
        duration_minutes=activity.duration_minutes,
        assignee=activity.assignee,
        contact=activity.contact,
        deal=activity.deal,
        complaint=activity.complaint,
        occurrence_at=activity.occurrence_at,
        series=activity,
        status=status,
        outcome=outcome,
        completed_at=now,
        created_by=activity.created_by,
    )


def _advance(activity: Activity, status: str, outcome: str, now: dt.datetime) -> Activity | None:
    """Close the current occurrence: a series with occurrences left splits it off and moves
    on (returning the occurrence's row); otherwise the activity itself is closed (None)."""
    following = None
    if activity.recurrence and activity.starts_at and activity.occurrence_at:
        following = recurrence.next_after(
            activity.recurrence,
            local(activity.starts_at, activity),
            local(activity.occurrence_at, activity),
        )
    if following is None:
        activity.status, activity.outcome, activity.completed_at = status, outcome, now
        activity.save()
        return None
    occurrence = _split(activity, status, outcome, now)
    activity.due_at = activity.occurrence_at = following.astimezone(dt.UTC)
    activity.save()
    return occurrence


@transaction.atomic
def activity_complete(
    *,
    actor: Any,
    activity: Activity,
    outcome: str = "",
    next_step: dict[str, Any] | None = None,
) -> Completion:
    """Mark the activity (a series: its current occurrence) done with its outcome, put it on
    the customer's timeline, and plan `next_step` (the keys of `activity_create`; customer,
    deal, complaint, type and assignee default to this activity's) in the same transaction:
    if the next step is invalid nothing is completed, and its errors are named
    `next_step.<field>`."""
    activity = _writable(actor, activity)
    _planned(activity)
    try:
        outcome = clean_text(outcome, max_length=10000, multiline=True)
    except ValidationError as exc:
        raise ValidationError({"outcome": _messages(exc)}) from exc
    now = timezone.now()
    occurrence = _advance(activity, ActivityStatus.DONE, outcome, now)
    done = occurrence or activity
    if done.contact_id:
        timeline.record(
            contact=done.contact_id,
            channel=CHANNELS[ActivityKind(done.kind)],
            direction=Direction.INTERNAL if done.kind == ActivityKind.TASK else Direction.OUTBOUND,
            occurred_at=now,
            actor=actor,
            kind=kinds.ACTIVITY_COMPLETED,
            params={"activity": done.pk, "kind": done.kind, "subject": done.subject},
            body=outcome,
            duration_seconds=done.duration_minutes * 60 if done.duration_minutes else None,
            source=done,
        )
    planned = None
    if next_step is not None:
        step = {
            "kind": done.kind,
            "contact": done.contact_id,
            "deal": done.deal_id,
            "complaint": done.complaint_id,
            "assignee": done.assignee_id,
            **next_step,
        }
        try:
            planned = activity_create(actor=actor, data=step)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise ValidationError(
                {f"next_step.{field}" if field else "next_step": messages
                 for field, messages in errors.items()}
            ) from exc  # fmt: skip
    return Completion(done=done, series=activity if occurrence else None, next_step=planned)


@transaction.atomic
def activity_cancel(*, actor: Any, activity: Activity, occurrence_only: bool = False) -> Activity:
    """Call the activity off. For a series, `occurrence_only` skips just its current
    occurrence (kept as a cancelled row) and moves on; otherwise the whole series stops."""
    activity = _writable(actor, activity)
    _planned(activity)
    now = timezone.now()
    if occurrence_only:
        _advance(activity, ActivityStatus.CANCELLED, "", now)
    else:
        activity.status, activity.completed_at = ActivityStatus.CANCELLED, now
        activity.save()
    return activity


@transaction.atomic
def activity_reschedule(
    *,
    actor: Any,
    activity: Activity,
    due_at: Any,
    time_zone: str | None = None,
    following: bool = False,
) -> Activity:
    """Move the activity (a series: only its current occurrence, which keeps its place in the
    rule) to `due_at`; reminders whose time the move puts in the past are skipped. With
    `following`, a series' current occurrence and every later one move: the rule starts
    again at `due_at` (its time of day, and its weekday where the rule names none), keeping
    how many occurrences are left (COUNT) or when it ends (UNTIL)."""
    activity = _writable(actor, activity)
    _planned(activity)
    errors: dict[str, list[str]] = {}
    zone_name = activity.time_zone
    if following and not activity.recurrence:
        errors["following"] = [_("Only a repeating activity has following occurrences.")]
    if time_zone not in (None, "", activity.time_zone):
        if activity.recurrence:
            errors["time_zone"] = [_("Change a series' time zone by editing the series.")]
        else:
            try:
                zone_name = clean_zone(time_zone)
            except ValidationError as exc:
                errors["time_zone"] = _messages(exc)
    if not errors:
        try:
            activity.due_at = clean_due(due_at, ZoneInfo(zone_name))
        except ValidationError as exc:
            errors["due_at"] = _messages(exc)
    if not errors and following:
        _restart_from(activity, errors)
    if errors:
        raise ValidationError(errors)
    activity.time_zone = zone_name
    now = timezone.now()
    activity.save()
    _moved(activity, now)
    return activity


def _restart_from(activity: Activity, errors: dict[str, list[str]]) -> None:
    """Start the series again at its new `due_at`, with the rest of its rule."""
    assert activity.starts_at  # a series is anchored (activity_series_anchored)
    assert activity.occurrence_at
    rest = recurrence.from_occurrence(
        activity.recurrence,
        local(activity.starts_at, activity),
        local(activity.occurrence_at, activity),
    )
    start = local(activity.due_at, activity)
    try:
        activity.recurrence = clean_rule(rest, start)
    except ValidationError as exc:
        errors["due_at"] = _messages(exc)
        return
    _anchor(activity, start)


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    """Delete an activity (a series: its past occurrences stay, as one-off rows)."""
    if not _may(actor, "delete", activity):
        raise PermissionError(_("You cannot delete this activity."))
    activity.delete()
