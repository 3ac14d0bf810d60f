"""A contact's lifecycle stage (prospect → lead → customer): changes are audited and told to
whoever listens (the timeline records each as an event).

Contacts sit below the timeline, so this module cannot call the timeline's writer; the
timeline subscribes in its AppConfig.ready instead. This is an explicit, typed list of
callables run inside the same transaction, not a Django signal: nothing is sent after commit,
and a listener's error rolls the change back.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact, LifecycleStage
from rapport.core.models import AuditEntry

BATCH = 900  # SQLite's limit on query parameters, with room to spare


@dataclass(frozen=True, slots=True)
class LifecycleChange:
    contact_id: int
    old: str
    new: str


LifecycleListener = Callable[[Any, list[LifecycleChange]], None]
_listeners: list[LifecycleListener] = []


def on_lifecycle_change(listener: LifecycleListener) -> None:
    """Call `listener(actor, changes)` whenever contacts change lifecycle stage."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify_lifecycle_changes(actor: Any, changes: list[LifecycleChange]) -> None:
    """Tell the listeners; the caller has written (and audited) the changes."""
    if changes:
        for listener in _listeners:
            listener(actor, changes)


@transaction.atomic
def contacts_set_lifecycle(
    *,
    actor: Any,
    contact_ids: Iterable[int],
    stage: str,
    only_from: Iterable[str] | None = None,
) -> list[LifecycleChange]:
    """Move contacts to `stage` because of something the actor did that the caller has
    already allowed (an order makes a customer, a converted lead a lead). Contacts already
    there, or not in one of the `only_from` stages, are left alone. Each change bumps the
    contact's version (so a form opened before it cannot silently undo it), is audited and
    is put on the contact's timeline."""
    if stage not in LifecycleStage.values:
        raise ValidationError({"lifecycle_stage": [_("No such lifecycle stage.")]})
    allowed = set(only_from) if only_from is not None else None
    ids = sorted(set(contact_ids))
    changes: list[LifecycleChange] = []
    audit: list[AuditEntry] = []
    content_type = ContentType.objects.get_for_model(Contact)
    by = actor if getattr(actor, "pk", None) else None
    for start in range(0, len(ids), BATCH):
        rows = (
            Contact.objects.select_for_update()
            .filter(pk__in=ids[start : start + BATCH])
            .exclude(lifecycle_stage=stage)
            .only("pk", "first_name", "last_name", "lifecycle_stage")
        )
        if allowed is not None:
            rows = rows.filter(lifecycle_stage__in=allowed)
        batch = list(rows)
        if not batch:
            continue
        Contact.objects.filter(pk__in=[c.pk for c in batch]).update(
            lifecycle_stage=stage, version=F("version") + 1
        )
        for contact in batch:
            changes.append(LifecycleChange(contact.pk, contact.lifecycle_stage, stage))
            audit.append(
                AuditEntry(
                    content_type=content_type,
                    object_id=contact.pk,
                    subject_contact_id=contact.pk,
                    actor=by,
                    action=AuditEntry.Action.UPDATE,
                    changes={"lifecycle_stage": [contact.lifecycle_stage, stage]},
                    object_repr=str(contact)[:200],
                )
            )
    AuditEntry.objects.bulk_create(audit, batch_size=BATCH)
    notify_lifecycle_changes(actor, changes)
    return changes
