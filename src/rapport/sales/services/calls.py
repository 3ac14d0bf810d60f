"""Inbound and outbound calls reported by a telephony provider (call-tracking webhook)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact, ContactPhone
from rapport.contacts.normalize import format_phone, normalize_phone
from rapport.core.text import clean_text
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import OPEN_LEAD_STATUSES, Lead, TrackingNumber
from rapport.sales.services.leads import lead_capture
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction


@dataclass
class CallResult:
    contact: Contact | None
    lead: Lead | None
    lead_created: bool
    source_name: str


@transaction.atomic
def call_record(
    *,
    caller: str,
    dialled: str,
    direction: str = Direction.INBOUND,
    started_at: dt.datetime | None = None,
    duration_seconds: int = 0,
    recording_url: str = "",
    actor: Any = None,
) -> CallResult:
    """Put a call on the timeline of whoever called; an unknown caller becomes a lead,
    attributed to the source of the tracking number that was dialled."""
    errors: dict[str, list[str]] = {}
    numbers: dict[str, str] = {}
    for field, raw in (("caller", caller), ("dialled", dialled)):
        try:
            numbers[field] = normalize_phone(raw)
        except ValidationError as exc:
            errors[field] = list(exc.messages)
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        errors["direction"] = [_("Choose inbound or outbound.")]
    if not 0 <= duration_seconds <= 24 * 3600:
        errors["duration"] = [_("Give the duration in seconds, up to a day.")]
    if started_at is None:
        started_at = timezone.now()
    elif timezone.is_naive(started_at):
        errors["time"] = [_("Give the time with its UTC offset.")]
    try:
        recording_url = clean_text(recording_url, max_length=1000)
        if recording_url and not recording_url.startswith(("https://", "http://")):
            errors["recording_url"] = [_("Give an http(s) link to the recording.")]
    except ValidationError as exc:
        errors["recording_url"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    # For an outbound call the customer is the one dialled, and no tracking number applies.
    customer = numbers["caller"] if direction == Direction.INBOUND else numbers["dialled"]
    tracking = None
    if direction == Direction.INBOUND:
        tracking = (
            TrackingNumber.objects.select_related("source")
            .filter(number=numbers["dialled"], is_active=True)
            .first()
        )
    source = tracking.source if tracking else None
    minutes, seconds = divmod(duration_seconds, 60)
    summary = (
        _("Inbound call from %(number)s (%(m)d:%(s)02d)")
        if direction == Direction.INBOUND
        else _("Outbound call to %(number)s (%(m)d:%(s)02d)")
    ) % {"number": format_phone(customer), "m": minutes, "s": seconds}
    body = _("Recording: %(url)s") % {"url": recording_url} if recording_url else ""
    phone_hit = ContactPhone.objects.select_related("contact").filter(number=customer).first()
    contact = phone_hit.contact if phone_hit else None
    lead = None
    created = False
    if contact is None:
        lead = Lead.objects.filter(phone=customer, status__in=OPEN_LEAD_STATUSES).first()
        if lead is None and direction == Direction.INBOUND:
            capture = lead_capture(
                data={"phone": customer, "message": summary},
                source=source,
                tracking_number=tracking,
                channel=Channel.PHONE,
                occurred_at=started_at,
            )
            lead, created = capture.lead, capture.created
        contact = lead.contact if lead and lead.contact_id else None
    # The call goes on the matched customer's timeline even when the caller's role cannot see
    # that customer: it is the true customer's touchpoint, and their owners need it. The
    # caller learns nothing from it (interactions are scoped by the contact's owner), and
    # the API answer names the contact only when the caller may see it.
    if contact is not None:
        timeline.record(
            contact=contact,
            channel=Channel.PHONE,
            direction=direction,
            occurred_at=started_at,
            actor=actor,
            kind=kinds.CALL_LOGGED,
            params={"number": customer},
            body=body,
            duration_seconds=duration_seconds,
            source=lead,
        )
    return CallResult(
        contact=contact,
        lead=lead,
        lead_created=created,
        source_name=source.name if source else "",
    )
