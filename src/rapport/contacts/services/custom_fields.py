"""Validating values of the custom attributes an admin defined for contacts or companies."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.contacts.models import CustomField
from rapport.core.text import clean_text


def definitions(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity))


def clean_value(field: CustomField, raw: Any) -> Any:
    if raw is None or raw == "" or raw == []:
        if field.required:
            raise ValidationError(_("This field is required."), code="required")
        return None
    kind = field.field_type
    if kind == CustomField.FieldType.TEXT:
        return clean_text(raw, max_length=1000)
    if kind == CustomField.FieldType.NUMBER:
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        return str(number)
    if kind == CustomField.FieldType.DATE:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == CustomField.FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on", "так", "да", "taip"}:
            return True
        if text in {"0", "false", "no", "off", "ні", "нет", "ne"}:
            return False
        raise ValidationError(_("Enter yes or no."))
    allowed = [str(c) for c in field.choices]
    if kind == CustomField.FieldType.CHOICE:
        if str(raw) not in allowed:
            raise ValidationError(
                _("Choose one of: %(choices)s."), params={"choices": ", ".join(allowed)}
            )
        return str(raw)
    values = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",")]
    bad = [str(v) for v in values if str(v) not in allowed]
    if bad:
        raise ValidationError(
            _("Not among the choices: %(bad)s. Choose from: %(choices)s."),
            params={"bad": ", ".join(bad), "choices": ", ".join(allowed)},
        )
    return [str(v) for v in values]


def clean_custom(entity: str, values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validated custom values keyed by field key; unknown keys are an error, not dropped."""
    if not isinstance(values, dict):
        raise ValidationError({"custom": [_("Custom attributes must be an object of key: value.")]})
    fields = {f.key: f for f in definitions(entity)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        field = fields.get(key)
        if field is None:
            errors[f"custom.{key}"] = [
                _("Unknown custom attribute. Known: %(keys)s.")
                % {"keys": ", ".join(fields) or _("none")}
            ]
            continue
        try:
            value = clean_value(field, raw)
        except ValidationError as exc:
            errors[f"custom.{key}"] = list(exc.messages)
            continue
        if value is not None:
            cleaned[key] = value
    if not partial:
        for key, field in fields.items():
            if field.required and key not in cleaned and f"custom.{key}" not in errors:
                errors[f"custom.{key}"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return cleaned
