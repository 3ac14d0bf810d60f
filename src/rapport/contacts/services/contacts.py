"""Creating, changing and deleting contacts and companies, with validation and audit."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts import search
from rapport.contacts.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    CustomField,
    Gender,
    LifecycleStage,
    Tag,
)
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.services.custom_fields import clean_custom
from rapport.contacts.services.lifecycle import LifecycleChange, notify_lifecycle_changes
from rapport.contacts.services.referrals import clean_referrer
from rapport.core import permissions, visibility
from rapport.core.audit import audit_record, diff
from rapport.core.errors import Conflict
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text

TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "middle_name": 100,
    "city": 100,
    "address": 300,
    "source": 100,
}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
AUDITED_FIELDS = [
    "first_name", "last_name", "middle_name", "email", "phone", "birth_date", "gender",
    "language", "city", "country", "address", "lifecycle_stage", "source", "owner_id",
    "company_id", "referred_by_id", "notes", "external_id", "custom",
]  # fmt: skip


@dataclass
class Entry:
    value: str
    kind: str
    is_primary: bool


def _clean_country(raw: Any) -> str:
    code = clean_text(raw).upper()
    if code and code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(_("Use a two-letter ISO 3166 country code, like UA or LT."))
    return code


def _clean_date(raw: Any) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if not isinstance(raw, dt.date):
        try:
            raw = dt.date.fromisoformat(str(raw).strip())
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if raw > timezone.localdate():
        raise ValidationError(_("A birth date cannot be in the future."))
    if raw.year < 1900:
        raise ValidationError(_("Enter a birth date after 1900."))
    return raw


def _clean_entries(raw: Any, kind_choices: list[str], normalize: Any, label: str) -> list[Entry]:
    if not isinstance(raw, list):
        raise ValidationError(_("Give a list of %(label)s.") % {"label": label})
    entries: list[Entry] = []
    seen: set[str] = set()
    for item in raw:
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict):
            raise ValidationError(_("Each entry needs a value."))
        value = normalize(str(item.get("value") or item.get("email") or item.get("number") or ""))
        kind = item.get("kind") or kind_choices[0]
        if kind not in kind_choices:
            raise ValidationError(
                _("Kind must be one of: %(kinds)s.") % {"kinds": ", ".join(kind_choices)}
            )
        if value in seen:
            continue
        seen.add(value)
        entries.append(Entry(value, kind, bool(item.get("is_primary"))))
    if entries and not any(e.is_primary for e in entries):
        entries[0].is_primary = True
    if sum(e.is_primary for e in entries) > 1:
        raise ValidationError(_("Mark only one entry as primary."))
    return entries


def _with_primary(entries: list[Entry], value: str, default_kind: str) -> list[Entry]:
    """Make `value` the primary entry (adding it), or drop the primary when `value` is empty."""
    if not value:
        rest = [e for e in entries if not e.is_primary]
        if rest:
            rest[0].is_primary = True
        return rest
    result = [Entry(e.value, e.kind, False) for e in entries if e.value != value]
    kind = next((e.kind for e in entries if e.value == value), default_kind)
    return [Entry(value, kind, True), *result]


def clean_contact_data(
    data: dict[str, Any], *, actor: Any, current: Contact | None = None
) -> dict[str, Any]:
    """Validate input for a contact; every problem is reported at once, keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def check(field: str, fn: Any) -> None:
        if field in data:
            try:
                cleaned[field] = fn(data[field])
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

    for field, max_length in TEXT_FIELDS.items():
        check(field, lambda v, m=max_length: clean_text(v, max_length=m))
    check("notes", lambda v: clean_text(v, max_length=10000, multiline=True))
    check("birth_date", _clean_date)
    check("country", _clean_country)

    def choice(choices: Any, label: str) -> Any:
        def fn(v: Any) -> str:
            v = clean_text(v)
            if v and v not in choices.values:
                raise ValidationError(
                    _("Choose %(label)s from: %(choices)s.")
                    % {"label": label, "choices": ", ".join(choices.values)}
                )
            return v

        return fn

    check("gender", choice(Gender, _("gender")))
    check("lifecycle_stage", choice(LifecycleStage, _("lifecycle stage")))
    if cleaned.get("lifecycle_stage") == "":
        cleaned["lifecycle_stage"] = LifecycleStage.PROSPECT

    def language(v: Any) -> str:
        v = clean_text(v).lower()
        if v and not _LANGUAGE.match(v):
            raise ValidationError(_("Use a language code like en, uk, ru or lt."))
        return v

    check("language", language)

    def external_id(v: Any) -> str | None:
        return clean_text(v, max_length=100) or None

    check("external_id", external_id)

    emails = [Entry(e.email, e.kind, e.is_primary) for e in current.emails.all()] if current else []
    phones = (
        [Entry(p.number, p.kind, p.is_primary) for p in current.phones.all()] if current else []
    )
    if "emails" in data:
        try:
            emails = _clean_entries(
                data["emails"], ContactEmail.Kind.values, normalize_email, _("e-mails")
            )
        except ValidationError as exc:
            errors.setdefault("emails", []).extend(exc.messages)
    if "phones" in data:
        try:
            phones = _clean_entries(
                data["phones"], ContactPhone.Kind.values, normalize_phone, _("phones")
            )
        except ValidationError as exc:
            errors.setdefault("phones", []).extend(exc.messages)
    if "email" in data and data["email"] not in (None, ""):
        try:
            emails = _with_primary(emails, normalize_email(str(data["email"])), "personal")
        except ValidationError as exc:
            errors.setdefault("email", []).extend(exc.messages)
    elif "email" in data:
        emails = _with_primary(emails, "", "personal")
    if "phone" in data and data["phone"] not in (None, ""):
        try:
            phones = _with_primary(phones, normalize_phone(str(data["phone"])), "mobile")
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    elif "phone" in data:
        phones = _with_primary(phones, "", "mobile")
    cleaned["_emails"] = emails
    cleaned["_phones"] = phones
    cleaned["email"] = next((e.value for e in emails if e.is_primary), "")
    cleaned["phone"] = next((p.value for p in phones if p.is_primary), "")

    first = cleaned.get("first_name", current.first_name if current else "")
    last = cleaned.get("last_name", current.last_name if current else "")
    if not first and not last and "first_name" not in errors:
        errors["first_name"] = [_("Enter a first or last name.")]

    if "owner" in data and data["owner"] not in (None, ""):
        owner = permissions.owners().filter(pk=_as_int(data["owner"])).first()
        if owner is None:
            errors["owner"] = [_("Choose an active user who can own customers.")]
        else:
            cleaned["owner"] = owner
    if "company" in data:
        if data["company"] in (None, ""):
            cleaned["company"] = None
        else:
            company = (
                visibility.scope(Company.objects.all(), actor)
                .filter(pk=_as_int(data["company"]))
                .first()
            )
            if company is None:
                errors["company"] = [_("No such company.")]
            else:
                cleaned["company"] = company
    if "referred_by" in data:
        unchanged = current is not None and str(data["referred_by"] or "") == str(
            current.referred_by_id or ""
        )  # kept as it is, even when the referrer is someone the actor cannot see
        try:
            if not unchanged:
                cleaned["referred_by"] = clean_referrer(
                    data["referred_by"], actor=actor, current=current
                )
        except ValidationError as exc:
            errors["referred_by"] = list(exc.messages)
    if "tags" in data:
        raw_tags = data["tags"]
        if isinstance(raw_tags, str):
            raw_tags = raw_tags.split(",")
        if not isinstance(raw_tags, list):
            errors["tags"] = [_("Give tags as a list of names.")]
        else:
            try:
                cleaned["tags"] = sorted(
                    {t for t in (clean_text(x, max_length=60) for x in raw_tags) if t}
                )
            except ValidationError as exc:
                errors["tags"] = list(exc.messages)
    if "custom" in data:
        try:
            cleaned["custom"] = {
                **(current.custom if current else {}),
                **clean_custom(
                    CustomField.Entity.CONTACT, data["custom"] or {}, partial=bool(current)
                ),
            }
        except ValidationError as exc:
            errors.update(exc.message_dict)
    elif current is None:
        try:
            cleaned["custom"] = clean_custom(CustomField.Entity.CONTACT, {})
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def check_duplicates(
    *, emails: list[str], phones: list[str], exclude_id: int | None, allow_duplicates: bool
) -> None:
    """Refuse an e-mail or phone that another contact has, naming that contact."""
    taken = ContactEmail.objects.filter(email__in=emails)
    phone = ContactPhone.objects.filter(number__in=phones)
    if exclude_id is not None:
        taken = taken.exclude(contact_id=exclude_id)
        phone = phone.exclude(contact_id=exclude_id)
    clash = taken.select_related("contact").first()
    if clash and (not allow_duplicates or clash.email == _primary_email_holder(clash)):
        raise Conflict(
            # The message names no one: the caller may not be allowed to see that contact;
            # views and the API link to `existing` only when the viewer may.
            _("%(email)s already belongs to another contact.") % {"email": clash.email},
            field="email",
            existing=clash.contact,
        )
    if allow_duplicates:
        return
    phone_clash = phone.select_related("contact").first()
    if phone_clash:
        raise Conflict(
            _("%(phone)s already belongs to another contact.") % {"phone": phone_clash.number},
            field="phone",
            existing=phone_clash.contact,
        )


def _primary_email_holder(entry: ContactEmail) -> str:
    return entry.contact.email


def _save_entries(contact: Contact, emails: list[Entry], phones: list[Entry]) -> None:
    contact.emails.all().delete()
    contact.phones.all().delete()
    ContactEmail.objects.bulk_create(
        ContactEmail(contact=contact, email=e.value, kind=e.kind, is_primary=e.is_primary)
        for e in emails
    )
    ContactPhone.objects.bulk_create(
        ContactPhone(contact=contact, number=p.value, kind=p.kind, is_primary=p.is_primary)
        for p in phones
    )


def _set_tags(contact: Contact, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    contact.tags.set(existing.values())


def snapshot(contact: Contact) -> dict[str, Any]:
    """The audited state of a contact, for diffs."""
    state = {field: getattr(contact, field) for field in AUDITED_FIELDS}
    if contact.pk:
        state["emails"] = [f"{e.email} ({e.kind})" for e in contact.emails.all()]
        state["phones"] = [f"{p.number} ({p.kind})" for p in contact.phones.all()]
        state["tags"] = sorted(t.name for t in contact.tags.all())
    return state


def _integrity_to_conflict(exc: IntegrityError) -> Conflict:
    text = str(exc).lower()
    if "external_id" in text:
        return Conflict(_("Another contact has this external id."), field="external_id")
    if "email" in text:
        return Conflict(_("Another contact has this e-mail."), field="email")
    return Conflict(_("This change conflicts with another record; reload and try again."))


@transaction.atomic
def contact_create(*, actor: Any, data: dict[str, Any], allow_duplicates: bool = False) -> Contact:
    """Create a contact from validated input; the actor owns it unless an owner is given."""
    if not visibility.can_create(actor, "contacts"):
        raise PermissionError(_("Your role cannot create contacts."))
    cleaned = clean_contact_data(data, actor=actor)
    emails, phones = cleaned.pop("_emails"), cleaned.pop("_phones")
    tags = cleaned.pop("tags", [])
    check_duplicates(
        emails=[e.value for e in emails],
        phones=[p.value for p in phones],
        exclude_id=None,
        allow_duplicates=allow_duplicates,
    )
    cleaned.setdefault("owner", actor)
    contact = Contact(**cleaned)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise _integrity_to_conflict(exc) from exc
    _save_entries(contact, emails, phones)
    if tags:
        _set_tags(contact, tags)
    search.reindex(contact)
    audit_record(
        actor=actor,
        obj=contact,
        action=AuditEntry.Action.CREATE,
        changes=diff({}, snapshot(contact)),
        subject_contact_id=contact.pk,
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Any,
    contact: Contact,
    data: dict[str, Any],
    expected_version: int | None = None,
    allow_duplicates: bool = False,
) -> Contact:
    """Apply a partial change; refused if someone saved a newer version in between."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if not visibility.can(actor, "change", locked):
        raise PermissionError(_("You cannot change this contact."))
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            _("Someone changed this contact meanwhile; reload it and apply your change again."),
            field="version",
        )
    before = snapshot(locked)
    cleaned = clean_contact_data(data, actor=actor, current=locked)
    emails, phones = cleaned.pop("_emails"), cleaned.pop("_phones")
    tags = cleaned.pop("tags", None)
    check_duplicates(
        emails=[e.value for e in emails],
        phones=[p.value for p in phones],
        exclude_id=locked.pk,
        allow_duplicates=allow_duplicates,
    )
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.version += 1
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise _integrity_to_conflict(exc) from exc
    _save_entries(locked, emails, phones)
    if tags is not None:
        _set_tags(locked, tags)
    search.reindex(locked)
    changes = diff(before, snapshot(locked))
    if changes:
        audit_record(
            actor=actor,
            obj=locked,
            action=AuditEntry.Action.UPDATE,
            changes=changes,
            subject_contact_id=locked.pk,
        )
    if "lifecycle_stage" in changes:
        old, new = changes["lifecycle_stage"]
        notify_lifecycle_changes(actor, [LifecycleChange(locked.pk, old, new)])
    return locked


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    if not visibility.can(actor, "delete", contact):
        raise PermissionError(_("You cannot delete this contact."))
    audit_record(
        actor=actor,
        obj=contact,
        action=AuditEntry.Action.DELETE,
        changes=diff(snapshot(contact), {}),
        subject_contact_id=contact.pk,
    )
    contact.delete()
