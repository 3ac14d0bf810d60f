"""The service set-up page: complaint categories, the root-cause taxonomy, SLA policies per
severity, business hours and holidays. Everyone who works complaints reads it; the
administrator changes it."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import permissions
from rapport.core.forms import PicoForm
from rapport.core.http import Request, apply_errors, get_visible_or_404
from rapport.service import selectors
from rapport.service.forms import (
    BusinessDayForm,
    CategoryForm,
    HolidayForm,
    RootCauseForm,
    SlaPolicyForm,
)
from rapport.service.models import (
    BusinessHours,
    ComplaintCategory,
    Holiday,
    RootCause,
    Severity,
)
from rapport.service.services import setup

TEMPLATE = "service/settings.html"


def _require(request: Request, action: str) -> None:
    if not permissions.allows(request.user, "service_setup", action):
        raise PermissionDenied


def _week_forms(data: Any = None) -> list[BusinessDayForm]:
    rows = {row.weekday: row for row in BusinessHours.objects.all()}
    forms = []
    for weekday in range(7):
        row = rows.get(weekday)
        initial = (
            {"is_open": True, "opens": row.opens, "closes": row.closes}
            if row
            else {"is_open": False}
        )
        forms.append(BusinessDayForm(data, weekday=weekday, initial=initial))
    return forms


def _context(request: Request, **forms: Any) -> dict[str, Any]:
    policies = selectors.policies()
    return {
        "can_change": permissions.allows(request.user, "service_setup", "change"),
        "categories": selectors.categories(),
        "causes": selectors.root_causes(),
        "category_form": forms.get("category_form") or CategoryForm(),
        "cause_form": forms.get("cause_form") or RootCauseForm(),
        "policy_forms": forms.get("policy_forms")
        or [SlaPolicyForm.of(s, policies.get(s)) for s in Severity.values],
        "severities": dict(Severity.choices),
        "week_forms": forms.get("week_forms") or _week_forms(),
        "holidays": Holiday.objects.all(),
        "holiday_form": forms.get("holiday_form") or HolidayForm(),
    }


@login_required
def settings_page(request: Request) -> HttpResponse:
    _require(request, "view")
    return render(request, TEMPLATE, _context(request))


def _saved(request: Request, form: PicoForm, write: Any, done: str, **context: Any) -> HttpResponse:
    """Run a set-up service with the form's cleaned data; back to the page with what happened,
    or the page again with the form's errors."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("service:settings")
    return render(request, TEMPLATE, _context(request, **context), status=422)


@login_required
@require_POST
def category_save(request: Request, pk: int | None = None) -> HttpResponse:
    _require(request, "change")
    category = get_visible_or_404(ComplaintCategory.objects.all(), pk) if pk else None
    form = CategoryForm(request.POST)
    return _saved(
        request,
        form,
        lambda data: setup.category_save(
            actor=request.user, category=category, name=data["name"], is_active=data["is_active"]
        ),
        _("Category saved."),
        category_form=form,
    )


@login_required
@require_POST
def cause_save(request: Request, pk: int | None = None) -> HttpResponse:
    _require(request, "change")
    cause = get_visible_or_404(RootCause.objects.all(), pk) if pk else None
    form = RootCauseForm(request.POST)
    return _saved(
        request,
        form,
        lambda data: setup.root_cause_save(
            actor=request.user,
            cause=cause,
            name=data["name"],
            parent=data["parent"] or None,
            description=data["description"],
            is_active=data["is_active"],
        ),
        _("Root cause saved."),
        cause_form=form,
    )


def _minutes(hours: Decimal) -> int:
    return int((hours * 60).to_integral_value())


@login_required
@require_POST
def policies_save(request: Request) -> HttpResponse:
    _require(request, "change")
    forms = [SlaPolicyForm(request.POST, severity=s) for s in Severity.values]
    if all(form.is_valid() for form in forms):
        try:
            for form in forms:
                data = form.cleaned_data
                try:
                    setup.sla_policy_save(
                        actor=request.user,
                        severity=form.severity,
                        first_response_minutes=_minutes(data["first_response_hours"]),
                        resolution_minutes=_minutes(data["resolution_hours"]),
                        business_hours_only=data["business_hours_only"],
                        warning_percent=data["warning_percent"],
                    )
                except ValidationError as exc:
                    apply_errors(
                        form,
                        exc,
                        {
                            "first_response_minutes": "first_response_hours",
                            "resolution_minutes": "resolution_hours",
                        },
                    )
                    raise
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError:
            pass
        else:
            messages.success(request, _("SLA policies saved."))
            return redirect("service:settings")
    return render(request, TEMPLATE, _context(request, policy_forms=forms), status=422)


@login_required
@require_POST
def hours_save(request: Request) -> HttpResponse:
    _require(request, "change")
    forms = _week_forms(request.POST)
    if all(form.is_valid() for form in forms):
        hours = {
            form.weekday: (form.cleaned_data["opens"], form.cleaned_data["closes"])
            for form in forms
            if form.cleaned_data["is_open"]
        }
        try:
            setup.business_hours_save(actor=request.user, hours=hours)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            for key, problems in exc.message_dict.items():
                day = key.removeprefix("hours.")
                target = forms[int(day)] if day.isdigit() else forms[0]
                for problem in problems:
                    target.add_error("closes" if day.isdigit() else None, problem)
        else:
            messages.success(request, _("Business hours saved."))
            return redirect("service:settings")
    return render(request, TEMPLATE, _context(request, week_forms=forms), status=422)


@login_required
@require_POST
def holiday_add(request: Request) -> HttpResponse:
    _require(request, "create")
    form = HolidayForm(request.POST)
    return _saved(
        request,
        form,
        lambda data: setup.holiday_add(
            actor=request.user,
            date=data["date"],
            name=data["holiday_name"],
            every_year=data["every_year"],
        ),
        _("Holiday added."),
        holiday_form=form,
    )


@login_required
@require_POST
def holiday_delete(request: Request, pk: int) -> HttpResponse:
    _require(request, "delete")
    holiday = get_visible_or_404(Holiday.objects.all(), pk)
    setup.holiday_delete(actor=request.user, holiday=holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("service:settings")
