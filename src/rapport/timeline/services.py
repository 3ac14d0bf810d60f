"""The one way anything is written to a customer's timeline."""

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.contacts.services.lifecycle import LifecycleChange
from rapport.core import visibility
from rapport.core.text import clean_text
from rapport.timeline import rendering
from rapport.timeline.models import MANUAL_CHANNELS, Channel, Direction, Interaction

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Entry:
    """One touchpoint to record. Code that writes an event gives its `kind` and `params`
    (rendered in the reader's language when shown); a person's own words go in `summary`."""

    contact: Contact | int
    channel: str
    kind: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    summary: str = ""
    direction: str = Direction.OUTBOUND
    occurred_at: dt.datetime | None = None
    actor: Any = None
    body: str = ""
    duration_seconds: int | None = None
    source: Model | None = None


def _contact_id(contact: Contact | int) -> int:
    return contact if isinstance(contact, int) else contact.pk


def _validate(entry: Entry, now: dt.datetime) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """The errors of one entry, and its cleaned values."""
    errors: dict[str, list[str]] = {}
    if entry.channel not in Channel.values:
        errors["channel"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Channel.values)}]
    if entry.direction not in Direction.values:
        errors["direction"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Direction.values)}]
    summary = ""
    if entry.kind:
        if not rendering.is_known(entry.kind):
            errors["kind"] = [_("Unknown kind of timeline event: %(k)s.") % {"k": entry.kind}]
        if not isinstance(entry.params, dict):
            errors["params"] = [_("Give the parameters as an object.")]
        else:
            try:
                json.dumps(entry.params, allow_nan=False)
            except (TypeError, ValueError):
                errors["params"] = [_("Parameters must be plain JSON values.")]
        if entry.summary:
            errors["summary"] = [_("An event of a known kind is worded when shown.")]
    else:
        try:
            summary = clean_text(entry.summary, max_length=300)
            if not summary:
                errors["summary"] = [_("Write a short summary of what happened.")]
        except ValidationError as exc:
            errors["summary"] = list(exc.messages)
        if entry.params:
            errors["params"] = [_("Parameters need a kind of event.")]
    body = ""
    try:
        body = clean_text(entry.body, max_length=50000, multiline=True)
    except ValidationError as exc:
        errors["body"] = list(exc.messages)
    if entry.duration_seconds is not None and not 0 <= entry.duration_seconds <= 7 * 24 * 3600:
        errors["duration_seconds"] = [_("Give a duration between 0 and one week, in seconds.")]
    occurred_at = entry.occurred_at
    if occurred_at is None:
        occurred_at = now
    elif timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Give the time with its UTC offset.")]
    cleaned = {"summary": summary, "body": body, "occurred_at": occurred_at}
    return errors, cleaned


def _build(entry: Entry, cleaned: dict[str, Any]) -> Interaction:
    source = entry.source
    return Interaction(
        contact_id=_contact_id(entry.contact),
        channel=entry.channel,
        direction=entry.direction,
        occurred_at=cleaned["occurred_at"],
        actor=entry.actor if getattr(entry.actor, "pk", None) else None,
        kind=entry.kind,
        params=entry.params if entry.kind else {},
        summary=cleaned["summary"],
        body=cleaned["body"],
        duration_seconds=entry.duration_seconds,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
    )


def record(
    *,
    contact: Contact | int,
    channel: str,
    kind: str = "",
    params: dict[str, Any] | None = None,
    summary: str = "",
    direction: str = Direction.OUTBOUND,
    occurred_at: dt.datetime | None = None,
    actor: Any = None,
    body: str = "",
    duration_seconds: int | None = None,
    source: Model | None = None,
) -> Interaction:
    """Record a touchpoint. Apps call this with their own object as `source`, and a `kind`
    with `params` (see rapport.timeline.rendering); hand-written entries give a `summary`."""
    entry = Entry(
        contact=contact,
        channel=channel,
        kind=kind,
        params=params if params is not None else {},
        summary=summary,
        direction=direction,
        occurred_at=occurred_at,
        actor=actor,
        body=body,
        duration_seconds=duration_seconds,
        source=source,
    )
    errors, cleaned = _validate(entry, timezone.now())
    if errors:
        raise ValidationError(errors)
    interaction = _build(entry, cleaned)
    interaction.save()
    return interaction


def record_many(entries: Sequence[Entry], *, batch_size: int = 5000) -> list[Interaction]:
    """Record many touchpoints at once (imports), with `record`'s checks on every entry and a
    check that each contact exists. Nothing is written if any entry is invalid: the error
    names the entries by position, {"3.channel": [...]}."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    rows: list[Interaction] = []
    for position, entry in enumerate(entries):
        entry_errors, cleaned = _validate(entry, now)
        errors.update({f"{position}.{key}": value for key, value in entry_errors.items()})
        if not entry_errors:
            rows.append(_build(entry, cleaned))
    wanted = {_contact_id(entry.contact) for entry in entries}
    existing: set[int] = set()
    for chunk in _chunks(sorted(wanted), 900):  # SQLite's limit on query parameters
        existing.update(Contact.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    for position, entry in enumerate(entries):
        if _contact_id(entry.contact) not in existing:
            errors[f"{position}.contact"] = [_("No such contact.")]
    if errors:
        raise ValidationError(errors)
    return Interaction.objects.bulk_create(rows, batch_size=batch_size)


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
    if interaction.kind and "summary" in data:
        # An event written by the app is worded from its data when shown; only its details
        # (a person's own words) can be corrected.
        errors["summary"] = [_("This entry is worded from what happened; correct its details.")]
    for field, limit, multiline in (("summary", 300, False), ("body", 50000, True)):
        if field in data and field not in errors:
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


def record_lifecycle_changes(actor: Any, changes: list[LifecycleChange]) -> None:
    """Put contacts' lifecycle changes on their timelines (a listener of the contacts app)."""
    record_many(
        [
            Entry(
                contact=change.contact_id,
                channel=Channel.NOTE,
                direction=Direction.INTERNAL,
                kind="contact.lifecycle_changed",
                params={"old": change.old, "new": change.new},
                actor=actor,
            )
            for change in changes
        ]
    )
