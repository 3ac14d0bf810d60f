"""Finding duplicate contacts and merging two into one without losing anything."""

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.db import transaction
from django.db.models import Count, ForeignKey
from django.utils.translation import gettext as _

from rapport.contacts import search
from rapport.contacts.models import (
    ConsentState,
    Contact,
    ContactEmail,
    ContactMerge,
    ContactPhone,
    ContactRelation,
    SearchTerm,
)
from rapport.contacts.services.contacts import AUDITED_FIELDS, snapshot
from rapport.contacts.services.referrals import closes_circle
from rapport.core import visibility
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditEntry

# How alike two full names must be (difflib ratio) to be shown as a possible duplicate.
SIMILAR_NAME_RATIO = 0.85


@dataclass
class Duplicate:
    contact: Contact
    reasons: list[str] = field(default_factory=list)
    certain: bool = False  # same e-mail or phone; a same name alone is only a hint


def find_duplicates(
    *,
    contacts: Any,
    emails: list[str] = (),  # type: ignore[assignment]
    phones: list[str] = (),  # type: ignore[assignment]
    first_name: str = "",
    last_name: str = "",
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[Duplicate]:
    """Contacts (among the viewer's `contacts`) sharing an e-mail or phone, or the full name."""
    found: dict[int, Duplicate] = {}

    def add(contact: Contact, reason: str, certain: bool) -> None:
        dup = found.setdefault(contact.pk, Duplicate(contact))
        dup.reasons.append(reason)
        dup.certain = dup.certain or certain

    base = contacts.exclude(pk=exclude_id) if exclude_id else contacts
    if emails:
        for c in base.filter(
            pk__in=ContactEmail.objects.filter(email__in=emails).values("contact_id")
        )[:limit]:
            add(c, _("same e-mail"), True)
    if phones:
        for c in base.filter(
            pk__in=ContactPhone.objects.filter(number__in=phones).values("contact_id")
        )[:limit]:
            add(c, _("same phone"), True)
    first, last = search.fold(first_name.strip()), search.fold(last_name.strip())
    if first and last:
        # Candidates share the first letters of both names (cheap on the search index); the
        # similarity of the whole name then catches typos like "Kovalenko" / "Kovalenco".
        candidates = search.having_prefixes(base, [last[:3], first[:2]])
        wanted = f"{first} {last}"
        for c in candidates[:200]:
            name = f"{search.fold(c.first_name)} {search.fold(c.last_name)}"
            ratio = SequenceMatcher(None, wanted, name).ratio()
            if ratio == 1:
                add(c, _("same name"), False)
            elif ratio >= SIMILAR_NAME_RATIO:
                add(c, _("similar name"), False)
    return sorted(found.values(), key=lambda d: (not d.certain, d.contact.pk))[:limit]


def duplicate_groups(*, contacts: Any, limit: int = 50) -> list[list[Contact]]:
    """Groups of the viewer's contacts sharing an e-mail or phone (the on-demand scan)."""
    visible_ids = contacts.values("pk")
    groups: list[list[Contact]] = []
    for model, column in ((ContactEmail, "email"), (ContactPhone, "number")):
        values = (
            model.objects.filter(contact_id__in=visible_ids)
            .values(column)
            .annotate(n=Count("contact_id", distinct=True))
            .filter(n__gt=1)
            .values_list(column, flat=True)[:limit]
        )
        for value in values:
            ids = model.objects.filter(**{column: value}).values("contact_id")
            groups.append(list(contacts.filter(pk__in=ids).order_by("pk")))
    return [g for g in groups if len(g) > 1][:limit]


def merge_check(*, actor: Any, winner: Contact, losers: list[Contact]) -> None:
    """Refuse a merge the actor's rights do not cover: the kept contact changes, and each
    merged-away contact disappears, so merging needs the delete right on it (a role refused
    DELETE on a contact must not delete one by merging it away)."""
    if not visibility.can(actor, "change", winner):
        raise PermissionError(_("You cannot change contact #%(id)s.") % {"id": winner.pk})
    for loser in losers:
        if not visibility.can(actor, "delete", loser):
            raise PermissionError(
                _("You cannot delete contact #%(id)s, so you cannot merge it away.")
                % {"id": loser.pk}
            )


def mergeable(actor: Any, contacts: list[Contact]) -> bool:
    """Whether `actor` may merge `contacts` into one of them (keeping one it may change and
    deleting all the others)."""
    return any(
        visibility.can(actor, "change", keep)
        and all(visibility.can(actor, "delete", c) for c in contacts if c.pk != keep.pk)
        for keep in contacts
    )


@transaction.atomic
def contact_merge(*, actor: Any, winner: Contact, loser: Contact) -> Contact:
    """Fold `loser` into `winner`: every related record moves over, blanks are filled,
    consents and the audit trail are kept, and a snapshot of `loser` is stored."""
    if winner.pk == loser.pk:
        raise ValueError(_("Choose two different contacts to merge."))
    winner = Contact.objects.select_for_update().get(pk=winner.pk)
    loser = Contact.objects.select_for_update().get(pk=loser.pk)
    merge_check(actor=actor, winner=winner, losers=[loser])
    before = snapshot(winner)
    loser_state = {k: v[1] for k, v in diff({}, snapshot(loser)).items()}

    # Channels: the loser's e-mails and phones join the winner's as secondary entries.
    have_emails = set(winner.emails.values_list("email", flat=True))
    have_phones = set(winner.phones.values_list("number", flat=True))
    loser_emails = list(loser.emails.all())
    loser_phones = list(loser.phones.all())
    ContactEmail.objects.filter(contact=loser).delete()
    ContactPhone.objects.filter(contact=loser).delete()
    external_id, loser.external_id, loser.email = loser.external_id, None, ""
    loser.save(update_fields=["external_id", "email"])
    ContactEmail.objects.bulk_create(
        ContactEmail(contact=winner, email=e.email, kind=e.kind, is_primary=False)
        for e in loser_emails
        if e.email not in have_emails
    )
    ContactPhone.objects.bulk_create(
        ContactPhone(contact=winner, number=p.number, kind=p.kind, is_primary=False)
        for p in loser_phones
        if p.number not in have_phones
    )
    if not winner.email and loser_emails:
        ContactEmail.objects.filter(contact=winner, email=loser_emails[0].email).update(
            is_primary=True
        )
        winner.email = loser_emails[0].email
    if not winner.phone and loser_phones:
        ContactPhone.objects.filter(contact=winner, number=loser_phones[0].number).update(
            is_primary=True
        )
        winner.phone = loser_phones[0].number

    # Blank fields of the winner take the loser's values.
    for name in AUDITED_FIELDS:
        if name in {"email", "phone", "external_id", "custom", "owner_id", "referred_by_id"}:
            continue
        if getattr(winner, name) in ("", None) and getattr(loser, name) not in ("", None):
            setattr(winner, name, getattr(loser, name))
    if not winner.external_id and external_id:
        winner.external_id = external_id
    winner.custom = {**loser.custom, **winner.custom}
    winner.tags.add(*loser.tags.all())

    # Relations: the loser's ties become the winner's, except a tie between the two.
    ContactRelation.objects.filter(contact=loser, related=winner).delete()
    ContactRelation.objects.filter(contact=winner, related=loser).delete()
    for relation in ContactRelation.objects.filter(contact=loser):
        if not ContactRelation.objects.filter(contact=winner, related=relation.related_id).exists():
            ContactRelation.objects.create(
                contact=winner, related_id=relation.related_id, kind=relation.kind
            )
    for relation in ContactRelation.objects.filter(related=loser):
        if not ContactRelation.objects.filter(contact=relation.contact_id, related=winner).exists():
            ContactRelation.objects.create(
                contact_id=relation.contact_id, related=winner, kind=relation.kind
            )
    ContactRelation.objects.filter(contact=loser).delete()
    ContactRelation.objects.filter(related=loser).delete()

    # Everything else that points at a contact (consents, life events, interactions, and
    # whatever later apps add) moves over as it is; the consent state is not moved but
    # rewritten from the moved events (both had one for e-mail marketing: the newer wins).
    handled = {ContactEmail, ContactPhone, ContactRelation, SearchTerm, ConsentState}
    for rel in Contact._meta.related_objects:
        fk, model = rel.field, rel.related_model
        if isinstance(fk, ForeignKey) and isinstance(model, type) and model not in handled:
            model._base_manager.filter(**{fk.name: loser}).update(**{fk.name: winner})
    AuditEntry.objects.filter(subject_contact_id=loser.pk).update(subject_contact_id=winner.pk)
    # Those the loser referred are the winner's referrals now (moved above), so neither may
    # be the winner's own referrer; the winner keeps theirs, or takes the loser's unless that
    # would close a circle.
    Contact.objects.filter(pk=winner.pk, referred_by=winner.pk).update(referred_by=None)
    if winner.referred_by_id == loser.pk:
        winner.referred_by_id = None
    referrer = loser.referred_by_id
    if (
        winner.referred_by_id is None
        and referrer not in (None, winner.pk, loser.pk)
        and not closes_circle(winner.pk, referrer)
    ):
        winner.referred_by_id = referrer

    winner.version += 1
    winner.save()
    ContactMerge.objects.create(
        contact=winner, merged_id=loser.pk, snapshot=loser_state, merged_by=actor
    )
    loser_pk, loser_name = loser.pk, loser.full_name
    loser.delete()
    search.reindex(winner)
    changes = diff(before, snapshot(winner))
    changes["merged"] = [f"#{loser_pk} {loser_name}", None]
    audit_record(
        actor=actor,
        obj=winner,
        action=AuditEntry.Action.MERGE,
        changes=changes,
        subject_contact_id=winner.pk,
    )
    return winner
