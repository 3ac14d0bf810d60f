"""Capturing leads from every channel, assigning, qualifying and converting them."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact, ContactEmail, ContactPhone, LifecycleStage
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.services import contact_create, contacts_set_lifecycle
from rapport.core import permissions, visibility
from rapport.core.audit import audit_record, diff
from rapport.core.errors import Conflict
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import (
    ATTRIBUTION_FIELDS,
    OPEN_LEAD_STATUSES,
    AssignmentRule,
    Deal,
    Lead,
    LeadSource,
    LeadStatus,
    LeadStatusChange,
    TrackingNumber,
)
from rapport.sales.selectors import leads_for
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

_LONG_ATTRIBUTION = {"referrer", "landing_page"}


@dataclass
class LeadCapture:
    lead: Lead
    created: bool  # False when the enquiry repeated an open lead


def clean_lead_data(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a lead's contact details and attribution; report every field at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    limits = {"first_name": 100, "last_name": 100, "company_name": 200}
    limits.update({f: 1000 if f in _LONG_ATTRIBUTION else 200 for f in ATTRIBUTION_FIELDS})
    for field, limit in limits.items():
        if field in data and data[field] is not None:
            try:
                cleaned[field] = clean_text(data[field], max_length=limit)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if data.get("message") is not None:
        try:
            cleaned["message"] = clean_text(data["message"], max_length=5000, multiline=True)
        except ValidationError as exc:
            errors["message"] = list(exc.messages)
    for field, normalize in (("email", normalize_email), ("phone", normalize_phone)):
        if data.get(field) not in (None, ""):
            try:
                cleaned[field] = normalize(str(data[field]))
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if not errors and not any(cleaned.get(f) for f in ("email", "phone")):
        errors["email"] = [_("Leave an e-mail or a phone number so we can get back to you.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _matching_contact(email: str, phone: str) -> Contact | None:
    if email:
        hit = ContactEmail.objects.filter(email=email).select_related("contact").first()
        if hit:
            return hit.contact
    if phone:
        hit_phone = ContactPhone.objects.filter(number=phone).select_related("contact").first()
        if hit_phone:
            return hit_phone.contact
    return None


def _matching_open_lead(email: str, phone: str) -> Lead | None:
    match = Q()
    if email:
        match |= Q(email=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return None
    return Lead.objects.filter(match, status__in=OPEN_LEAD_STATUSES).order_by("created_at").first()


def assign_owner(source: LeadSource | None) -> Any:
    """The next member, round-robin, of the team whose rule matches the source first."""
    rules = AssignmentRule.objects.select_for_update().filter(is_active=True)
    rule = (rules.filter(source=source).first() if source else None) or rules.filter(
        source__isnull=True
    ).first()
    if rule is None:
        return None
    members = list(
        get_user_model().objects.filter(visibility.sellers_q(), team=rule.team).order_by("id")
    )
    if not members:
        return None
    after = [m for m in members if rule.last_assigned_id and m.pk > rule.last_assigned_id]
    chosen = after[0] if after else members[0]
    rule.last_assigned = chosen
    rule.save(update_fields=["last_assigned"])
    return chosen


@transaction.atomic
def lead_capture(
    *,
    data: dict[str, Any],
    actor: Any = None,
    source: LeadSource | None = None,
    form_slug: str = "",
    tracking_number: TrackingNumber | None = None,
    submission_key: str | None = None,
    channel: str = Channel.WEB,
    occurred_at: dt.datetime | None = None,
) -> LeadCapture:
    """Record an enquiry from any channel. A repeat of an open lead (same e-mail or phone)
    is added to that lead instead of making a new one; a known person is linked."""
    if actor is not None and not visibility.can_create(actor, "leads"):
        raise PermissionError(_("Your role cannot create leads."))
    if submission_key:
        previous = Lead.objects.filter(submission_key=submission_key).first()
        if previous is not None:
            return LeadCapture(previous, created=False)
    cleaned = clean_lead_data(data)
    email, phone = cleaned.get("email", ""), cleaned.get("phone", "")
    contact = _matching_contact(email, phone)
    enquiry = {"message": (cleaned.get("message") or "")[:200], "form": form_slug}
    # The lead's own history keeps a note in the language of whoever caused it.
    summary = _("Enquiry: %(text)s") % {
        "text": (cleaned.get("message") or form_slug or _("no message"))[:200]
    }
    existing = _matching_open_lead(email, phone)
    if existing is not None:
        LeadStatusChange.objects.create(
            lead=existing,
            from_status=existing.status,
            to_status=existing.status,
            by=actor if getattr(actor, "pk", None) else None,
            note=summary[:300],
        )
        if existing.contact_id:
            timeline.record(
                contact=existing.contact_id,
                channel=channel,
                direction=Direction.INBOUND,
                kind=kinds.LEAD_ENQUIRY,
                params=enquiry,
                body=cleaned.get("message", ""),
                occurred_at=occurred_at,
                source=existing,
            )
        return LeadCapture(existing, created=False)
    owner = actor if permissions.sells(actor) else None
    lead = Lead(
        **cleaned,
        source=source,
        tracking_number=tracking_number,
        form_slug=form_slug,
        contact=contact,
        owner=owner or (contact.owner if contact else None) or assign_owner(source),
        submission_key=submission_key,
    )
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        # The same submission raced us here; the first one stands.
        return LeadCapture(Lead.objects.get(submission_key=submission_key), created=False)
    LeadStatusChange.objects.create(
        lead=lead,
        from_status="",
        to_status=LeadStatus.NEW,
        by=actor if getattr(actor, "pk", None) else None,
    )
    # Matching crosses teams on purpose: the enquiry is the matched customer's touchpoint, so
    # it goes on their timeline even when the actor cannot see them (that row stays hidden
    # from the actor, being scoped by the contact's owner). Callers must not reveal the match:
    # answers name `lead.contact` only through `visibility.shown_id`.
    if contact is not None:
        timeline.record(
            contact=contact,
            channel=channel,
            direction=Direction.INBOUND,
            kind=kinds.LEAD_ENQUIRY,
            params=enquiry,
            body=cleaned.get("message", ""),
            occurred_at=occurred_at,
            source=lead,
        )
    return LeadCapture(lead, created=True)


def _lock_for_change(actor: Any, lead: Lead) -> Lead:
    """The lead, locked, if `actor` may change it; a PermissionError (not DoesNotExist) if not."""
    locked = leads_for(actor, "change").select_for_update().filter(pk=lead.pk).first()
    if locked is None:
        raise PermissionError(_("You cannot change this lead."))
    return locked


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, data: dict[str, Any]) -> Lead:
    """Correct a lead's names, company, message or owner (`owner: None` unassigns it)."""
    lead = _lock_for_change(actor, lead)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, limit in (("first_name", 100), ("last_name", 100), ("company_name", 200)):
        if field in data:
            try:
                cleaned[field] = clean_text(data[field], max_length=limit)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if "message" in data:
        try:
            cleaned["message"] = clean_text(data["message"], max_length=5000, multiline=True)
        except ValidationError as exc:
            errors["message"] = list(exc.messages)
    if "owner" in data:
        owner = None
        if data["owner"] not in (None, ""):
            owner = permissions.owners().filter(pk=data["owner"]).first()
            if owner is None:
                errors["owner"] = [_("Choose an active user who can work on leads.")]
        cleaned["owner"] = owner
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        setattr(lead, field, value)
    lead.save(update_fields=[*cleaned, "updated_at"])
    return lead


# From each status, where a person may move a lead by hand (conversion has its own service).
TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.CONTACTED: {LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.QUALIFIED: {LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED},
    LeadStatus.DISQUALIFIED: {LeadStatus.NEW},
    LeadStatus.CONVERTED: set(),
}


def _status_label(status: str) -> str:
    return str(LeadStatus(status).label) if status in LeadStatus.values else status


@transaction.atomic
def lead_set_status(*, actor: Any, lead: Lead, status: str, reason: str = "") -> Lead:
    lead = _lock_for_change(actor, lead)
    if status not in TRANSITIONS.get(lead.status, set()):
        raise ValidationError(
            {
                "status": [
                    _("A lead in status “%(old)s” cannot become “%(new)s”.")
                    % {"old": LeadStatus(lead.status).label, "new": _status_label(status)}
                ]
            }
        )
    reason = clean_text(reason, max_length=300)
    if status == LeadStatus.DISQUALIFIED and not reason:
        raise ValidationError({"reason": [_("Say why the lead is disqualified.")]})
    LeadStatusChange.objects.create(
        lead=lead, from_status=lead.status, to_status=status, by=actor, note=reason
    )
    lead.status = status
    lead.disqualify_reason = reason if status == LeadStatus.DISQUALIFIED else ""
    lead.save(update_fields=["status", "disqualify_reason", "updated_at"])
    return lead


@dataclass
class Conversion:
    lead: Lead
    contact: Contact
    deal: Deal


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    deal_title: str = "",
    amount: Any = None,
    currency: str = "",
    pipeline_id: int | None = None,
) -> Conversion:
    """Turn a lead into a customer: link or create the contact, open a deal, keep the
    lead (with its attribution) linked to the contact."""
    from rapport.sales.services.pipeline import deal_create

    lead = _lock_for_change(actor, lead)
    if lead.status not in OPEN_LEAD_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("Only an open lead can be converted; this one is %(s)s.") % {"s": lead.status}
                ]
            }
        )
    contact = lead.contact or _matching_contact(lead.email, lead.phone)
    if contact is None:
        contact = contact_create(
            actor=actor,
            data={
                "first_name": lead.first_name or lead.email.split("@")[0] or lead.phone,
                "last_name": lead.last_name,
                "email": lead.email,
                "phone": lead.phone,
                "lifecycle_stage": LifecycleStage.LEAD,
                "source": lead.source.name if lead.source else "",
                "owner": (lead.owner or actor).pk,
            },
            allow_duplicates=True,
        )
    else:
        contacts_set_lifecycle(
            actor=actor,
            contact_ids=[contact.pk],
            stage=LifecycleStage.LEAD,
            only_from=[LifecycleStage.PROSPECT],
        )
    owner = lead.owner or actor
    deal = deal_create(
        actor=actor,
        data={
            "title": deal_title or _("Deal with %(name)s") % {"name": contact.full_name},
            "contact": contact.pk,
            "amount": amount if amount not in (None, "") else "0",
            "currency": currency or None,
            "pipeline": pipeline_id,
            "owner": owner.pk,
        },
        lead=lead,
    )
    LeadStatusChange.objects.create(
        lead=lead, from_status=lead.status, to_status=LeadStatus.CONVERTED, by=actor
    )
    lead.status = LeadStatus.CONVERTED
    lead.contact = contact
    lead.owner = owner
    lead.converted_at = timezone.now()
    lead.save(update_fields=["status", "contact", "owner", "converted_at", "updated_at"])
    timeline.record(
        contact=contact,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        actor=actor,
        kind=kinds.LEAD_CONVERTED,
        params={"lead": lead.pk, "deal": deal.pk, "title": deal.title},
        source=lead,
    )
    return Conversion(lead=lead, contact=contact, deal=deal)


# The lead's personal data and who had it: what its deletion leaves in the audit log.
_AUDITED_FIELDS = ("first_name", "last_name", "email", "phone", "company_name", "status")


@transaction.atomic
def lead_delete(*, actor: Any, lead: Lead) -> None:
    """Delete a lead entered by mistake or spam, with its status history; the audit log keeps
    who deleted whose data. A converted lead carries its customer's attribution: refused."""
    locked = leads_for(actor, "delete").select_for_update().filter(pk=lead.pk).first()
    if locked is None:
        raise PermissionError(_("You cannot delete this lead."))
    if locked.status == LeadStatus.CONVERTED:
        raise Conflict(
            _(
                "This lead was converted and carries its customer's attribution; it cannot "
                "be deleted."
            ),
            field="status",
        )
    before = {field: getattr(locked, field) for field in _AUDITED_FIELDS}
    before.update(source=locked.source_id, owner=locked.owner_id)
    audit_record(
        actor=actor,
        obj=locked,
        action=AuditEntry.Action.DELETE,
        changes=diff(before, {}),
        subject_contact_id=locked.contact_id,
    )
    locked.delete()
