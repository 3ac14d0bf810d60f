"""The service set-up an administrator keeps: complaint categories, the root-cause
taxonomy, SLA policies per severity, business hours and holidays. Deadlines already set on
complaints keep their values; a change applies to complaints registered (or reopened) after."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.core import permissions
from rapport.core.errors import Conflict
from rapport.core.params import parse_id
from rapport.core.text import clean_text
from rapport.service import sla
from rapport.service.models import (
    BusinessHours,
    ComplaintCategory,
    Holiday,
    RootCause,
    Severity,
    SlaPolicy,
)

MAX_MINUTES = 365 * 24 * 60


def _require(actor: Any, action: str) -> None:
    if not permissions.allows(actor, "service_setup", action):
        raise PermissionError(_("Only an administrator changes the service set-up."))


def _name(value: Any, errors: dict[str, list[str]], field: str = "name", limit: int = 100) -> str:
    try:
        name = clean_text(value, max_length=limit)
    except ValidationError as exc:
        errors[field] = list(exc.messages)
        return ""
    if not name and field == "name":
        errors[field] = [_("Give it a name.")]
    return name


def _saved(obj: Any, message: str) -> Any:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(message, field="name") from exc
    return obj


@transaction.atomic
def category_save(
    *, actor: Any, category: ComplaintCategory | None = None, name: Any, is_active: bool = True
) -> ComplaintCategory:
    """Add a complaint category, or rename or retire one (`category` given)."""
    _require(actor, "create" if category is None else "change")
    errors: dict[str, list[str]] = {}
    cleaned = _name(name, errors)
    if errors:
        raise ValidationError(errors)
    category = category or ComplaintCategory()
    category.name, category.is_active = cleaned, bool(is_active)
    return _saved(category, _("A category with this name exists already."))


@transaction.atomic
def root_cause_save(
    *,
    actor: Any,
    cause: RootCause | None = None,
    name: Any,
    parent: Any = None,
    description: Any = "",
    is_active: bool = True,
) -> RootCause:
    """Add a root cause (under a top-level one, or at the top), or change one."""
    _require(actor, "create" if cause is None else "change")
    errors: dict[str, list[str]] = {}
    cleaned = _name(name, errors)
    text = _name(description, errors, "description", 300)
    above = None
    if parent not in (None, ""):
        number = parse_id(parent)
        above = RootCause.objects.filter(pk=number).first() if number else None
        if above is None:
            errors["parent"] = [_("No such root cause.")]
        elif above.parent_id is not None:
            errors["parent"] = [_("Causes go two levels deep: choose a top-level cause.")]
        elif cause is not None and above.pk == cause.pk:
            errors["parent"] = [_("A cause cannot be under itself.")]
        elif cause is not None and cause.children.exists():
            errors["parent"] = [_("This cause has causes under it; it stays at the top.")]
    if errors:
        raise ValidationError(errors)
    cause = cause or RootCause()
    cause.name, cause.parent, cause.description = cleaned, above, text
    cause.is_active = bool(is_active)
    return _saved(cause, _("A cause with this name exists already at this level."))


def _minutes(value: Any, field: str, errors: dict[str, list[str]]) -> int:
    try:
        minutes = int(value)
        if not 1 <= minutes <= MAX_MINUTES:
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = [_("Give a whole number of minutes from 1 to a year.")]
        return 0
    return minutes


@transaction.atomic
def sla_policy_save(
    *,
    actor: Any,
    severity: str,
    first_response_minutes: Any,
    resolution_minutes: Any,
    business_hours_only: bool = True,
    warning_percent: Any = 80,
) -> SlaPolicy:
    """Set the SLA of one severity: first response and resolution within so many minutes
    (of business hours, or round the clock), and when to warn the assignee."""
    _require(actor, "change")
    errors: dict[str, list[str]] = {}
    if severity not in Severity.values:
        errors["severity"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Severity.values)}]
    first = _minutes(first_response_minutes, "first_response_minutes", errors)
    resolution = _minutes(resolution_minutes, "resolution_minutes", errors)
    if first and resolution and resolution < first:
        errors["resolution_minutes"] = [_("Resolution cannot be due before the first response.")]
    try:
        percent = int(warning_percent)
        if not 1 <= percent <= 99:
            raise ValueError
    except (TypeError, ValueError):
        errors["warning_percent"] = [_("Give a percentage from 1 to 99.")]
        percent = 0
    if errors:
        raise ValidationError(errors)
    policy, _created = SlaPolicy.objects.update_or_create(
        severity=severity,
        defaults={
            "first_response_minutes": first,
            "resolution_minutes": resolution,
            "business_hours_only": bool(business_hours_only),
            "warning_percent": percent,
        },
    )
    return policy


@transaction.atomic
def business_hours_save(
    *, actor: Any, hours: Mapping[int, tuple[dt.time, dt.time | None] | None]
) -> list[BusinessHours]:
    """Set the opening hours of each weekday (Monday = 0): (opens, closes) with closes None
    for midnight, or None for a closed day. At least one day must be open, or no deadline
    could ever be computed."""
    _require(actor, "change")
    errors: dict[str, list[str]] = {}
    rows = []
    for weekday in range(7):
        window = hours.get(weekday)
        if window is None:
            continue
        opens, closes = window
        row = BusinessHours(weekday=weekday, opens=opens, closes=closes)
        try:
            sla.check_window(row.window)
        except ValueError:
            errors[f"hours.{weekday}"] = [_("The business must open before it closes.")]
        rows.append(row)
    if not rows and not errors:
        errors["hours"] = [_("Keep at least one day open: SLA deadlines count open hours.")]
    if errors:
        raise ValidationError(errors)
    BusinessHours.objects.all().delete()
    return BusinessHours.objects.bulk_create(rows)


@transaction.atomic
def holiday_add(*, actor: Any, date: dt.date, name: Any = "", every_year: bool = False) -> Holiday:
    _require(actor, "create")
    errors: dict[str, list[str]] = {}
    cleaned = _name(name, errors, "holiday_name")
    if not isinstance(date, dt.date):
        errors["date"] = [_("Give a date like 2026-12-25.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Holiday.objects.create(date=date, name=cleaned, every_year=bool(every_year))
    except IntegrityError as exc:
        raise Conflict(_("That day is a holiday already."), field="date") from exc


@transaction.atomic
def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    _require(actor, "delete")
    holiday.delete()
