"""Related persons (families travel together) and life events."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.contacts.models import (
    INVERSE_RELATION,
    Contact,
    ContactRelation,
    LifeEvent,
    RelationKind,
)
from rapport.core import visibility
from rapport.core.audit import audit_record
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text


def _require_change(actor: Any, contact: Contact) -> None:
    if not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot change this contact."))


@transaction.atomic
def relation_add(*, actor: Any, contact: Contact, related: Contact, kind: str) -> ContactRelation:
    """Record that `related` is `contact`'s <kind>, and the inverse tie on the other side."""
    _require_change(actor, contact)
    if kind not in RelationKind.values:
        raise ValidationError(
            {"kind": [_("Choose from: %(c)s.") % {"c": ", ".join(RelationKind.values)}]}
        )
    if related.pk == contact.pk:
        raise ValidationError({"related": [_("A person cannot be related to themselves.")]})
    relation, _created = ContactRelation.objects.update_or_create(
        contact=contact, related=related, defaults={"kind": kind}
    )
    ContactRelation.objects.update_or_create(
        contact=related, related=contact, defaults={"kind": INVERSE_RELATION[RelationKind(kind)]}
    )
    audit_record(
        actor=actor,
        obj=contact,
        action=AuditEntry.Action.UPDATE,
        changes={f"relation.{related.pk}": [None, f"{kind}: {related.full_name}"]},
        subject_contact_id=contact.pk,
    )
    return relation


@transaction.atomic
def relation_remove(*, actor: Any, relation: ContactRelation) -> None:
    _require_change(actor, relation.contact)
    ContactRelation.objects.filter(contact=relation.related, related=relation.contact).delete()
    audit_record(
        actor=actor,
        obj=relation.contact,
        action=AuditEntry.Action.UPDATE,
        changes={f"relation.{relation.related_id}": [relation.kind, None]},
        subject_contact_id=relation.contact_id,
    )
    relation.delete()


@transaction.atomic
def life_event_add(
    *,
    actor: Any,
    contact: Contact,
    kind: str,
    date: dt.date | str,
    note: str = "",
    recurring: bool | None = None,
) -> LifeEvent:
    _require_change(actor, contact)
    errors: dict[str, list[str]] = {}
    if kind not in LifeEvent.Kind.values:
        errors["kind"] = [_("Choose from: %(c)s.") % {"c": ", ".join(LifeEvent.Kind.values)}]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    try:
        note = clean_text(note, max_length=300)
    except ValidationError as exc:
        errors["note"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    assert isinstance(date, dt.date)
    if recurring is None:
        recurring = kind in {LifeEvent.Kind.BIRTHDAY, LifeEvent.Kind.ANNIVERSARY}
    event = LifeEvent.objects.create(
        contact=contact, kind=kind, date=date, note=note, recurring=recurring
    )
    audit_record(
        actor=actor,
        obj=contact,
        action=AuditEntry.Action.UPDATE,
        changes={f"life_event.{event.pk}": [None, f"{kind} {date.isoformat()}"]},
        subject_contact_id=contact.pk,
    )
    return event


@transaction.atomic
def life_event_delete(*, actor: Any, event: LifeEvent) -> None:
    _require_change(actor, event.contact)
    audit_record(
        actor=actor,
        obj=event.contact,
        action=AuditEntry.Action.UPDATE,
        changes={f"life_event.{event.pk}": [f"{event.kind} {event.date.isoformat()}", None]},
        subject_contact_id=event.contact_id,
    )
    event.delete()
