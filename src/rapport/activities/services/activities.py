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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities import recurrence
from rapport.activities import timeline_kinds as kinds
from rapport.activities.models import (
    Activity,
    ActivityKind,
    ActivityReminder,
    ActivityStatus,
)
from rapport.activities.services.cleaning import clean_due, clean_rule, clean_zone
from rapport.activities.services.fields import (
    anchor,
    apply_fields,
    chosen_in,
    error_messages,
    may,
    rest_of_rule,
    text_field,
)
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.core.text import clean_text
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


def local(moment: dt.datetime, activity: Activity) -> dt.datetime:
    """`moment` as wall-clock time in the activity's zone."""
    return moment.astimezone(ZoneInfo(activity.time_zone))


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
    contact = chosen_in(contacts_for(actor), data.get("contact"))
    if contact is not None and not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot plan work for this customer."))
    now = timezone.now()
    activity = Activity(created_by=actor if getattr(actor, "pk", None) else None)
    reminders = apply_fields(actor, activity, data, now)
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
    if not may(actor, "change", activity):
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
            setattr(activity, name, text_field(data, name, 10000, errors))
        if errors:
            raise ValidationError(errors)
        activity.save()
        return activity
    before = (activity.due_at, activity.time_zone, activity.recurrence)
    reminders = apply_fields(actor, activity, data, now)
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
        raise ValidationError({"outcome": error_messages(exc)}) from exc
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
                errors["time_zone"] = error_messages(exc)
    if not errors:
        try:
            activity.due_at = clean_due(due_at, ZoneInfo(zone_name))
        except ValidationError as exc:
            errors["due_at"] = error_messages(exc)
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
    rest = rest_of_rule(activity, ZoneInfo(activity.time_zone))
    start = local(activity.due_at, activity)
    try:
        activity.recurrence = clean_rule(rest, start)
    except ValidationError as exc:
        errors["due_at"] = error_messages(exc)
        return
    anchor(activity, start)


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    """Delete an activity (a series: its past occurrences stay, as one-off rows)."""
    if not may(actor, "delete", activity):
        raise PermissionError(_("You cannot delete this activity."))
    activity.delete()
