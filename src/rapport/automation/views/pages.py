"""Scenario pages: the list, and a scenario's flow top to bottom (trigger, steps, a
condition's branches indented) with per-step counts, its actions (publish, switch on, pause,
archive) and — for those who may change it — the in-place editors (see editing.py).

Every read goes through `automation.selectors` (the role rule's "scenarios" kind); every
write through `automation.services`; who sees which button asks `visibility.can`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.automation import flow, report, selectors, services, wording
from rapport.automation.models import RunStatus, Scenario, ScenarioStatus
from rapport.automation.triggers import TRIGGERS
from rapport.automation.validation import STEP_KINDS, STEP_PARAMS
from rapport.automation.views import cards
from rapport.core import visibility
from rapport.core.http import Request, get_visible_or_404

TEMPLATE = "automation/detail.html"
ACTIONS = ("publish", "activate", "pause", "archive")
DONE_MESSAGES = {
    "publish": lambda n: _("Published as version %(n)s: new runs take it.") % {"n": n},
    "activate": lambda n: _("Switched on: events from now on start runs."),
    "pause": lambda n: _("Paused: runs wait where they are until it is switched on again."),
    "archive": lambda n: _("Archived: runs in flight were cancelled."),
}


def _scenarios(request: Request) -> Any:
    return selectors.scenarios_for(request.user).select_related("published")


@login_required
@require_GET
def scenario_list(request: Request) -> HttpResponse:
    status = request.GET.get("status", "")
    scenarios = _scenarios(request).annotate(
        active_runs=Count("runs", filter=Q(runs__status=RunStatus.ACTIVE)),
        finished_runs=Count("runs", filter=~Q(runs__status=RunStatus.ACTIVE)),
    )
    if status in ScenarioStatus.values:
        scenarios = scenarios.filter(status=status)
    rows = [
        {
            "scenario": s,
            "trigger": wording.trigger_label(s.trigger),
            "params": ", ".join(f"{k}: {v}" for k, v in wording.trigger_params(s.trigger)),
            "unpublished": services.draft_differs(s),
            "may_change": visibility.can(request.user, "change", s),
        }
        for s in scenarios.order_by("name", "id")[:500]
    ]
    return render(
        request,
        "automation/list.html",
        {
            "rows": rows,
            "status": status if status in ScenarioStatus.values else "",
            "statuses": ScenarioStatus.choices,
            "can_create": visibility.can_create(request.user, "scenarios"),
        },
    )


@login_required
@require_POST
def scenario_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "scenarios"):
        raise PermissionDenied(_("You cannot create scenarios."))
    try:
        # a trigger every scenario may start with; the editor opens on it at once
        scenario = services.scenario_create(
            actor=request.user,
            data={"name": request.POST.get("name", ""), "trigger": {"type": "order_placed"}},
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("automation:scenario_list")
    messages.success(request, _("Scenario created: choose its trigger, then add steps."))
    return redirect(reverse("automation:scenario_detail", args=[scenario.pk]) + "?edit=trigger")


# --- the flow ------------------------------------------------------------------------------


def _counts(scenario: Scenario) -> dict[str, dict[str, int]]:
    return {row["position"]: row for row in selectors.step_counts(scenario)}


def flow_context(
    request: Request,
    scenario: Scenario,
    *,
    show: str = "",
    editing: str = "",
    adding: str = "",
    kind: str = "",
    posted: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """What the scenario page draws. `editing`: "trigger", "settings" or a step's path whose
    form is open; `adding`: the path a new step of `kind` goes to; `posted`: the values a
    refused save sent (drawn again with `errors`, keyed as the service keys them)."""
    may_change = visibility.can(request.user, "change", scenario)
    version = scenario.published
    if show not in ("draft", "published") or (show == "published" and version is None):
        show = "draft" if may_change or version is None else "published"
    if show == "published" and version is not None:
        trigger, steps = version.trigger, version.steps
    else:
        trigger, steps = scenario.trigger, scenario.steps
    unpublished = services.draft_differs(scenario)
    counts = _counts(scenario) if version and (show == "published" or not unpublished) else {}
    errors = errors or {}
    by_step, other = cards.place_errors(errors, steps if not adding else [])
    editable = may_change and show == "draft"
    context: dict[str, Any] = {
        "scenario": scenario,
        "version": version,
        "unpublished": unpublished,
        "show": show,
        "may_change": may_change,
        "editable": editable,
        "trigger": trigger,
        "trigger_label": wording.trigger_label(trigger),
        "trigger_params": wording.trigger_params(trigger),
        "trigger_filter": wording.rule_text(trigger["filter"]) if trigger.get("filter") else "",
        "cards": cards.cards(steps, counts, by_step),
        "counts_shown": bool(counts),
        "updated_at": scenario.updated_at.isoformat(),
        "editing": editing if editable else "",
        "adding": adding if editable else "",
        "step_types": [(k, str(wording.STEP_LABELS[k])) for k in STEP_KINDS],
        "general_errors": [
            text
            for key, texts in other.items()
            if not _shown_in_form(key, editing, adding)
            for text in texts
        ],
        "moves": _moves(scenario) if may_change else [],
        "may_read_report": report.may_read_report(request.user),
    }
    if not editable:
        return context
    if editing == "trigger":
        context["form"] = _trigger_form(request, trigger, kind, posted, errors)
    elif editing == "settings":
        context["form"] = _settings_form(scenario, posted, errors)
    elif editing or adding:
        path = editing or adding
        current = flow.at(steps, path) if editing else None
        step_kind = kind or str((current or {}).get("type") or "")
        if step_kind in STEP_PARAMS:
            given = posted if posted is not None else (current or {"type": step_kind})
            found = cards.field_errors(errors, flow.error_path(path))
            context["form"] = {
                "path": path,
                "mode": "edit" if editing else "add",
                "kind": step_kind,
                "label": str(wording.STEP_LABELS[step_kind]),
                "fields": cards.form_fields(STEP_PARAMS[step_kind], given, found, request.user),
                "templates": "templates" in STEP_PARAMS[step_kind],
                "tabs": cards.template_tabs(given),
                "template_errors": found.get("templates", []),
                "errors": found.get("", []),
            }
        else:
            context["form"] = {"path": path, "mode": "choose", "kind": ""}
    return context


def _shown_in_form(key: str, editing: str, adding: str) -> bool:
    """Whether the open form draws the error under `key` beside its field."""
    if editing == "settings":
        return key in services.FIELDS
    if editing == "trigger":
        return key == "trigger" or key.startswith("trigger.")
    path = editing or adding
    if not path or path in ("settings", "trigger"):
        return False
    prefix = flow.error_path(path)
    return key == prefix or key.startswith((prefix + ".", prefix + "["))


def _trigger_form(
    request: Request,
    trigger: dict[str, Any],
    kind: str,
    posted: dict[str, Any] | None,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    given = posted if posted is not None else trigger
    kind = kind or str(given.get("type") or "")
    found = cards.field_errors(errors, "trigger")
    specs = dict(TRIGGERS[kind].params) if kind in TRIGGERS else {}
    filter_rule = given.get("filter")
    return {
        "kind": kind,
        "types": [(t.key, str(t.label)) for t in TRIGGERS.values()],
        "fields": cards.form_fields(specs, given, found, request.user),
        "filter": cards._shown(filter_rule, "rule"),
        "filter_errors": found.get("filter", []),
        "errors": found.get("", []) + found.get("type", []),
    }


def _settings_form(
    scenario: Scenario, posted: dict[str, Any] | None, errors: dict[str, list[str]]
) -> dict[str, Any]:
    values = posted or {
        "name": scenario.name,
        "description": scenario.description,
        "reentry_days": scenario.reentry_days,
        "holdout_percent": scenario.holdout_percent,
    }
    return {
        "values": values,
        "never": values.get("reentry_days") is None,
        "errors": {k: v for k, v in errors.items() if k in services.FIELDS},
    }


def _moves(scenario: Scenario) -> list[dict[str, Any]]:
    """The actions the scenario's state allows, as buttons."""
    out = []
    if scenario.status != ScenarioStatus.ARCHIVED and services.draft_differs(scenario):
        out.append({"action": "publish", "label": _("Publish"), "primary": True, "confirm": ""})
    if scenario.status in (ScenarioStatus.DRAFT, ScenarioStatus.PAUSED):
        out.append({"action": "activate", "label": _("Switch on"), "primary": False, "confirm": ""})
    if scenario.status == ScenarioStatus.ACTIVE:
        out.append({"action": "pause", "label": _("Pause"), "primary": False, "confirm": ""})
    if scenario.status != ScenarioStatus.ARCHIVED:
        out.append(
            {
                "action": "archive",
                "label": _("Archive"),
                "primary": False,
                "confirm": _("Archive this scenario? Runs in flight are cancelled."),
            }
        )
    return out


def render_flow(request: Request, context: dict[str, Any], status: int = 200) -> HttpResponse:
    name = f"{TEMPLATE}#scenario" if request.htmx else TEMPLATE
    return render(request, name, context, status=status)


@login_required
@require_GET
def scenario_detail(request: Request, pk: int) -> HttpResponse:
    scenario = get_visible_or_404(_scenarios(request), pk)
    context = flow_context(
        request,
        scenario,
        show=request.GET.get("show", ""),
        editing=request.GET.get("edit", "")[:60],
        adding=request.GET.get("add", "")[:60],
        kind=request.GET.get("type", "")[:40],
    )
    return render_flow(request, context)


@login_required
@require_POST
def scenario_action(request: Request, pk: int, action: str) -> HttpResponse:
    scenario = get_visible_or_404(_scenarios(request), pk)
    if action not in ACTIONS:
        raise PermissionDenied
    try:
        if action == "publish":
            moved = services.scenario_publish(actor=request.user, scenario=scenario)
            if moved.published_id == scenario.published_id:
                messages.info(request, _("Nothing to publish: the draft is the published version."))
                return redirect("automation:scenario_detail", pk=pk)
        else:
            moved = services.scenario_move(actor=request.user, scenario=scenario, action=action)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("automation:scenario_detail", pk=pk)
    number = moved.published.number if moved.published else 0
    messages.success(request, DONE_MESSAGES[action](number))
    return redirect("automation:scenario_detail", pk=pk)
