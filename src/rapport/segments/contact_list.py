"""The contact list's filters as a segment rule of the same meaning ("Save as segment")."""

from typing import Any

from rapport.contacts.models import CustomField
from rapport.core.filtersets import Parsed

_PLAIN = {"lifecycle_stage": "lifecycle_stage", "city": "city"}


def rule_from_contact_filters(parsed: Parsed) -> dict[str, Any] | None:
    """An `all` rule selecting what the filters select, or None when one of them has no
    rule of the same meaning (a search, an external id, a company, a filter added by
    another app): the list is then saved as a static segment of the contacts it shows."""
    conditions: list[dict[str, Any]] = []
    for name, value in parsed.values.items():
        condition = _condition(name, value)
        if condition is None:
            return None
        conditions.extend(condition)
    if not conditions:
        return None  # every contact: a list, not a rule worth keeping
    return {"all": conditions}


def _condition(name: str, value: Any) -> list[dict[str, Any]] | None:
    if name in _PLAIN:
        return [{"field": _PLAIN[name], "op": "eq", "value": value}]
    if name == "country":
        return [{"field": "country", "op": "eq", "value": str(value).upper()}]
    if name == "owner" and isinstance(value, int):
        return [{"field": "owner", "op": "eq", "value": value}]
    if name == "tag":
        return [{"field": "tags", "op": "contains", "value": value}]
    if name == "consent":
        channel, _sep, rest = str(value).partition(":")
        purpose, _sep, state = rest.partition(":")
        return [{"field": f"consent.{channel}.{purpose}", "op": "eq", "value": state}]
    if name == "custom" and isinstance(value, dict):
        return _custom(value)
    return None


def _custom(values: dict[str, str]) -> list[dict[str, Any]] | None:
    kinds = dict(
        CustomField.objects.filter(
            entity=CustomField.Entity.CONTACT, key__in=list(values)
        ).values_list("key", "field_type")
    )
    found: list[dict[str, Any]] = []
    for key, raw in values.items():
        kind = kinds.get(key)
        if kind is None:
            return None
        field = f"custom.{key}"
        if kind == CustomField.FieldType.MULTI_CHOICE:
            found.append({"field": field, "op": "contains", "value": raw})
        elif kind == CustomField.FieldType.BOOLEAN:
            found.append({"field": field, "op": "eq", "value": raw.lower() in {"1", "true", "yes"}})
        elif kind in (CustomField.FieldType.TEXT, CustomField.FieldType.CHOICE):
            found.append({"field": field, "op": "eq", "value": raw})
        else:
            return None  # numbers and dates compare as stored text in the list: no equivalent
    return found
