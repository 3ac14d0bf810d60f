"""Recording consent grants and withdrawals: append-only events, state derived from them."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
)
from rapport.core import visibility
from rapport.core.audit import audit_record
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text

# A client clock may run a little ahead of ours; further than this is a mistake.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    contact: Contact,
    channel: str,
    purpose: str,
    status: str,
    source: str,
    evidence: str = "",
    at: dt.datetime | None = None,
) -> ConsentEvent:
    """Append one consent event. The newest event per channel and purpose is the state;
    at the same instant a withdrawal outranks a grant."""
    if actor is not None and not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot change this contact's consents."))
    errors: dict[str, list[str]] = {}
    if channel not in ConsentChannel.values:
        errors["channel"] = [_("Choose from: %(c)s.") % {"c": ", ".join(ConsentChannel.values)}]
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [_("Choose from: %(c)s.") % {"c": ", ".join(ConsentPurpose.values)}]
    if status not in ConsentStatus.values:
        errors["status"] = [_("Choose from: %(c)s.") % {"c": ", ".join(ConsentStatus.values)}]
    try:
        source = clean_text(source, max_length=100)
        if not source:
            errors["source"] = [_("Say where the consent came from (web form, call, paper…).")]
    except ValidationError as exc:
        errors["source"] = list(exc.messages)
    try:
        evidence = clean_text(evidence, max_length=5000, multiline=True)
    except ValidationError as exc:
        errors["evidence"] = list(exc.messages)
    now = timezone.now()
    if at is None:
        at = now
    elif timezone.is_naive(at):
        errors["at"] = [_("Give the time with its UTC offset.")]
    elif at > now + FUTURE_TOLERANCE:
        errors["at"] = [_("A consent cannot be given in the future.")]
    if errors:
        raise ValidationError(errors)
    event = ConsentEvent.objects.create(
        contact=contact,
        channel=channel,
        purpose=purpose,
        status=status,
        at=at,
        source=source,
        evidence=evidence,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        obj=contact,
        action=AuditEntry.Action.CONSENT,
        changes={f"consent.{channel}.{purpose}": [None, status], "source": [None, source]},
        subject_contact_id=contact.pk,
    )
    return event
