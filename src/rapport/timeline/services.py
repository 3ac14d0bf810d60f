"""The one way anything is written to a customer's timeline."""

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.core import visibility
from rapport.core.text import clean_text
from rapport.timeline.models import MANUAL_CHANNELS, Channel, Direction, Interaction

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def record(
    *,
    contact: Contact | int,
    channel: str,
    summary: str,
    direction: str = Direction.OUTBOUND,
    occurred_at: dt.datetime | None = None,
    actor: Any = None,
    body: str = "",
    duration_seconds: int | None = None,
    source: Model | None = None,
) -> Interaction:
    """Record a touchpoint. Apps call this with their own object as `source`."""
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Channel.values)}]
    if direction not in Direction.values:
        errors["direction"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Direction.values)}]
    try:
        summary = clean_text(summary, max_length=300)
        if not summary:
            errors["summary"] = [_("Write a short summary of what happened.")]
    except ValidationError as exc:
        errors["summary"] = list(exc.messages)
    try:
        body = clean_text(body, max_length=50000, multiline=True)
    except ValidationError as exc:
        errors["body"] = list(exc.messages)
    if duration_seconds is not None and not 0 <= duration_seconds <= 7 * 24 * 3600:
        errors["duration_seconds"] = [_("Give a duration between 0 and one week, in seconds.")]
    now = timezone.now()
    if occurred_at is None:
        occurred_at = now
    elif timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Give the time with its UTC offset.")]
    if errors:
        raise ValidationError(errors)
    return Interaction.objects.create(
        contact_id=contact if isinstance(contact, int) else contact.pk,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        actor=actor if getattr(actor, "pk", None) else None,
        summary=summary,
        body=body,
        duration_seconds=duration_seconds,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
    )


@transaction.atomic
def interaction_log(
    *,
    actor: Any,
    contact: Contact,
    channel: str,
    summary: str,
    direction: str = Direction.OUTBOUND,
    occurred_at: dt.datetime | None = None,
    body: str = "",
    duration_seconds: int | None = None,
) -> Interaction:
    """A user logs a call, meeting, message or note by hand."""
    if not visibility.can(actor, "change", contact, owner_field="owner"):
        raise PermissionError(_("You cannot add to this contact's timeline."))
    if channel not in MANUAL_CHANNELS:
        raise ValidationError(
            {"channel": [_("Choose from: %(c)s.") % {"c": ", ".join(MANUAL_CHANNELS)}]}
        )
    if occurred_at is not None and occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(
            {"occurred_at": [_("Log what happened; plan future calls as activities.")]}
        )
    return record(
        contact=contact,
        channel=channel,
        summary=summary,
        direction=direction,
        occurred_at=occurred_at,
        actor=actor,
        body=body,
        duration_seconds=duration_seconds,
    )


@transaction.atomic
def interaction_update(
    *, actor: Any, interaction: Interaction, data: dict[str, Any]
) -> Interaction:
    """Correct a hand-logged interaction (only its author or someone who may change the contact)."""
    if not visibility.can(actor, "change", interaction.contact):
        raise PermissionError(_("You cannot change this interaction."))
    errors: dict[str, list[str]] = {}
    for field, limit, multiline in (("summary", 300, False), ("body", 50000, True)):
        if field in data:
            try:
                value = clean_text(data[field], max_length=limit, multiline=multiline)
                if field == "summary" and not value:
                    raise ValidationError(_("Write a short summary of what happened."))
                setattr(interaction, field, value)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    interaction.save()
    return interaction


@transaction.atomic
def interaction_delete(*, actor: Any, interaction: Interaction) -> None:
    if not visibility.can(actor, "delete", interaction.contact):
        raise PermissionError(_("You cannot delete this interaction."))
    interaction.delete()
