"""The SLA check: run every few minutes, it records first replies found on the timeline,
warns assignees before a deadline and, at a breach, marks the complaint and escalates to the
team lead (administrators when there is none). Idempotent: every warning and escalation is a
notification keyed by complaint, deadline and recipient, so running it twice (or on two
workers at once) tells everyone once."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from rapport.core import notifications
from rapport.core.models import Notification
from rapport.service import notices, selectors
from rapport.service.models import OPEN_STATUSES, Complaint
from rapport.timeline.models import Channel, Direction, Interaction

# Channels on which something outbound is a person answering the customer (not an order
# confirmation, a campaign message, an internal note or the complaint's own events).
REPLY_CHANNELS = [
    Channel.PHONE,
    Channel.EMAIL,
    Channel.SMS,
    Channel.MESSENGER,
    Channel.MEETING,
    Channel.VISIT,
    Channel.SOCIAL,
]
DEADLINES = (notices.FIRST_RESPONSE, notices.RESOLUTION)
KEY_BATCH = 900  # SQLite's limit on query parameters


@dataclass
class SlaCheck:
    """What one run did."""

    replies: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _key(complaint: Complaint, deadline: str, due: dt.datetime, what: str, user: Any) -> str:
    return f"complaint:{complaint.pk}:{deadline}:{_stamp(due)}:{what}:{user.pk}"


def _params(complaint: Complaint, deadline: str, due: dt.datetime) -> dict[str, Any]:
    return {
        "complaint": complaint.pk,
        "customer": complaint.contact.full_name,
        "deadline": deadline,
        "due": due.astimezone(dt.UTC).isoformat(),
        "assignee": str(complaint.assignee) if complaint.assignee else "",
    }


def note_first_replies(now: dt.datetime) -> int:
    """Record as first response the earliest reply logged on the customer's timeline after
    the complaint came in (a call back, an e-mail), for open complaints still waiting."""
    reply = (
        Interaction.objects.filter(
            contact_id=OuterRef("contact_id"),
            direction=Direction.OUTBOUND,
            channel__in=REPLY_CHANNELS,
            occurred_at__gte=OuterRef("created_at"),
            occurred_at__lte=now,
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    waiting = (
        Complaint.objects.filter(status__in=OPEN_STATUSES, first_responded_at__isnull=True)
        .annotate(reply_at=Subquery(reply))
        .filter(reply_at__isnull=False)
        .values_list("pk", "reply_at", "first_response_due")
    )
    rows = list(waiting)
    for pk, reply_at, due in rows:
        changes: dict[str, Any] = {"first_responded_at": reply_at}
        if due is not None and reply_at > due:
            changes["breached"] = True
        Complaint.objects.filter(pk=pk, first_responded_at__isnull=True).update(**changes)
    return len(rows)


def _pending(deadline: str) -> Q:
    if deadline == notices.FIRST_RESPONSE:
        return Q(status__in=OPEN_STATUSES, first_responded_at__isnull=True)
    return Q(status__in=OPEN_STATUSES)


@dataclass(frozen=True)
class _Message:
    user: Any
    kind: str
    complaint: Complaint
    deadline: str
    due: dt.datetime
    key: str


def _send(messages: list[_Message]) -> int:
    """Notify each message's user once: the keys already sent are read in bulk first, so a
    complaint that stays breached costs a lookup per run, not a failed insert."""
    keys = [message.key for message in messages]
    sent_before: set[str | None] = set()
    for start in range(0, len(keys), KEY_BATCH):
        sent_before.update(
            Notification.objects.filter(key__in=keys[start : start + KEY_BATCH]).values_list(
                "key", flat=True
            )
        )
    count = 0
    for message in messages:
        if message.key in sent_before:
            continue
        sent = notifications.notify(
            user=message.user,
            kind=message.kind,
            params=_params(message.complaint, message.deadline, message.due),
            url=reverse("service:complaint_detail", args=[message.complaint.pk]),
            key=message.key,
        )
        count += sent is not None
    return count


def _warn(now: dt.datetime, result: SlaCheck) -> None:
    messages = []
    for deadline in DEADLINES:
        due_field, warn_field = f"{deadline}_due", f"{deadline}_warn_at"
        approaching = (
            Complaint.objects.filter(_pending(deadline), assignee__isnull=False)
            .filter(**{f"{warn_field}__lte": now, f"{due_field}__gt": now})
            .select_related("contact", "assignee")
        )
        for complaint in approaching:
            due = getattr(complaint, due_field)
            key = _key(complaint, deadline, due, "warning", complaint.assignee)
            messages.append(
                _Message(complaint.assignee, notices.SLA_WARNING, complaint, deadline, due, key)
            )
    result.warnings += _send(messages)


def _escalate(now: dt.datetime, result: SlaCheck) -> None:
    admins = selectors.administrators()
    messages = []
    for deadline in DEADLINES:
        due_field = f"{deadline}_due"
        late = Complaint.objects.filter(_pending(deadline), **{f"{due_field}__lte": now})
        Complaint.objects.filter(pk__in=late.filter(breached=False).values("pk")).update(
            breached=True
        )
        for complaint in late.select_related("contact", "assignee__team__lead"):
            due = getattr(complaint, due_field)
            result.breaches += 1
            for user in selectors.escalation_targets(complaint, admins=admins):
                key = _key(complaint, deadline, due, "breach", user)
                messages.append(_Message(user, notices.SLA_BREACH, complaint, deadline, due, key))
    result.escalations += _send(messages)


def sla_check(now: dt.datetime | None = None) -> SlaCheck:
    """One pass of the SLA check at `now` (default: now)."""
    now = now or timezone.now()
    result = SlaCheck(replies=note_first_replies(now))
    _warn(now, result)
    _escalate(now, result)
    return result
