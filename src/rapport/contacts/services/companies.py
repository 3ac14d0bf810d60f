"""Creating, changing and deleting companies (accounts)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.contacts.models import Company, CustomField
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.services.contacts import _as_int, _clean_country
from rapport.contacts.services.custom_fields import clean_custom
from rapport.core import permissions, visibility
from rapport.core.audit import audit_record, diff
from rapport.core.errors import Conflict
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text

_TEXT = {"name": 200, "website": 200, "industry": 100, "city": 100, "address": 300}
_AUDITED = [*_TEXT, "email", "phone", "country", "notes", "owner_id", "external_id", "custom"]


def clean_company_data(data: dict[str, Any], *, current: Company | None = None) -> dict[str, Any]:

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def check(field: str, fn: Any) -> None:
        if field in data:
            try:
                cleaned[field] = fn(data[field])
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

    for field, max_length in _TEXT.items():
        check(field, lambda v, m=max_length: clean_text(v, max_length=m))
    check("notes", lambda v: clean_text(v, max_length=10000, multiline=True))
    check("email", lambda v: normalize_email(v) if v else "")
    check("phone", lambda v: normalize_phone(v) if v else "")
    check("country", _clean_country)
    check("external_id", lambda v: clean_text(v, max_length=100) or None)
    if not cleaned.get("name", current.name if current else "") and "name" not in errors:
        errors["name"] = [_("Enter the company's name.")]
    if "owner" in data and data["owner"] not in (None, ""):
        owner = permissions.owners().filter(pk=_as_int(data["owner"])).first()
        if owner is None:
            errors["owner"] = [_("Choose an active user who can own customers.")]
        else:
            cleaned["owner"] = owner
    if "custom" in data or current is None:
        try:
            cleaned["custom"] = {
                **(current.custom if current else {}),
                **clean_custom(
                    CustomField.Entity.COMPANY, data.get("custom") or {}, partial=bool(current)
                ),
            }
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _state(company: Company) -> dict[str, Any]:
    return {field: getattr(company, field) for field in _AUDITED}


def _save(company: Company) -> None:
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as exc:
        raise Conflict(_("Another company has this external id."), field="external_id") from exc


@transaction.atomic
def company_create(*, actor: Any, data: dict[str, Any]) -> Company:
    if not visibility.can_create(actor, "companies"):
        raise PermissionError(_("Your role cannot create companies."))
    cleaned = clean_company_data(data)
    cleaned.setdefault("owner", actor)
    company = Company(**cleaned)
    _save(company)
    audit_record(
        actor=actor, obj=company, action=AuditEntry.Action.CREATE, changes=diff({}, _state(company))
    )
    return company


@transaction.atomic
def company_update(*, actor: Any, company: Company, data: dict[str, Any]) -> Company:
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if not visibility.can(actor, "change", locked):
        raise PermissionError(_("You cannot change this company."))
    before = _state(locked)
    for field, value in clean_company_data(data, current=locked).items():
        setattr(locked, field, value)
    _save(locked)
    changes = diff(before, _state(locked))
    if changes:
        audit_record(actor=actor, obj=locked, action=AuditEntry.Action.UPDATE, changes=changes)
    return locked


@transaction.atomic
def company_delete(*, actor: Any, company: Company) -> None:
    if not visibility.can(actor, "delete", company):
        raise PermissionError(_("You cannot delete this company."))
    audit_record(
        actor=actor, obj=company, action=AuditEntry.Action.DELETE, changes=diff(_state(company), {})
    )
    company.delete()
