"""REST endpoints for leads: capture (deduplicated), read with history, edit, qualify, convert."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.contacts.api import ContactOut, contact_json
from rapport.contacts.models import Contact
from rapport.core import visibility
from rapport.core.api.errors import error_response
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, InputSchema, ListParams, Money, Page
from rapport.sales import selectors, services
from rapport.sales.api.common import WRITE_ERRORS, money_in, user_of
from rapport.sales.api.deals import DealOut, deal_json, deals_queryset
from rapport.sales.filters import LEAD_FILTERS
from rapport.sales.models import ATTRIBUTION_FIELDS, Lead, LeadSource, LeadStatusChange

router = Router(tags=["leads"])

LeadStatusValue = Literal["new", "contacted", "qualified", "converted", "disqualified"]
ManualStatus = Literal["new", "contacted", "qualified", "disqualified"]
LEAD_ORDERINGS: dict[str, list[str]] = {
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
}
LeadSort = Literal["-created", "created"]


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    company_name: str
    message: str
    status: str
    disqualify_reason: str
    source: int | None
    tracking_number: int | None
    form_slug: str
    owner: int | None
    contact: int | None = Field(
        description="The customer it was matched to; null when none or not yours to see."
    )
    converted_at: dt.datetime | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    referrer: str
    landing_page: str
    gclid: str
    fbclid: str
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadCapturedOut(LeadOut):
    joined_open_lead: bool = Field(
        description="True (with status 200) when the enquiry was added to an open lead "
        "with the same e-mail or phone instead of making a new one."
    )


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    by: int | None
    note: str


class LeadDetailOut(LeadOut):
    status_history: list[StatusChangeOut] = Field(description="Oldest first.")


class LeadPage(Page):
    items: list[LeadOut]


class LeadIn(InputSchema):
    """An enquiry: an e-mail or a phone is required; attribution fields are optional."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = Field(None, description="Any common format; stored in E.164.")
    company_name: str | None = None
    message: str | None = None
    source: Id | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    landing_page: str | None = None
    gclid: str | None = None
    fbclid: str | None = None


class LeadPatch(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    message: str | None = None
    owner: Id | None = Field(None, description="null unassigns the lead.")


class LeadStatusIn(InputSchema):
    status: ManualStatus
    reason: str = Field("", description="Required to disqualify.")


class ConvertIn(InputSchema):
    deal_title: str | None = None
    amount: Money | None = Field(None, description="The deal's amount; default 0.")
    pipeline: Id | None = Field(None, description="Default: the default pipeline.")


class ConversionOut(Schema):
    lead: LeadOut
    contact: ContactOut
    deal: DealOut


# The list's filters are the web list's and the export's (sales/filters.py).
@LEAD_FILTERS.query_params
class LeadListParams(ListParams):
    sort: LeadSort = "-created"


def lead_json(lead: Lead, user: Any) -> dict[str, Any]:
    """A lead as the API shows it to `user`: the customer it was matched to only when the
    caller may see that customer (matching crosses teams; the answer must not)."""
    return {
        "id": lead.pk,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "company_name": lead.company_name,
        "message": lead.message,
        "status": lead.status,
        "disqualify_reason": lead.disqualify_reason,
        "source": lead.source_id,
        "tracking_number": lead.tracking_number_id,
        "form_slug": lead.form_slug,
        "owner": lead.owner_id,
        "contact": visibility.shown_id(user, lead.contact) if lead.contact_id else None,
        "converted_at": lead.converted_at,
        **{field: getattr(lead, field) for field in ATTRIBUTION_FIELDS},
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def _lead_detail_json(lead: Lead, user: Any) -> dict[str, Any]:
    history = LeadStatusChange.objects.filter(lead=lead).order_by("at", "id")
    return {
        **lead_json(lead, user),
        "status_history": [
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "at": change.at,
                "by": change.by_id,
                "note": change.note,
            }
            for change in history
        ],
    }


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    return get_object_or_404(selectors.leads_for(user_of(request)), pk=lead_id)


@router.get("", response=LeadPage, exclude_unset=True, url_name="lead_list")
def lead_list(request: HttpRequest, filters: Query[LeadListParams]) -> dict[str, Any]:
    """Leads the caller may see (a sales manager: their team's and unassigned ones)."""
    user = user_of(request)
    leads = LEAD_FILTERS.filter(
        selectors.leads_for(user).select_related("contact"), LEAD_FILTERS.strict(request.GET), user
    )
    return page_of(
        leads,
        ordering=LEAD_ORDERINGS[filters.sort],
        params=filters,
        serialize=lambda lead: lead_json(lead, user),
    )


@router.post(
    "",
    response={200: LeadCapturedOut, 201: LeadCapturedOut, **WRITE_ERRORS},
    url_name="lead_create",
)
def lead_create(request: HttpRequest, payload: LeadIn) -> Any:
    """Record an enquiry (201). One with the e-mail or phone of an open lead is added to that
    lead instead (200, `joined_open_lead: true`); if that lead is another team's, a 409 says
    so without showing it."""
    user = user_of(request)
    data = payload.model_dump(exclude_unset=True)
    source = None
    if data.get("source") is not None:
        source = LeadSource.objects.filter(pk=data["source"], is_active=True).first()
        if source is None:
            raise ValidationError({"source": [_("No such active lead source.")]})
    data.pop("source", None)
    capture = services.lead_capture(data=data, actor=user, source=source, channel="web")
    if not capture.created:
        if not selectors.leads_for(user).filter(pk=capture.lead.pk).exists():
            field = "email" if data.get("email") and capture.lead.email else "phone"
            message = _(
                "An open lead of another team has this e-mail or phone; the enquiry was "
                "added to it and its owner will follow up."
            )
            return error_response(409, message, [(field, message)], existing=None)
        return Status(200, {**lead_json(capture.lead, user), "joined_open_lead": True})
    return Status(201, {**lead_json(capture.lead, user), "joined_open_lead": False})


@router.get("/{int:lead_id}", response={200: LeadDetailOut, 404: ErrorOut}, url_name="lead_detail")
def lead_detail(request: HttpRequest, lead_id: Id) -> dict[str, Any]:
    """A lead with its status history."""
    return _lead_detail_json(_lead_or_404(request, lead_id), user_of(request))


@router.patch(
    "/{int:lead_id}", response={200: LeadDetailOut, **WRITE_ERRORS}, url_name="lead_update"
)
def lead_update(request: HttpRequest, lead_id: Id, payload: LeadPatch) -> dict[str, Any]:
    """Correct the names, company or message, or hand the lead to someone (`owner`)."""
    lead = services.lead_update(
        actor=user_of(request),
        lead=_lead_or_404(request, lead_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return _lead_detail_json(lead, user_of(request))


@router.delete(
    "/{int:lead_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="lead_delete",
)
def lead_delete(request: HttpRequest, lead_id: Id) -> Status[None]:
    """Delete a lead with its status history (spam, a mistake); the audit log records it.
    A converted lead is refused (409): it carries its customer's attribution."""
    services.lead_delete(actor=user_of(request), lead=_lead_or_404(request, lead_id))
    return Status(204, None)


@router.post(
    "/{int:lead_id}/status",
    response={200: LeadDetailOut, **WRITE_ERRORS},
    url_name="lead_set_status",
)
def lead_set_status(request: HttpRequest, lead_id: Id, payload: LeadStatusIn) -> dict[str, Any]:
    """Move a lead along new → contacted → qualified, or disqualify it with a reason."""
    lead = services.lead_set_status(
        actor=user_of(request),
        lead=_lead_or_404(request, lead_id),
        status=payload.status,
        reason=payload.reason,
    )
    return _lead_detail_json(lead, user_of(request))


@router.post(
    "/{int:lead_id}/convert",
    response={201: ConversionOut, **WRITE_ERRORS},
    url_name="lead_convert",
)
def lead_convert(request: HttpRequest, lead_id: Id, payload: ConvertIn) -> Status[dict[str, Any]]:
    """Make the lead a customer: link (or create) the contact and open a deal, keeping the
    lead and its attribution linked to the contact."""
    amount = money_in(payload.amount, "amount") if payload.amount else None
    conversion = services.lead_convert(
        actor=user_of(request),
        lead=_lead_or_404(request, lead_id),
        deal_title=payload.deal_title or "",
        amount=amount.amount if amount else None,
        currency=amount.currency if amount else "",
        pipeline_id=payload.pipeline,
    )
    contact = Contact.objects.prefetch_related("emails", "phones", "tags").get(
        pk=conversion.contact.pk
    )
    deal = deals_queryset().get(pk=conversion.deal.pk)
    return Status(
        201,
        {
            "lead": lead_json(conversion.lead, user_of(request)),
            "contact": contact_json(contact),
            "deal": deal_json(deal),
        },
    )
