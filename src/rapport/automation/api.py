"""REST endpoints for trigger scenarios, their runs and custom events, per the contract:
`scenarios` (trigger, steps, status, version) with `GET scenarios/{id}/runs?contact=`, and
`POST events` recording a custom event `{"contact", "name", "properties"}`.

The role rule's "scenarios" kind decides who reads and changes scenarios; a run is shown
only when its contact is one the caller may see (runs are about people).
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.responses import Status

from rapport.analytics.labels import rfm_segment_keys
from rapport.automation import library, report, services
from rapport.automation.models import Run, RunStatus, Scenario
from rapport.automation.selectors import runs_for, scenarios_for, step_counts
from rapport.automation.triggers import TRIGGERS, Param
from rapport.automation.validation import STEP_PARAMS
from rapport.contacts.selectors import contacts_for
from rapport.core.api.errors import error_response
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import (
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    OutSchema,
    Page,
    Timestamp,
)

router = Router(tags=["scenarios"])
events_router = Router(tags=["scenarios"])

WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class ScenarioIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    trigger: dict[str, Any] = Field(default_factory=dict)
    steps: list[Any] = Field(default_factory=list, max_length=200)
    reentry_days: int | None = Field(
        0, description="Days after a run ends before the contact may enter again; null: never."
    )
    holdout_percent: int = Field(0, ge=0, le=50)


class ScenarioPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    trigger: dict[str, Any] | None = None
    steps: list[Any] | None = Field(None, max_length=200)
    reentry_days: int | None = None
    holdout_percent: int | None = Field(None, ge=0, le=50)


class StepCountOut(OutSchema):
    position: str
    entered: int
    waiting: int
    done: int
    exited: int


class ScenarioOut(OutSchema):
    id: int
    name: str
    description: str
    status: str
    trigger: dict[str, Any]
    steps: list[Any]
    reentry_days: int | None
    holdout_percent: int
    version: int | None
    published_at: dt.datetime | None
    unpublished_changes: bool
    template: str
    active_since: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ScenarioPage(Page):
    items: list[ScenarioOut]


class ScenarioListParams(ListParams):
    status: Literal["draft", "active", "paused", "archived"] | None = None


class RunStepOut(OutSchema):
    position: str
    kind: str
    outcome: str
    detail: dict[str, Any]
    at: dt.datetime


class RunOut(OutSchema):
    id: int
    scenario: int
    version: int
    contact: int
    status: str
    holdout: bool
    occasion: str
    event: int | None
    position: str
    due_at: dt.datetime | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    exit_reason: str
    error: str
    steps: list[RunStepOut]


class RunPage(Page):
    items: list[RunOut]


class RunListParams(ListParams):
    contact: Id | None = None
    status: Literal["active", "done", "exited", "failed", "cancelled"] | None = None


class EventIn(InputSchema):
    contact: Id
    name: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w.:-]+$")
    properties: dict[str, Any] = Field(default_factory=dict)
    occurred_at: Timestamp | None = None


class EventOut(OutSchema):
    id: int
    contact: int
    name: str
    properties: dict[str, Any]
    occurred_at: dt.datetime
    created_at: dt.datetime


class DryRunIn(InputSchema):
    contact: Id
    version: Literal["published", "draft"] = "published"


class DryStepOut(OutSchema):
    position: str
    type: str
    summary: str
    detail: str


class DryRunOut(OutSchema):
    contact: int
    version: str
    enters: bool
    reasons: list[str]
    steps: list[DryStepOut]


class CatalogParamOut(OutSchema):
    name: str
    type: str
    required: bool
    choices: list[str]


class CatalogItemOut(OutSchema):
    type: str
    label: str
    family: str
    params: list[CatalogParamOut]


class LibraryItemOut(OutSchema):
    key: str
    name: str
    description: str
    installed: int | None = Field(
        ..., description="The scenario made from it (not archived), or null."
    )


class ReportRunsOut(OutSchema):
    entered: int
    held_out: int
    active: int
    finished: int
    exited: int
    failed: int
    cancelled: int


class ReportMessagesOut(OutSchema):
    queued: int
    waiting: int
    sent: int
    delivered: int
    failed: int
    to_review: int
    skipped: dict[str, int]
    opened: int = Field(..., description="contacts who opened one of its tracked e-mails")
    clicked: int = Field(..., description="contacts who clicked a link in one of its e-mails")


class ReportPromoOut(OutSchema):
    issued: int
    redeemed: int


class ReportSurveysOut(OutSchema):
    asked: int
    answered: int
    average_score: float | None
    average_nps: float | None
    exit_reasons: dict[str, int]


class ScenarioReportGroupOut(OutSchema):
    contacts: int
    conversions: int
    rate: float | None
    revenue: str


class ScenarioReportUpliftOut(OutSchema):
    rate: float | None = Field(..., description="Treated rate minus held-out rate.")
    low: float | None = Field(..., description="The 95 % interval's lower bound.")
    high: float | None
    incremental_revenue: str | None


class ReportConversionsOut(OutSchema):
    attribution_days: int
    currency: str
    left_out: int = Field(..., description="Orders left out of revenue: no exchange rate.")
    treated: ScenarioReportGroupOut
    holdout: ScenarioReportGroupOut
    uplift: ScenarioReportUpliftOut


class ScenarioReportOut(OutSchema):
    runs: ReportRunsOut
    messages: ReportMessagesOut
    conversions: ReportConversionsOut
    promo_codes: ReportPromoOut
    surveys: ReportSurveysOut


class CatalogOut(OutSchema):
    triggers: list[CatalogItemOut]
    steps: list[CatalogItemOut]


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    version = scenario.published
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "description": scenario.description,
        "status": scenario.status,
        "trigger": scenario.trigger,
        "steps": scenario.steps,
        "reentry_days": scenario.reentry_days,
        "holdout_percent": scenario.holdout_percent,
        "version": version.number if version else None,
        "published_at": version.published_at if version else None,
        "unpublished_changes": services.draft_differs(scenario),
        "template": scenario.template,
        "active_since": scenario.active_since,
        "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
    }


def run_json(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scenario": run.scenario_id,
        "version": run.version.number,
        "contact": run.contact_id,
        "status": run.status,
        "holdout": run.holdout,
        "occasion": run.occasion,
        "event": run.event_id,
        "position": run.position if run.status == RunStatus.ACTIVE else "",
        "due_at": run.due_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "exit_reason": run.exit_reason,
        "error": run.error.strip().splitlines()[-1] if run.error.strip() else "",
        "steps": [
            {
                "position": s.position,
                "kind": s.kind,
                "outcome": s.outcome,
                "detail": s.detail,
                "at": s.at,
            }
            for s in run.log.all()
        ],
    }


def _scenario_or_404(request: HttpRequest, scenario_id: int) -> Scenario:
    return get_object_or_404(
        scenarios_for(_user(request)).select_related("published"), pk=scenario_id
    )


def _params(specs: Any) -> list[dict[str, Any]]:
    return [_param(name, spec) for name, spec in specs.items()]


def _param(name: str, spec: Param) -> dict[str, Any]:
    if spec.kind == "rfm_segment":  # to an integrator, a choice among the configured segments
        return {"name": name, "type": "choice", "required": spec.required,
                "choices": rfm_segment_keys()}  # fmt: skip
    return {"name": name, "type": spec.kind, "required": spec.required,
            "choices": list(spec.choices)}  # fmt: skip


@router.get("/catalog", response=CatalogOut, url_name="scenario_catalog")
def scenario_catalog(request: HttpRequest) -> dict[str, Any]:
    """Every trigger type and step type with its parameters."""
    return {
        "triggers": [
            {"type": t.key, "label": str(t.label), "family": t.family, "params": _params(t.params)}
            for t in TRIGGERS.values()
        ],
        "steps": [
            {"type": kind, "label": kind, "family": "step", "params": _params(specs)}
            for kind, specs in STEP_PARAMS.items()
        ],
    }


@router.get("/library", response=list[LibraryItemOut], url_name="scenario_library")
def scenario_library(request: HttpRequest) -> list[dict[str, Any]]:
    """The ready-made scenarios, in your language, each with the scenario made from it."""
    installed = services.installed_from_library()
    return [
        {
            "key": ready.key,
            "name": str(ready.name),
            "description": str(ready.description),
            "installed": installed.get(ready.key),
        }
        for ready in library.READY.values()
    ]


@router.post(
    "/library/{key}",
    response={201: ScenarioOut, 409: ErrorOut, **WRITE_ERRORS},
    url_name="scenario_library_install",
)
def scenario_library_install(request: HttpRequest, key: str) -> Any:
    """Make the ready-made scenario `key`: published, off until switched on (409 when it is
    installed already)."""
    if key not in library.READY:
        raise Http404
    try:
        scenario = services.scenario_from_library(actor=_user(request), key=key)
    except services.AlreadyInstalled as exc:
        message = _("This ready-made scenario is installed already.")
        return error_response(409, message, [("key", message)], scenario=exc.scenario_id)
    return Status(
        201, scenario_json(Scenario.objects.select_related("published").get(pk=scenario.pk))
    )


@router.get("", response=ScenarioPage, exclude_unset=True, url_name="scenario_list")
def scenario_list(request: HttpRequest, filters: Query[ScenarioListParams]) -> dict[str, Any]:
    """Scenarios by name."""
    scenarios: QuerySet[Scenario] = scenarios_for(_user(request)).select_related("published")
    if filters.status:
        scenarios = scenarios.filter(status=filters.status)
    return page_of(scenarios, ordering=["name", "id"], params=filters, serialize=scenario_json)


@router.post("", response={201: ScenarioOut, **WRITE_ERRORS}, url_name="scenario_create")
def scenario_create(request: HttpRequest, payload: ScenarioIn) -> Status[dict[str, Any]]:
    """A draft scenario: publish it, then switch it on."""
    scenario = services.scenario_create(actor=_user(request), data=payload.model_dump())
    return Status(201, scenario_json(scenario))


@router.get(
    "/{int:scenario_id}", response={200: ScenarioOut, 404: ErrorOut}, url_name="scenario_detail"
)
def scenario_detail(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    return scenario_json(_scenario_or_404(request, scenario_id))


@router.patch(
    "/{int:scenario_id}", response={200: ScenarioOut, **WRITE_ERRORS}, url_name="scenario_update"
)
def scenario_update(
    request: HttpRequest, scenario_id: Id, payload: ScenarioPatch
) -> dict[str, Any]:
    """Change the draft (the fields sent); runs take it once it is published."""
    scenario = _scenario_or_404(request, scenario_id)
    saved = services.scenario_update(
        actor=_user(request), scenario=scenario, data=payload.model_dump(exclude_unset=True)
    )
    return scenario_json(Scenario.objects.select_related("published").get(pk=saved.pk))


def _move(request: HttpRequest, scenario_id: int, action: str) -> dict[str, Any]:
    scenario = _scenario_or_404(request, scenario_id)
    if action == "publish":
        moved = services.scenario_publish(actor=_user(request), scenario=scenario)
    else:
        moved = services.scenario_move(actor=_user(request), scenario=scenario, action=action)
    return scenario_json(Scenario.objects.select_related("published").get(pk=moved.pk))


@router.post(
    "/{int:scenario_id}/publish",
    response={200: ScenarioOut, **WRITE_ERRORS},
    url_name="scenario_publish",
)
def scenario_publish(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    """Make the draft the next version; runs in flight finish on the version they started."""
    return _move(request, scenario_id, "publish")


@router.post(
    "/{int:scenario_id}/activate",
    response={200: ScenarioOut, **WRITE_ERRORS},
    url_name="scenario_activate",
)
def scenario_activate(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    """Switch on (or back on after a pause): events from now on start runs."""
    return _move(request, scenario_id, "activate")


@router.post(
    "/{int:scenario_id}/pause",
    response={200: ScenarioOut, **WRITE_ERRORS},
    url_name="scenario_pause",
)
def scenario_pause(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    """Stop starting runs and taking steps; runs wait where they are."""
    return _move(request, scenario_id, "pause")


@router.post(
    "/{int:scenario_id}/archive",
    response={200: ScenarioOut, **WRITE_ERRORS},
    url_name="scenario_archive",
)
def scenario_archive(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    """Switch off for good; runs in flight are cancelled."""
    return _move(request, scenario_id, "archive")


@router.get(
    "/{int:scenario_id}/counts",
    response={200: list[StepCountOut], 404: ErrorOut},
    url_name="scenario_counts",
)
def scenario_counts(request: HttpRequest, scenario_id: Id) -> list[dict[str, Any]]:
    """Per step of the published version: runs that entered it, wait at it, passed it,
    and left there."""
    return step_counts(_scenario_or_404(request, scenario_id))


@router.get(
    "/{int:scenario_id}/report",
    response={200: ScenarioReportOut, 403: ErrorOut, 404: ErrorOut},
    url_name="scenario_report",
)
def scenario_report(request: HttpRequest, scenario_id: Id) -> dict[str, Any]:
    """What the scenario achieved: runs entered and held out and how they ended, messages
    by outcome, conversions and revenue within the attribution window after entering with
    the uplift over the held-out entrants, promo codes issued and redeemed, surveys asked
    and their answers. For the roles that read business-wide figures."""
    scenario = _scenario_or_404(request, scenario_id)
    if not report.may_read_report(_user(request)):
        raise PermissionError(_("Your role does not read business-wide figures."))
    return report.scenario_report(scenario)


@router.get(
    "/{int:scenario_id}/runs",
    response={200: RunPage, 404: ErrorOut},
    exclude_unset=True,
    url_name="scenario_runs",
)
def scenario_runs(
    request: HttpRequest, scenario_id: Id, filters: Query[RunListParams]
) -> dict[str, Any]:
    """The scenario's runs of contacts you may see, newest first, each with its steps."""
    scenario = _scenario_or_404(request, scenario_id)
    runs = runs_for(_user(request)).filter(scenario=scenario).select_related("version")
    if filters.contact:
        runs = runs.filter(contact_id=filters.contact)
    if filters.status:
        runs = runs.filter(status=filters.status)
    return page_of(
        runs.prefetch_related("log"),
        ordering=["-started_at", "-id"],
        params=filters,
        serialize=run_json,
    )


@router.post(
    "/{int:scenario_id}/dry-run",
    response={200: DryRunOut, 404: ErrorOut, 422: ErrorOut},
    url_name="scenario_dry_run",
)
def scenario_dry_run(request: HttpRequest, scenario_id: Id, payload: DryRunIn) -> dict[str, Any]:
    """What the scenario would do for one contact now, and why: whether they would enter
    (filter, a run in flight, re-entry, holdout) and each step as a run would take it.
    Nothing is written; the version is the published one unless "draft" is asked (or none
    is published yet)."""
    from django.utils import timezone

    from rapport.automation.dryrun import dry_run, visible_contact

    scenario = _scenario_or_404(request, scenario_id)
    contact = visible_contact(_user(request), payload.contact)
    if contact is None:
        raise ValidationError({"contact": [_("No such contact (or you may not see it).")]})
    result = dry_run(scenario, contact, _user(request), timezone.now(), payload.version)
    out = result.as_dict()
    for step in out["steps"]:
        step["detail"] = "\n".join(step["detail"])
    return out


@events_router.post("", response={201: EventOut, **WRITE_ERRORS}, url_name="event_create")
def event_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Record a custom event for a contact; scenarios triggered by its name start."""
    contact = contacts_for(_user(request)).filter(pk=payload.contact).first()
    if contact is None:
        raise ValidationError({"contact": [_("No such contact (or you may not see it).")]})
    event = services.event_record(
        actor=_user(request),
        contact=contact,
        name=payload.name,
        properties=payload.properties,
        occurred_at=payload.occurred_at,
    )
    return Status(
        201,
        {
            "id": event.pk,
            "contact": event.contact_id,
            "name": event.name.removeprefix("custom."),
            "properties": event.properties,
            "occurred_at": event.occurred_at,
            "created_at": event.created_at,
        },
    )
