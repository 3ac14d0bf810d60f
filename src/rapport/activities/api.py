"""REST endpoints for activities: the list (the web list's filters), create, read, change,
delete, `POST activities/{id}/complete` with the outcome and an optional next step, and
`POST activities/{id}/move` (one occurrence of a series, or it and the following ones).

Visibility follows the role rule's "activities" kind (assignee or customer's owner); the
customer and deal are named only to a caller who may see them.
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.activities import selectors, services
from rapport.activities.filters import ACTIVITY_FILTERS
from rapport.activities.models import Activity
from rapport.core import visibility
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import (
    ConflictOut,
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    Page,
    Timestamp,
)
from rapport.core.errors import Conflict
from rapport.service import selectors as complaint_selectors

router = Router(tags=["activities"])

KindValue = Literal["call", "meeting", "task", "email"]
StatusValue = Literal["planned", "done", "cancelled"]
ActivitySort = Literal["due", "-due"]
ORDERINGS: dict[str, list[str]] = {"due": ["due_at", "id"], "-due": ["-due_at", "-id"]}
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}
# Big enough for any sensible value, small enough that the service's own message is what a
# caller reads (a number past a 64-bit integer is refused by the schema as not a number).
WIDE = 2**31 - 1


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    notes: str
    due_at: dt.datetime = Field(description="When it (a series: its next occurrence) is due.")
    time_zone: str = Field(description="IANA zone the activity's wall-clock time is kept in.")
    duration_minutes: int
    assignee: int
    contact: int | None = Field(description="Null also when you may not see the customer.")
    deal: int | None
    complaint: int | None = Field(
        description="The complaint it follows up (null also when you may not see it)."
    )
    recurrence: str = Field(description="RFC 5545 RRULE; empty for a one-off activity.")
    reminders: list[int] = Field(description="Minutes before `due_at`, largest first.")
    status: str
    outcome: str
    completed_at: dt.datetime | None
    overdue: bool
    series: int | None = Field(
        description="For a done or skipped occurrence of a recurring activity: the series."
    )
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CompletedOut(ActivityOut):
    next_occurrence: dt.datetime | None = Field(
        description="A series' next occurrence after this one (null: one-off, or the last)."
    )
    next_step: ActivityOut | None = Field(description="The next step planned with it.")


class ActivityPage(Page):
    items: list[ActivityOut]


class ActivityIn(InputSchema):
    kind: KindValue = "call"
    subject: str = Field(..., max_length=1000)
    notes: str = Field("", max_length=20000)
    due_at: Timestamp = Field(description="ISO 8601 with its UTC offset.")
    time_zone: str | None = Field(
        None, max_length=64, description="IANA name; default: the assignee's zone."
    )
    duration_minutes: int = Field(0, ge=-WIDE, le=WIDE)
    assignee: Id | None = Field(None, description="Default: you.")
    contact: Id | None = None
    deal: Id | None = Field(None, description="Its customer becomes the activity's.")
    complaint: Id | None = Field(
        None,
        description="The complaint it follows up: its customer becomes the activity's, and "
        "whoever handles the complaint may work the activity.",
    )
    recurrence: str = Field("", max_length=1000, description="An RRULE, e.g. FREQ=WEEKLY;COUNT=4")
    reminders: list[int] = Field([], max_length=20, description="Minutes before, e.g. [1440, 15].")


class ActivityPatch(InputSchema):
    kind: KindValue | None = None
    subject: str | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=20000)
    due_at: Timestamp | None = None
    time_zone: str | None = Field(None, max_length=64)
    duration_minutes: int | None = Field(None, ge=-WIDE, le=WIDE)
    assignee: Id | None = None
    contact: Id | None = None
    deal: Id | None = None
    complaint: Id | None = None
    recurrence: str | None = Field(None, max_length=1000)
    reminders: list[int] | None = Field(None, max_length=20)
    status: Literal["planned", "cancelled"] | None = Field(
        None,
        description="`cancelled` calls it off (a series: all of it); complete with "
        "`POST activities/{id}/complete`.",
    )
    outcome: str | None = Field(None, max_length=20000, description="Done activities only.")


class MoveIn(InputSchema):
    due_at: Timestamp = Field(description="The new time, ISO 8601 with its UTC offset.")
    scope: Literal["this", "following"] = Field(
        "this",
        description="For a recurring activity: `this` moves only its current occurrence (it "
        "keeps its place in the rule); `following` moves it and every later one (the rule "
        "starts again at `due_at`, keeping what is left of its COUNT, or its UNTIL). A one-off "
        "takes `this`.",
    )


class CompleteIn(InputSchema):
    outcome: str = Field("", max_length=20000)
    next_step: ActivityIn | None = Field(
        None,
        description="Plan the next step in the same go; customer, deal, type and assignee "
        "default to this activity's. Its errors are named `next_step.<field>`.",
    )


@ACTIVITY_FILTERS.query_params
class ActivityListParams(ListParams):
    sort: ActivitySort = "due"


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def activities_queryset(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with what their JSON needs (one query per relation for a page)."""
    return queryset.select_related("contact", "deal", "complaint__contact").prefetch_related(
        "reminders"
    )


def activity_json(activity: Activity, user: Any) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "subject": activity.subject,
        "notes": activity.notes,
        "due_at": activity.due_at,
        "time_zone": activity.time_zone,
        "duration_minutes": activity.duration_minutes,
        "assignee": activity.assignee_id,
        "contact": visibility.shown_id(user, activity.contact),
        "deal": visibility.shown_id(user, activity.deal),
        "complaint": visibility.shown_id(
            user, activity.complaint, owner_field=complaint_selectors.OWNER_FIELD
        ),
        "recurrence": activity.recurrence,
        "reminders": sorted((r.minutes_before for r in activity.reminders.all()), reverse=True),
        "status": activity.status,
        "outcome": activity.outcome,
        "completed_at": activity.completed_at,
        "overdue": activity.is_overdue,
        "series": activity.series_id,
        "created_by": activity.created_by_id,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }


def _read(pk: int, user: Any) -> dict[str, Any]:
    """An activity as stored, read unscoped: the caller gets the answer to what they wrote
    even when they gave it to someone they cannot follow."""
    return activity_json(activities_queryset(Activity.objects.all()).get(pk=pk), user)


def _activity_or_404(request: HttpRequest, activity_id: int) -> Activity:
    return get_object_or_404(selectors.activities_for(_user(request)), pk=activity_id)


@router.get("", response=ActivityPage, exclude_unset=True, url_name="activity_list")
def activity_list(request: HttpRequest, filters: Query[ActivityListParams]) -> dict[str, Any]:
    """Activities the caller may see, soonest due first (`sort=-due`: latest first)."""
    user = _user(request)
    activities = ACTIVITY_FILTERS.filter(
        selectors.activities_for(user), ACTIVITY_FILTERS.strict(request.GET), user
    )
    return page_of(
        activities_queryset(activities),
        ordering=ORDERINGS[filters.sort],
        params=filters,
        serialize=lambda activity: activity_json(activity, user),
    )


@router.post("", response={201: ActivityOut, **WRITE_ERRORS}, url_name="activity_create")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    """Plan a call, meeting, task or e-mail, one-off or recurring, with reminders."""
    user = _user(request)
    activity = services.activity_create(actor=user, data=payload.model_dump())
    return Status(201, _read(activity.pk, user))


@router.get(
    "/{int:activity_id}", response={200: ActivityOut, 404: ErrorOut}, url_name="activity_detail"
)
def activity_detail(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    user = _user(request)
    return activity_json(
        activities_queryset(selectors.activities_for(user)).get(
            pk=_activity_or_404(request, activity_id).pk
        ),
        user,
    )


@router.patch(
    "/{int:activity_id}", response={200: ActivityOut, **WRITE_ERRORS}, url_name="activity_update"
)
def activity_update(
    request: HttpRequest, activity_id: Id, payload: ActivityPatch
) -> dict[str, Any]:
    """Change the fields sent. A series whose time or zone changes moves on from its current
    occurrence to the new time (this and the following occurrences), keeping what is left of
    its rule: the COUNT still to come, or its UNTIL; done occurrences stay done. A new rule
    applies from the new time. To move only the current occurrence, use
    `POST activities/{id}/move` with `scope: this`. `status: cancelled` calls it off."""
    user = _user(request)
    activity = _activity_or_404(request, activity_id)
    data = payload.model_dump(exclude_unset=True)
    status = data.pop("status", None)
    for name in ("kind", "subject", "due_at", "duration_minutes", "recurrence", "reminders"):
        if name in data and data[name] is None:
            raise ValidationError({name: [_("Give a value (this field cannot be empty).")]})
    if data:
        activity = services.activity_update(actor=user, activity=activity, data=data)
    if status == "cancelled" and activity.status != "cancelled":
        activity = services.activity_cancel(actor=user, activity=activity)
    elif status == "planned" and activity.status != "planned":
        raise ValidationError(
            {"status": [_("A closed activity stays closed; plan a new one instead.")]}
        )
    elif status is not None and not data and not selectors.can(user, "change", activity):
        raise PermissionError(_("You cannot change this activity."))
    return _read(activity.pk, user)


@router.delete(
    "/{int:activity_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="activity_delete",
)
def activity_delete(request: HttpRequest, activity_id: Id) -> Status[None]:
    """Delete an activity (a series: its done occurrences stay, as one-off rows)."""
    services.activity_delete(actor=_user(request), activity=_activity_or_404(request, activity_id))
    return Status(204, None)


@router.post(
    "/{int:activity_id}/complete",
    response={200: CompletedOut, **WRITE_ERRORS},
    url_name="activity_complete",
)
def activity_complete(request: HttpRequest, activity_id: Id, payload: CompleteIn) -> dict[str, Any]:
    """Mark it done with its outcome (on the customer's timeline), and plan the next step in
    the same go. For a recurring activity this completes its current occurrence: the answer
    is that occurrence (`series` names the series) and `next_occurrence` when the series is
    due next. A second completion of the same occurrence is a 409."""
    user = _user(request)
    completion = services.activity_complete(
        actor=user,
        activity=_activity_or_404(request, activity_id),
        outcome=payload.outcome,
        next_step=(payload.next_step.model_dump(exclude_unset=True) if payload.next_step else None),
    )
    body = _read(completion.done.pk, user)
    body["next_occurrence"] = completion.series.due_at if completion.series else None
    body["next_step"] = _read(completion.next_step.pk, user) if completion.next_step else None
    return body


@router.post(
    "/{int:activity_id}/move", response={200: ActivityOut, **WRITE_ERRORS}, url_name="activity_move"
)
def activity_move(request: HttpRequest, activity_id: Id, payload: MoveIn) -> dict[str, Any]:
    """Move it to `due_at`: a recurring activity's current occurrence only (`scope: this`,
    the default) or it and every following one (`scope: following`), as the calendar's drag
    and the activity page do. The answer is the activity (a series: the series, due at its
    moved occurrence). A done or cancelled one is a 409."""
    user = _user(request)
    try:
        moved = services.activity_reschedule(
            actor=user,
            activity=_activity_or_404(request, activity_id),
            due_at=payload.due_at,
            following=payload.scope == "following",
        )
    except ValidationError as exc:
        if isinstance(exc, Conflict) or not hasattr(exc, "error_dict"):
            raise
        # the service calls the choice "following"; here it is the `scope` sent
        raise ValidationError(
            {("scope" if name == "following" else name): messages
             for name, messages in exc.message_dict.items()}
        ) from exc  # fmt: skip
    return _read(moved.pk, user)
