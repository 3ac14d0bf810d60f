"""REST endpoints for complaints (list, register, read, correct, move through the workflow,
resolve, reopen, delete), the root-cause taxonomy and categories, and the root-cause report.

A complaint is seen by whoever may see its customer and by everyone who works complaints;
it is changed by those who work it (sales managers for their team's customers, service
agents for all) and deleted by the administrator only.
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.contacts.selectors import contacts_for
from rapport.core import permissions
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import (
    ConflictOut,
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    OutSchema,
    Page,
)
from rapport.core.filters import FilterError, parse_day_or_time
from rapport.service import report, selectors, services
from rapport.service.filters import COMPLAINT_FILTERS
from rapport.service.models import Complaint, ComplaintCategory, RootCause

router = Router(tags=["complaints"])
causes_router = Router(tags=["complaints"])
categories_router = Router(tags=["complaints"])
analytics_router = Router(tags=["analytics"])

WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}
SeverityValue = Literal["low", "normal", "high", "critical"]
StatusValue = Literal["new", "in_progress", "waiting", "resolved", "closed"]
ChannelValue = Literal[
    "phone", "email", "sms", "messenger", "meeting", "visit", "web", "chatbot", "social", "api"
]
ORDERINGS: dict[str, list[str]] = {
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
}


class ComplaintOut(OutSchema):
    id: int
    contact: int
    order: int | None
    product: int | None
    interaction: int | None
    channel: str
    category: int | None
    severity: str
    description: str
    assignee: int | None
    status: str
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    breached: bool
    root_cause: int | None
    resolution: str
    satisfaction: int | None
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ComplaintPage(Page):
    items: list[ComplaintOut]


class ComplaintIn(InputSchema):
    """A complaint: the customer, what they complain about, and how serious it is."""

    contact: Id
    description: str = Field(..., max_length=10_000)
    channel: ChannelValue = "phone"
    severity: SeverityValue = "normal"
    category: Id | None = None
    order: Id | None = Field(None, description="One of this customer's orders.")
    product: Id | None = None
    assignee: Id | None = Field(
        None, description="Who works it; left out: the caller when they work complaints."
    )
    interaction: Id | None = Field(
        None, description="The customer's logged call or message this complaint came from."
    )


class ComplaintPatch(InputSchema):
    channel: ChannelValue | None = None
    severity: SeverityValue | None = None
    description: str | None = Field(None, max_length=10_000)
    category: Id | None = None
    order: Id | None = None
    product: Id | None = None
    assignee: Id | None = None


class ComplaintStatusIn(InputSchema):
    status: StatusValue
    note: str = Field("", max_length=300)
    root_cause: Id | None = Field(None, description="Required to resolve.")
    resolution: str = Field("", max_length=5000, description="Required to resolve.")


class ComplaintResolveIn(InputSchema):
    root_cause: Id | None = Field(None, description="An active root cause (required).")
    resolution: str = Field("", max_length=5000, description="What was done (required).")
    note: str = Field("", max_length=300)


class ComplaintReopenIn(InputSchema):
    note: str = Field("", max_length=300)


@COMPLAINT_FILTERS.query_params
class ComplaintListParams(ListParams):
    sort: Literal["-created", "created"] = "-created"


class RootCauseOut(OutSchema):
    id: int
    name: str
    parent: int | None
    description: str
    is_active: bool


class RootCausePage(Page):
    items: list[RootCauseOut]


class ComplaintCategoryOut(OutSchema):
    id: int
    name: str
    is_active: bool


class ComplaintCategoryPage(Page):
    items: list[ComplaintCategoryOut]


class ServiceSetupListParams(ListParams):
    active: bool | None = Field(None, description="Only active (true) or retired (false) ones.")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def complaint_json(complaint: Complaint, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "id": complaint.pk,
        "contact": complaint.contact_id,
        "order": complaint.order_id,
        "product": complaint.product_id,
        "interaction": complaint.interaction_id,
        "channel": complaint.channel,
        "category": complaint.category_id,
        "severity": complaint.severity,
        "description": complaint.description,
        "assignee": complaint.assignee_id,
        "status": complaint.status,
        "first_response_due": complaint.first_response_due,
        "resolution_due": complaint.resolution_due,
        "first_responded_at": complaint.first_responded_at,
        "resolved_at": complaint.resolved_at,
        "closed_at": complaint.closed_at,
        "breached": complaint.is_breached(now),
        "root_cause": complaint.root_cause_id,
        "resolution": complaint.resolution,
        "satisfaction": complaint.satisfaction,
        "created_by": complaint.created_by_id,
        "created_at": complaint.created_at,
        "updated_at": complaint.updated_at,
    }


def _complaint_or_404(request: HttpRequest, complaint_id: int) -> Complaint:
    return get_object_or_404(selectors.complaints_for(_user(request)), pk=complaint_id)


def _fresh(complaint: Complaint) -> dict[str, Any]:
    return complaint_json(Complaint.objects.get(pk=complaint.pk))


@router.get("", response=ComplaintPage, exclude_unset=True, url_name="complaint_list")
def complaint_list(request: HttpRequest, filters: Query[ComplaintListParams]) -> dict[str, Any]:
    """Complaints the caller may see, newest first."""
    user = _user(request)
    complaints: QuerySet[Complaint] = COMPLAINT_FILTERS.filter(
        selectors.complaints_for(user), COMPLAINT_FILTERS.strict(request.GET), user
    )
    now = timezone.now()
    return page_of(
        complaints,
        ordering=ORDERINGS[filters.sort],
        params=filters,
        serialize=lambda complaint: complaint_json(complaint, now),
    )


@router.post("", response={201: ComplaintOut, **WRITE_ERRORS}, url_name="complaint_create")
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> Status[dict[str, Any]]:
    """Register a complaint of a customer you can see; it goes on their timeline."""
    user = _user(request)
    if not permissions.allows(user, "complaints", "create"):
        raise PermissionError(_("You cannot register complaints."))
    contact = contacts_for(user).filter(pk=payload.contact).first()
    if contact is None:
        raise ValidationError({"contact": [_("No such contact.")]})
    data = payload.model_dump(exclude={"contact"}, exclude_unset=True)
    complaint = services.complaint_register(actor=user, contact=contact, **data)
    return Status(201, _fresh(complaint))


@router.get(
    "/{int:complaint_id}", response={200: ComplaintOut, 404: ErrorOut}, url_name="complaint_detail"
)
def complaint_detail(request: HttpRequest, complaint_id: Id) -> dict[str, Any]:
    return complaint_json(_complaint_or_404(request, complaint_id))


@router.patch(
    "/{int:complaint_id}", response={200: ComplaintOut, **WRITE_ERRORS}, url_name="complaint_update"
)
def complaint_update(
    request: HttpRequest, complaint_id: Id, payload: ComplaintPatch
) -> dict[str, Any]:
    """Correct a complaint's channel, category, severity (its deadlines follow), description,
    order, product or assignee; `null` clears an optional link."""
    complaint = _complaint_or_404(request, complaint_id)
    data = payload.model_dump(exclude_unset=True)
    for required in ("channel", "severity", "description"):
        if required in data and data[required] is None:
            raise ValidationError({required: [_("This field cannot be empty.")]})
    services.complaint_update(actor=_user(request), complaint=complaint, data=data)
    return _fresh(complaint)


@router.delete(
    "/{int:complaint_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="complaint_delete",
)
def complaint_delete(request: HttpRequest, complaint_id: Id) -> Status[None]:
    """Delete a complaint registered by mistake (administrators); its timeline stays."""
    services.complaint_delete(
        actor=_user(request), complaint=_complaint_or_404(request, complaint_id)
    )
    return Status(204, None)


@router.post(
    "/{int:complaint_id}/status",
    response={200: ComplaintOut, **WRITE_ERRORS},
    url_name="complaint_status",
)
def complaint_status(
    request: HttpRequest, complaint_id: Id, payload: ComplaintStatusIn
) -> dict[str, Any]:
    """Move a complaint along new → in_progress → waiting → resolved → closed."""
    complaint = _complaint_or_404(request, complaint_id)
    services.complaint_change_status(actor=_user(request), complaint=complaint, **payload.dict())
    return _fresh(complaint)


@router.post(
    "/{int:complaint_id}/resolve",
    response={200: ComplaintOut, **WRITE_ERRORS},
    url_name="complaint_resolve",
)
def complaint_resolve(
    request: HttpRequest, complaint_id: Id, payload: ComplaintResolveIn
) -> dict[str, Any]:
    """Resolve with an active root cause and what was done; the customer then gets a
    satisfaction survey when they may be e-mailed service messages."""
    complaint = _complaint_or_404(request, complaint_id)
    services.complaint_resolve(actor=_user(request), complaint=complaint, **payload.dict())
    return _fresh(complaint)


@router.post(
    "/{int:complaint_id}/reopen",
    response={200: ComplaintOut, **WRITE_ERRORS},
    url_name="complaint_reopen",
)
def complaint_reopen(
    request: HttpRequest, complaint_id: Id, payload: ComplaintReopenIn
) -> dict[str, Any]:
    """Reopen a resolved or closed complaint: in progress again, with a new resolution
    deadline."""
    complaint = _complaint_or_404(request, complaint_id)
    services.complaint_reopen(actor=_user(request), complaint=complaint, note=payload.note)
    return _fresh(complaint)


def _require_setup_reader(request: HttpRequest) -> None:
    if not permissions.allows(_user(request), "service_setup", "view"):
        raise PermissionError(_("You cannot read the service set-up."))


@causes_router.get("", response=RootCausePage, exclude_unset=True, url_name="root_cause_list")
def root_cause_list(request: HttpRequest, params: Query[ServiceSetupListParams]) -> dict[str, Any]:
    """The root-cause taxonomy: top-level causes and the causes under them (`parent`)."""
    _require_setup_reader(request)
    causes = RootCause.objects.all()
    if params.active is not None:
        causes = causes.filter(is_active=params.active)
    return page_of(
        causes,
        ordering=["id"],
        params=params,
        serialize=lambda c: {
            "id": c.pk,
            "name": c.name,
            "parent": c.parent_id,
            "description": c.description,
            "is_active": c.is_active,
        },
    )


@categories_router.get(
    "", response=ComplaintCategoryPage, exclude_unset=True, url_name="complaint_category_list"
)
def category_list(request: HttpRequest, params: Query[ServiceSetupListParams]) -> dict[str, Any]:
    """The complaint categories (retired ones stay on old complaints)."""
    _require_setup_reader(request)
    categories = ComplaintCategory.objects.all()
    if params.active is not None:
        categories = categories.filter(is_active=params.active)
    return page_of(
        categories,
        ordering=["id"],
        params=params,
        serialize=lambda c: {"id": c.pk, "name": c.name, "is_active": c.is_active},
    )


class ReportCauseCount(Schema):
    root_cause: int | None
    name: str
    parent: int | None
    count: int
    csat_average: float | None
    csat_answers: int
    trend_per_month: float | None


class ReportCategoryCount(Schema):
    category: int | None
    name: str
    count: int
    csat_average: float | None


class ReportProductCount(Schema):
    product: int | None
    name: str
    count: int


class ReportCauseSplit(Schema):
    root_cause: int | None
    category: int | None
    product: int | None
    count: int


class ReportMonthCount(Schema):
    month: str
    root_cause: int | None
    count: int


class RootCauseReportOut(Schema):
    from_: dt.date = Field(..., alias="from")
    to: dt.date
    complaints: int
    with_cause: int
    causes: list[ReportCauseCount]
    categories: list[ReportCategoryCount]
    products: list[ReportProductCount]
    by_cause: list[ReportCauseSplit]
    months: list[ReportMonthCount]


class RootCauseReportParams(Schema):
    from_: str | None = Field(
        None,
        alias="from",
        max_length=40,
        description="First day (YYYY-MM-DD); default: a year ago.",
    )
    to: str | None = Field(None, max_length=40, description="Last day, inclusive; default: today.")


def _day(raw: str | None, field: str) -> dt.date | None:
    if not raw:
        return None
    try:
        value = parse_day_or_time(raw)
    except FilterError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


@analytics_router.get(
    "root-causes", response=RootCauseReportOut, by_alias=True, url_name="root_cause_report"
)
def root_cause_report(request: HttpRequest, params: Query[RootCauseReportParams]) -> dict[str, Any]:
    """Complaints registered in the period, per root cause (with the satisfaction average and
    the monthly trend), per category and per product, and split by all three; counted over
    the complaints the caller may see."""
    start, end = _day(params.from_, "from"), _day(params.to, "to")
    period = report.period(start, end)
    return report.root_cause_report(_user(request), period).as_json()
