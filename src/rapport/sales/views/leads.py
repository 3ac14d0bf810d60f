"""Leads: the list (filters, search, cursor pages), entry by hand, the detail page with its
attribution and status history, status actions and conversion into a deal."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.core.http import (
    Request,
    apply_errors,
    get_visible_or_404,
    page_of,
)
from rapport.core.pagination import capped_count
from rapport.sales import services
from rapport.sales.filters import LEAD_FILTERS
from rapport.sales.forms import ConvertForm, DisqualifyForm, LeadForm
from rapport.sales.models import Lead, LeadSource, LeadStatus
from rapport.sales.selectors import leads_for, with_shown_contact
from rapport.sales.services.leads import TRANSITIONS
from rapport.timeline.models import Channel

PAGE_SIZE = 50
COUNT_CAP = 1000
TEMPLATE = "sales/leads/detail.html"
# A lead entered by hand came in through the channel its source stands for.
CHANNEL_OF_SOURCE = {
    LeadSource.Kind.PHONE: Channel.PHONE,
    LeadSource.Kind.WALK_IN: Channel.VISIT,
    LeadSource.Kind.EMAIL: Channel.EMAIL,
    LeadSource.Kind.MESSENGER: Channel.MESSENGER,
    LeadSource.Kind.WEBSITE: Channel.WEB,
    LeadSource.Kind.INSTAGRAM: Channel.SOCIAL,
    LeadSource.Kind.FACEBOOK: Channel.SOCIAL,
}


ORDERING = ["-created_at", "-id"]


def listed(request: Request) -> tuple[QuerySet[Lead], list[str]]:
    """The leads the list shows (visible to the viewer, filtered) and their order."""
    leads = LEAD_FILTERS.apply(leads_for(request.user), request.GET, request.user)
    return with_shown_contact(leads, request.user), ORDERING


@login_required
def lead_list(request: Request) -> HttpResponse:
    parsed = LEAD_FILTERS.parse(request.GET)
    leads, ordering = LEAD_FILTERS.filter(leads_for(request.user), parsed, request.user), ORDERING
    page, cursor = page_of(
        request,
        leads.select_related("source", "owner", "contact"),
        ordering=ordering,
        limit=PAGE_SIZE,
    )
    context: dict[str, Any] = {"page": page, "filter_fields": LEAD_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "sales/leads/list.html#rows", context)
    count, exact = capped_count(leads, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, "sales/leads/list.html#results", context)
    context.update(can_create=visibility.can_create(request.user, "leads"))
    return render(request, "sales/leads/list.html", context)


@login_required
def lead_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "leads"):
        raise PermissionDenied
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data.get("source")
        try:
            captured = services.lead_capture(
                actor=request.user,
                data=form.service_data(),
                source=source,
                channel=CHANNEL_OF_SOURCE.get(source.kind, Channel.NOTE)
                if source
                else Channel.NOTE,
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if captured.created:
                messages.success(request, _("Lead %(name)s created.") % {"name": captured.lead})
            else:
                messages.warning(
                    request,
                    _("This person already has an open lead; the enquiry was added to it."),
                )
            if leads_for(request.user).filter(pk=captured.lead.pk).exists():
                return redirect("sales:lead_detail", pk=captured.lead.pk)
            return redirect("sales:lead_list")
    return render(request, "sales/leads/form.html", {"form": form})


def _detail_context(request: Request, lead: Lead) -> dict[str, Any]:
    can_change = leads_for(request.user, "change").filter(pk=lead.pk).exists()
    deals = [
        d for d in lead.deals.select_related("stage") if visibility.can(request.user, "view", d)
    ]
    return {
        "lead": lead,
        "can_change": can_change,
        "can_delete": lead.status != LeadStatus.CONVERTED
        and leads_for(request.user, "delete").filter(pk=lead.pk).exists(),
        "history": lead.status_changes.select_related("by"),
        "transitions": [
            (value, label)
            for value, label in LeadStatus.choices
            if value in TRANSITIONS.get(lead.status, set()) and value != LeadStatus.DISQUALIFIED
        ],
        "can_disqualify": LeadStatus.DISQUALIFIED in TRANSITIONS.get(lead.status, set()),
        "can_convert": lead.status in (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
        and visibility.can_create(request.user, "leads"),
        "contact_visible": lead.contact is not None
        and visibility.can(request.user, "view", lead.contact),
        "deals": deals,
    }


def _lead(request: Request, pk: int) -> Lead:
    return get_visible_or_404(
        leads_for(request.user).select_related("source", "tracking_number", "owner", "contact"), pk
    )


def _writable_lead(request: Request, pk: int) -> Lead:
    lead = _lead(request, pk)
    if not leads_for(request.user, "change").filter(pk=lead.pk).exists():
        raise PermissionDenied
    return lead


@login_required
def lead_detail(request: Request, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    context = _detail_context(request, lead)
    context.update(disqualify_form=DisqualifyForm(), convert_form=ConvertForm())
    return render(request, TEMPLATE, context)


@login_required
@require_POST
def lead_delete(request: Request, pk: int) -> HttpResponse:
    """Delete the lead (audited); a refusal (a converted lead) is shown on the lead."""
    lead = _lead(request, pk)
    try:
        services.lead_delete(actor=request.user, lead=lead)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("sales:lead_detail", pk=lead.pk)
    messages.success(request, _("Lead %(name)s deleted.") % {"name": lead})
    return redirect("sales:lead_list")


@login_required
@require_POST
def lead_status(request: Request, pk: int) -> HttpResponse:
    """Move a lead to contacted / qualified / new, or disqualify it with a reason."""
    lead = _writable_lead(request, pk)
    status = request.POST.get("status", "")
    form = DisqualifyForm(request.POST)
    form.is_valid()
    try:
        lead = services.lead_set_status(
            actor=request.user,
            lead=lead,
            status=status,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        if not request.htmx:
            messages.error(request, " ".join(exc.messages))
            return redirect("sales:lead_detail", pk=lead.pk)
    else:
        form = DisqualifyForm()
        if not request.htmx:
            messages.success(request, _("Status changed."))
            return redirect("sales:lead_detail", pk=lead.pk)
    lead = _lead(request, pk)
    context = _detail_context(request, lead)
    context.update(disqualify_form=form, convert_form=ConvertForm())
    return render(request, f"{TEMPLATE}#status", context)


@login_required
@require_POST
def lead_convert(request: Request, pk: int) -> HttpResponse:
    """Convert the lead: contact linked or created, deal opened; then show the deal."""
    lead = _writable_lead(request, pk)
    form = ConvertForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            conversion = services.lead_convert(
                actor=request.user,
                lead=lead,
                deal_title=data.get("deal_title") or "",
                amount=str(data["amount"]) if data.get("amount") is not None else None,
                currency=data.get("currency") or "",
                pipeline_id=data["pipeline"].pk if data.get("pipeline") else None,
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            apply_errors(form, exc, {"title": "deal_title", "stage": None, "contact": None})
        else:
            messages.success(
                request,
                _("Lead converted: %(contact)s now has the deal “%(deal)s”.")
                % {"contact": conversion.contact.full_name, "deal": conversion.deal.title},
            )
            url = reverse("sales:deal_detail", args=[conversion.deal.pk])
            if request.htmx:
                return HttpResponseClientRedirect(url)
            return redirect(url)
    if not request.htmx:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("sales:lead_detail", pk=lead.pk)
    context = _detail_context(request, lead)
    context.update(disqualify_form=DisqualifyForm(), convert_form=form)
    return render(request, f"{TEMPLATE}#status", context)
