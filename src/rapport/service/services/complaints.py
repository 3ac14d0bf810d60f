"""Registering and working complaints: the workflow new → in progress → waiting for the
customer → resolved → closed (and reopened), each move a history row and a timeline event,
under deadlines from the severity's SLA policy."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.core import notifications, visibility
from rapport.core.audit import audit_record, diff
from rapport.core.errors import Conflict
from rapport.core.models import AuditEntry
from rapport.core.params import parse_id
from rapport.core.text import clean_text
from rapport.sales.models import Order
from rapport.service import notices, selectors, sla
from rapport.service import timeline_kinds as kinds
from rapport.service.models import (
    DONE_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ComplaintStatusChange,
    RootCause,
    Severity,
)
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction, Interaction

S = ComplaintStatus
# Where each status may go next. Resolving needs a root cause and a resolution; a resolved
# or closed complaint goes back to "in progress" only by being reopened.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.IN_PROGRESS, S.WAITING, S.RESOLVED),
    S.IN_PROGRESS: (S.WAITING, S.RESOLVED),
    S.WAITING: (S.IN_PROGRESS, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (S.IN_PROGRESS,),
}
DESCRIPTION_MAX = 10_000
RESOLUTION_MAX = 5_000
NOTE_MAX = 300

_UNSET: Any = object()


def _choose(value: Any, choices: Any, field: str, errors: dict[str, list[str]]) -> None:
    if value not in choices.values:
        errors[field] = [_("Choose from: %(c)s.") % {"c": ", ".join(choices.values)}]


def _text(
    value: Any, field: str, limit: int, errors: dict[str, list[str]], *, required: str = ""
) -> str:
    try:
        cleaned = clean_text(value or "", max_length=limit, multiline=True)
    except ValidationError as exc:
        errors[field] = list(exc.messages)
        return ""
    if required and not cleaned:
        errors[field] = [required]
    return cleaned


def _record(model: Any, value: Any, field: str, errors: dict[str, list[str]], missing: str) -> Any:
    """The row `value` (an id) names, None for no value; a message under `field` if none."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    found = model._default_manager.filter(pk=number).first() if number else None
    if found is None:
        errors[field] = [missing]
    return found


def _category(value: Any, errors: dict[str, list[str]], current: Any = None) -> Any:
    category = _record(ComplaintCategory, value, "category", errors, _("No such category."))
    if category is not None and not category.is_active and category != current:
        errors["category"] = [_("The category “%(name)s” is retired.") % {"name": category}]
    return category


def _order(value: Any, contact: Contact, errors: dict[str, list[str]]) -> Order | None:
    order = _record(Order, value, "order", errors, _("No such order."))
    if order is not None and order.contact_id != contact.pk:
        errors["order"] = [_("Order #%(id)s is another customer's.") % {"id": order.pk}]
    return order


def _assignee(value: Any, complaint: Complaint, errors: dict[str, list[str]]) -> Any:
    """The user `value` names, if they work complaints and may see this customer's."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    user = selectors.assignees().filter(pk=number).first() if number else None
    if user is None or not selectors.can(user, "change", complaint):
        errors["assignee"] = [_("Choose someone who works this customer's complaints.")]
    return user


def sla_deadlines(
    severity: str,
    start: dt.datetime,
    *,
    response: bool = True,
    policies: dict[str, Any] | None = None,
    calendar: sla.BusinessCalendar | None = None,
) -> dict[str, Any]:
    """The SLA deadlines (and warning times) of a complaint of `severity` from `start`;
    all None when the severity has no policy or the calendar has no open hours. A caller
    computing many passes the `policies` and `calendar` it read once."""
    names = ["resolution_due", "resolution_warn_at"]
    if response:
        names += ["first_response_due", "first_response_warn_at"]
    policy = (selectors.policies() if policies is None else policies).get(severity)
    if policy is None:
        return dict.fromkeys(names, None)
    calendar = calendar or selectors.business_calendar()
    plain = {"business_hours": policy.business_hours_only}
    due: dict[str, Any] = {}
    try:
        for kind, minutes in (
            ("resolution", policy.resolution_minutes),
            ("first_response", policy.first_response_minutes),
        ):
            if kind == "first_response" and not response:
                continue
            allowed = dt.timedelta(minutes=minutes)
            due[f"{kind}_due"] = sla.deadline(start, allowed, calendar, **plain)
            due[f"{kind}_warn_at"] = sla.warning_time(
                start, allowed, policy.warning_percent, calendar, **plain
            )
    except sla.NoBusinessHours:
        return dict.fromkeys(names, None)
    return due


def _url(complaint: Complaint) -> str:
    return reverse("service:complaint_detail", args=[complaint.pk])


def _notify_assignee(actor: Any, complaint: Complaint) -> None:
    assignee = complaint.assignee
    if assignee is None or getattr(actor, "pk", None) == assignee.pk:
        return
    notifications.notify(
        user=assignee,
        kind=notices.ASSIGNED,
        params={"complaint": complaint.pk, "customer": complaint.contact.full_name},
        url=_url(complaint),
    )


@transaction.atomic
def complaint_register(
    *,
    actor: Any,
    contact: Contact,
    description: str,
    channel: str = ComplaintChannel.PHONE,
    severity: str = Severity.NORMAL,
    category: Any = None,
    order: Any = None,
    product: Any = None,
    assignee: Any = _UNSET,
    interaction: Any = None,
) -> Complaint:
    """Register a customer's complaint. Without an `assignee` it goes to the person who
    registers it when they work complaints; `interaction` (a logged call, message or visit
    of this customer) links the complaint to where it was heard."""
    if actor is not None and not (
        visibility.can_create(actor, "complaints") and visibility.can(actor, "view", contact)
    ):
        raise PermissionError(_("You cannot register complaints for this customer."))
    errors: dict[str, list[str]] = {}
    description = _text(
        description,
        "description",
        DESCRIPTION_MAX,
        errors,
        required=_("Describe what the customer complains about."),
    )
    _choose(channel, ComplaintChannel, "channel", errors)
    _choose(severity, Severity, "severity", errors)
    complaint = Complaint(
        contact=contact,
        channel=channel,
        severity=severity,
        description=description,
        category=_category(category, errors),
        order=_order(order, contact, errors),
        product=_record(Product, product, "product", errors, _("No such product.")),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    source = _record(Interaction, interaction, "interaction", errors, _("No such interaction."))
    if source is not None:
        if source.contact_id != contact.pk:
            errors["interaction"] = [_("That interaction is another customer's.")]
        elif source.channel in (Channel.COMPLAINT, Channel.ORDER, Channel.CAMPAIGN):
            errors["interaction"] = [_("Register complaints from calls, messages and visits.")]
        complaint.interaction = source
    if assignee is _UNSET:
        works = actor is not None and selectors.can(actor, "change", complaint)
        complaint.assignee = actor if works and getattr(actor, "pk", None) else None
    else:
        complaint.assignee = _assignee(assignee, complaint, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for name, value in sla_deadlines(severity, now).items():
        setattr(complaint, name, value)
    complaint.clock_started_at = now
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError as exc:
        taken = Complaint.objects.filter(interaction=source).first() if source else None
        if taken is None:
            raise
        raise Conflict(
            _("This interaction is complaint #%(id)s already.") % {"id": taken.pk},
            field="interaction",
        ) from exc
    ComplaintStatusChange.objects.create(
        complaint=complaint, from_status="", to_status=S.NEW, at=now, actor=complaint.created_by
    )
    timeline.record(
        contact=contact,
        channel=Channel.COMPLAINT,
        direction=Direction.INBOUND,
        occurred_at=now,
        actor=actor,
        kind=kinds.COMPLAINT_REGISTERED,
        params={
            "complaint": complaint.pk,
            "severity": severity,
            "category_name": complaint.category.name if complaint.category else "",
        },
        body=description,
        source=complaint,
    )
    _notify_assignee(actor, complaint)
    return complaint


def _require_change(actor: Any, complaint: Complaint) -> None:
    if actor is not None and not selectors.can(actor, "change", complaint):
        raise PermissionError(_("You cannot change this complaint."))


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("contact", "assignee", "category", "product")
        .get(pk=complaint.pk)
    )


def audited(complaint: Complaint) -> dict[str, Any]:
    """What the audit trail keeps of a complaint's editable fields: codes for choices, and
    the names of the category, product and assignee as they were (an id alone would say
    nothing once a category is renamed or a user leaves)."""
    return {
        "channel": complaint.channel,
        "category": complaint.category.name if complaint.category else None,
        "severity": complaint.severity,
        "description": complaint.description,
        "order": complaint.order_id,
        "product": complaint.product.name if complaint.product else None,
        "assignee": str(complaint.assignee) if complaint.assignee else None,
    }


@transaction.atomic
def complaint_update(*, actor: Any, complaint: Complaint, data: dict[str, Any]) -> Complaint:
    """Correct what a complaint is about: channel, category, severity (its deadlines follow),
    description, order, product, assignee; each change is in the audit trail. The status
    moves through the workflow only."""
    _require_change(actor, complaint)
    complaint = _locked(complaint)
    before = audited(complaint)
    errors: dict[str, list[str]] = {}
    unknown = set(data) - {
        "channel", "category", "severity", "description", "order", "product", "assignee"
    }  # fmt: skip
    for field in sorted(unknown):
        errors[field] = [_("This field cannot be changed here.")]
    if "channel" in data:
        _choose(data["channel"], ComplaintChannel, "channel", errors)
        complaint.channel = data["channel"]
    if "severity" in data:
        _choose(data["severity"], Severity, "severity", errors)
    if "description" in data:
        complaint.description = _text(
            data["description"], "description", DESCRIPTION_MAX, errors,
            required=_("Describe what the customer complains about."),
        )  # fmt: skip
    if "category" in data:
        complaint.category = _category(data["category"], errors, current=complaint.category)
    if "order" in data:
        complaint.order = _order(data["order"], complaint.contact, errors)
    if "product" in data:
        complaint.product = _record(
            Product, data["product"], "product", errors, _("No such product.")
        )
    previous_assignee = complaint.assignee_id
    if "assignee" in data:
        complaint.assignee = _assignee(data["assignee"], complaint, errors)
    if errors:
        raise ValidationError(errors)
    if "severity" in data and data["severity"] != complaint.severity:
        complaint.severity = data["severity"]
        start = complaint.clock_started_at or complaint.created_at
        due = sla_deadlines(complaint.severity, start, response=False)
        if complaint.first_responded_at is None:
            due.update(
                {k: v for k, v in sla_deadlines(complaint.severity, complaint.created_at).items()
                 if k.startswith("first_response")}
            )  # fmt: skip
        for name, value in due.items():
            setattr(complaint, name, value)
    complaint.save()
    changes = diff(before, audited(complaint))
    if changes:
        audit_record(
            actor=actor,
            obj=complaint,
            action=AuditEntry.Action.UPDATE,
            changes=changes,
            subject_contact_id=complaint.contact_id,
        )
    if complaint.assignee_id != previous_assignee:
        _notify_assignee(actor, complaint)
    return complaint


def complaint_assign(*, actor: Any, complaint: Complaint, assignee: Any) -> Complaint:
    """Hand a complaint to someone who works complaints (None: to nobody)."""
    return complaint_update(actor=actor, complaint=complaint, data={"assignee": assignee})


def _late(moment: dt.datetime, due: dt.datetime | None) -> bool:
    return due is not None and moment > due


def _history_and_timeline(
    *, actor: Any, complaint: Complaint, old: str, new: str, now: dt.datetime, note: str,
    kind: str, params: dict[str, Any],
) -> None:  # fmt: skip
    ComplaintStatusChange.objects.create(
        complaint=complaint,
        from_status=old,
        to_status=new,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )
    timeline.record(
        contact=complaint.contact_id,
        channel=Channel.COMPLAINT,
        direction=Direction.INTERNAL,
        occurred_at=now,
        actor=actor,
        kind=kind,
        params={"complaint": complaint.pk, **params},
        body=note,
        source=complaint,
    )


@transaction.atomic
def complaint_change_status(
    *,
    actor: Any,
    complaint: Complaint,
    status: str,
    note: str = "",
    root_cause: Any = None,
    resolution: str = "",
    reopen_score: int | None = None,
    reopen: bool = False,
) -> Complaint:
    """Move a complaint to `status`. The first move out of "new" is its first response;
    resolving needs an active `root_cause` and the `resolution` text; a resolved customer
    is asked how satisfied they are, after commit. `actor` None is the customer or the
    system (a low satisfaction score reopens the complaint)."""
    _require_change(actor, complaint)
    complaint = _locked(complaint)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", NOTE_MAX, errors)
    old = complaint.status
    if reopen and old not in DONE_STATUSES:
        errors["status"] = [_("Only a resolved or closed complaint can be reopened.")]
    elif status not in S.values:
        _choose(status, S, "status", errors)
    elif status == old:
        errors["status"] = [_("The complaint is %(status)s already.") % {"status": S(old).label}]
    elif status not in TRANSITIONS[old]:
        allowed = ", ".join(str(S(s).label) for s in TRANSITIONS[old])
        errors["status"] = [
            _("A complaint that is %(old)s can move to: %(allowed)s.")
            % {"old": S(old).label, "allowed": allowed}
        ]
    cause = None
    if status == S.RESOLVED:
        if root_cause in (None, ""):
            errors["root_cause"] = [_("Choose the root cause: it is required to resolve.")]
        else:
            cause = _record(RootCause, root_cause, "root_cause", errors, _("No such root cause."))
            if cause is not None and not cause.is_active:
                errors["root_cause"] = [
                    _("The root cause “%(name)s” is retired; choose an active one.")
                    % {"name": cause.name}
                ]
        resolution = _text(
            resolution, "resolution", RESOLUTION_MAX, errors,
            required=_("Say how the complaint was resolved."),
        )  # fmt: skip
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    if old == S.NEW and complaint.first_responded_at is None:
        complaint.first_responded_at = now
        complaint.breached |= _late(now, complaint.first_response_due)
    kind = kinds.COMPLAINT_STATUS_CHANGED
    params: dict[str, Any] = {"old": old, "new": status}
    if status == S.RESOLVED:
        complaint.resolved_at = now
        complaint.root_cause = cause
        complaint.resolution = resolution
        complaint.breached |= _late(now, complaint.resolution_due)
        kind, params = kinds.COMPLAINT_RESOLVED, {"root_cause_name": cause.label if cause else ""}
    elif status == S.CLOSED:
        complaint.closed_at = now
    elif old in DONE_STATUSES:  # reopened: the resolution clock starts again
        complaint.resolved_at = None
        complaint.closed_at = None
        complaint.clock_started_at = now
        for name, value in sla_deadlines(complaint.severity, now, response=False).items():
            setattr(complaint, name, value)
        kind, params = kinds.COMPLAINT_REOPENED, {"old": old}
        if reopen_score is not None:
            params["score"] = reopen_score
    complaint.status = status
    complaint.save()
    _history_and_timeline(
        actor=actor, complaint=complaint, old=old, new=status, now=now, note=note,
        kind=kind, params=params,
    )  # fmt: skip
    if status == S.RESOLVED:
        from rapport.service.tasks import send_complaint_survey

        pk = complaint.pk
        transaction.on_commit(lambda: send_complaint_survey.enqueue(pk))
    return complaint


def complaint_resolve(
    *, actor: Any, complaint: Complaint, root_cause: Any, resolution: str, note: str = ""
) -> Complaint:
    """Resolve a complaint: the root cause (from the taxonomy) and what was done."""
    return complaint_change_status(
        actor=actor,
        complaint=complaint,
        status=S.RESOLVED,
        root_cause=root_cause,
        resolution=resolution,
        note=note,
    )


def complaint_reopen(
    *, actor: Any, complaint: Complaint, note: str = "", score: int | None = None
) -> Complaint:
    """Reopen a resolved or closed complaint: back in progress, with a new resolution
    deadline from now."""
    return complaint_change_status(
        actor=actor,
        complaint=complaint,
        status=S.IN_PROGRESS,
        note=note,
        reopen_score=score,
        reopen=True,
    )


@transaction.atomic
def complaint_delete(*, actor: Any, complaint: Complaint) -> None:
    """Delete a complaint registered by mistake (a duplicate); its timeline entries stay."""
    if not selectors.can(actor, "delete", complaint):
        raise PermissionError(_("You cannot delete this complaint."))
    Complaint.objects.filter(pk=complaint.pk).delete()
