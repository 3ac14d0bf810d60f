"""Editing a scenario's draft in place (HTMX; plain POSTs work without script too): a step's
form, a new step after any step or into an empty branch, delete, move up and down, the
trigger, and the name, description, re-entry and holdout.

Every save sends the whole new steps list to `services.scenario_update` with the version the
editor started from (`updated_at`): a save over someone else's newer save is refused, and
the errors a save gives are drawn next to the step they name."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.automation import edits, services
from rapport.automation.models import Scenario
from rapport.automation.validation import STEP_PARAMS
from rapport.automation.views import cards
from rapport.automation.views.pages import _scenarios, flow_context, render_flow
from rapport.core.http import Request, get_visible_or_404


def _gone(request: Request, pk: int) -> HttpResponse:
    """The step a form named is not there any more (someone changed the flow): back to the
    page, which shows the draft as it is now."""
    messages.error(request, _("That step is no longer there: the page shows the draft now."))
    url = reverse("automation:scenario_detail", args=[pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _expected(request: Request) -> dt.datetime | None:
    raw = request.POST.get("updated_at", "")
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _writable(request: Request, pk: int) -> Scenario:
    scenario = get_visible_or_404(_scenarios(request), pk)
    if not services.may_change(request.user, scenario):
        raise PermissionDenied(_("You cannot change scenarios."))
    return scenario


def _saved(request: Request, scenario: Scenario, text: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, text)
        return redirect("automation:scenario_detail", pk=scenario.pk)
    fresh = _scenarios(request).get(pk=scenario.pk)
    context = flow_context(request, fresh, show="draft")
    context["notice"] = text
    return render_flow(request, context)


def _refused(
    request: Request, scenario: Scenario, exc: ValidationError, **form: Any
) -> HttpResponse:
    """The page again, the form still open with what was sent and the errors beside it."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    fresh = _scenarios(request).get(pk=scenario.pk)
    context = flow_context(request, fresh, show="draft", errors=errors, **form)
    context["stale"] = errors.get("updated_at", [])
    # 200 for HTMX (it swaps only successful answers); 422 for a plain form post
    return render_flow(request, context, status=200 if request.htmx else 422)


def _update(request: Request, scenario: Scenario, data: dict[str, Any]) -> None:
    try:
        services.scenario_update(
            actor=request.user,
            scenario=scenario,
            data=data,
            expected_updated_at=_expected(request),
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


@login_required
@require_POST
def step_save(request: Request, pk: int) -> HttpResponse:
    """Save one step's form: `mode` "edit" replaces the step at `path`, "add" inserts a new
    one there."""
    scenario = _writable(request, pk)
    path = request.POST.get("path", "")[:60]
    mode = request.POST.get("mode", "edit")
    kind = request.POST.get("type", "")
    if kind not in STEP_PARAMS:
        return _gone(request, pk)
    try:
        old = edits.get(scenario.steps, path) if mode == "edit" else None
        step = cards.step_from(request.POST, kind, old)
        steps = (
            edits.replace(scenario.steps, path, step)
            if mode == "edit"
            else edits.insert(scenario.steps, path, step)
        )
    except KeyError:
        return _gone(request, pk)
    try:
        _update(request, scenario, {"steps": steps})
    except ValidationError as exc:
        form = {"editing": path} if mode == "edit" else {"adding": path}
        return _refused(request, scenario, exc, kind=kind, posted=step, **form)
    return _saved(request, scenario, _("Step saved."))


@login_required
@require_POST
def step_change(request: Request, pk: int) -> HttpResponse:
    """Delete a step, or move it up or down within its list."""
    scenario = _writable(request, pk)
    path = request.POST.get("path", "")[:60]
    op = request.POST.get("op", "")
    try:
        if op == "delete":
            steps = edits.delete(scenario.steps, path)
        elif op in ("up", "down"):
            steps = edits.move(scenario.steps, path, -1 if op == "up" else 1)
        else:
            raise KeyError(op)
    except KeyError:
        return _gone(request, pk)
    try:
        _update(request, scenario, {"steps": steps})
    except ValidationError as exc:
        return _refused(request, scenario, exc)
    return _saved(request, scenario, _("Step deleted.") if op == "delete" else _("Step moved."))


@login_required
@require_POST
def trigger_save(request: Request, pk: int) -> HttpResponse:
    scenario = _writable(request, pk)
    trigger = cards.trigger_from(request.POST)
    try:
        _update(request, scenario, {"trigger": trigger})
    except ValidationError as exc:
        return _refused(
            request, scenario, exc, editing="trigger", kind=trigger["type"], posted=trigger
        )
    return _saved(request, scenario, _("Trigger saved."))


def _whole(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        return raw


@login_required
@require_POST
def settings_save(request: Request, pk: int) -> HttpResponse:
    scenario = _writable(request, pk)
    post = request.POST
    data = {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "reentry_days": None if post.get("never") else _whole(post.get("reentry_days", "0")),
        "holdout_percent": _whole(post.get("holdout_percent", "0")),
    }
    try:
        _update(request, scenario, data)
    except ValidationError as exc:
        return _refused(request, scenario, exc, editing="settings", posted=data)
    return _saved(request, scenario, _("Settings saved."))
