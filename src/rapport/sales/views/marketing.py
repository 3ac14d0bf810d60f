"""Marketing set-up for administrators and marketers: lead sources with their spend per
period and tracking numbers, and the public web forms with their embeddable snippet."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import permissions
from rapport.core.errors import Conflict
from rapport.core.forms import PicoForm
from rapport.core.http import (
    Request,
    apply_errors,
    get_visible_or_404,
)
from rapport.sales.filters import LEAD_SOURCE_FILTERS
from rapport.sales.forms import SourceForm, SpendForm, TrackingNumberForm, WebFormForm
from rapport.sales.models import LeadSource, SourceSpend, TrackingNumber, WebForm
from rapport.sales.services import setup


def _require_marketing(request: Request) -> None:
    if not permissions.allows(request.user, "marketing", "change"):
        raise PermissionDenied


def _saved(form: PicoForm, write: Any) -> Any:
    """Run a set-up service with the form's data; its errors go onto the form (None)."""
    if not form.is_valid():
        return None
    try:
        return write(form.service_data())  # type: ignore[attr-defined]
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


@login_required
def source_list(request: Request) -> HttpResponse:
    _require_marketing(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST":
        source = _saved(form, lambda data: setup.source_create(actor=request.user, data=data))
        if source is not None:
            messages.success(request, _("Source %(name)s added.") % {"name": source.name})
            return redirect("sales:source_detail", pk=source.pk)
    parsed = LEAD_SOURCE_FILTERS.parse(request.GET)
    sources = LeadSource.objects.order_by("name")
    listed_sources = (
        LEAD_SOURCE_FILTERS.filter(LeadSource.objects.all(), parsed)
        .annotate(
            lead_count=Count("leads", distinct=True), number_count=Count("numbers", distinct=True)
        )
        .order_by("-is_active", "name")
    )
    numbers = TrackingNumber.objects.select_related("source").order_by("source__name", "number")
    return render(
        request,
        "sales/marketing/sources.html",
        {
            "form": form,
            "sources": sources,
            "listed_sources": listed_sources,
            "filter_fields": LEAD_SOURCE_FILTERS.bar(parsed),
            "numbers": numbers,
            "number_form": TrackingNumberForm(),
        },
    )


def _source_context(source: LeadSource, **forms: Any) -> dict[str, Any]:
    spend = SourceSpend.objects.filter(source=source).order_by("-period_start", "-id")
    return {
        "source": source,
        "spend": spend[:200],
        "spend_totals": spend.values("currency").annotate(total=Sum("amount")).order_by("currency"),
        "numbers": TrackingNumber.objects.filter(source=source).order_by("number"),
        "form": forms.get("form") or SourceForm.of(source),
        "spend_form": forms.get("spend_form") or SpendForm(),
        "number_form": forms.get("number_form") or TrackingNumberForm(initial={"source": source}),
    }


@login_required
def source_detail(request: Request, pk: int) -> HttpResponse:
    """A source: rename it or change its channel; its spend and tracking numbers."""
    _require_marketing(request)
    source = get_visible_or_404(LeadSource.objects.all(), pk)
    if request.method != "POST":
        return render(request, "sales/marketing/source.html", _source_context(source))
    form = SourceForm(request.POST)
    saved = _saved(
        form, lambda data: setup.source_update(actor=request.user, source=source, data=data)
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("sales:source_detail", pk=source.pk)
    source.refresh_from_db()
    return render(request, "sales/marketing/source.html", _source_context(source, form=form))


@login_required
@require_POST
def spend_add(request: Request, pk: int) -> HttpResponse:
    _require_marketing(request)
    source = get_visible_or_404(LeadSource.objects.all(), pk)
    form = SpendForm(request.POST)
    spend = _saved(
        form, lambda data: setup.spend_record(actor=request.user, source=source, data=data)
    )
    if spend is not None:
        messages.success(request, _("Spend recorded."))
        return redirect("sales:source_detail", pk=source.pk)
    return render(request, "sales/marketing/source.html", _source_context(source, spend_form=form))


@login_required
@require_POST
def spend_delete(request: Request, pk: int, spend_pk: int) -> HttpResponse:
    _require_marketing(request)
    source = get_visible_or_404(LeadSource.objects.all(), pk)
    entry = get_visible_or_404(SourceSpend.objects.filter(source=source), spend_pk)
    setup.spend_delete(actor=request.user, spend=entry)
    messages.success(request, _("Spend entry removed."))
    return redirect("sales:source_detail", pk=source.pk)


@login_required
@require_POST
def number_add(request: Request) -> HttpResponse:
    """Map a tracking phone number to a source (from the sources page or a source's page)."""
    _require_marketing(request)
    form = TrackingNumberForm(request.POST)
    number = _saved(form, lambda data: setup.tracking_number_create(actor=request.user, data=data))
    if number is not None:
        messages.success(request, _("Tracking number %(n)s mapped.") % {"n": number.number})
        return redirect("sales:source_detail", pk=number.source_id)
    source = form.cleaned_data.get("source")
    if isinstance(source, LeadSource):
        return render(
            request, "sales/marketing/source.html", _source_context(source, number_form=form)
        )
    messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("sales:source_list")


@login_required
@require_POST
def number_toggle(request: Request, number_pk: int) -> HttpResponse:
    _require_marketing(request)
    number = get_visible_or_404(TrackingNumber.objects.all(), number_pk)
    setup.tracking_number_update(
        actor=request.user, number=number, data={"is_active": not number.is_active}
    )
    return redirect("sales:source_detail", pk=number.source_id)


# --- web forms -------------------------------------------------------------------------------


def snippet(request: Request, form: WebForm) -> str:
    """The HTML a website pastes to post enquiries to the form's public address."""
    action = request.build_absolute_uri(reverse("sales:public_form", args=[form.slug]))
    return render_to_string(
        "sales/marketing/snippet.html", {"form": form, "action": action}
    ).strip()


@login_required
def webform_list(request: Request) -> HttpResponse:
    _require_marketing(request)
    form = WebFormForm(request.POST or None)
    if request.method == "POST":
        created = _saved(form, lambda data: setup.web_form_create(actor=request.user, data=data))
        if created is not None:
            messages.success(request, _("Web form %(name)s created.") % {"name": created.name})
            return redirect("sales:webform_detail", pk=created.pk)
    forms = WebForm.objects.select_related("source").order_by("-is_active", "name")
    return render(request, "sales/marketing/webforms.html", {"form": form, "webforms": forms})


@login_required
def webform_detail(request: Request, pk: int) -> HttpResponse:
    _require_marketing(request)
    webform = get_visible_or_404(WebForm.objects.select_related("source"), pk)
    if request.method == "POST":
        form = WebFormForm(request.POST)
        saved = _saved(
            form, lambda data: setup.web_form_update(actor=request.user, form=webform, data=data)
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:webform_detail", pk=webform.pk)
        webform.refresh_from_db()
    else:
        form = WebFormForm.of(webform)
    return render(
        request,
        "sales/marketing/webform.html",
        {"webform": webform, "form": form, "snippet": snippet(request, webform)},
    )


@login_required
@require_POST
def source_delete(request: Request, pk: int) -> HttpResponse:
    """Remove a source nobody used; a source with leads or forms is deactivated instead."""
    _require_marketing(request)
    source = get_visible_or_404(LeadSource.objects.all(), pk)
    try:
        setup.source_delete(actor=request.user, source=source)
    except Conflict:
        setup.source_update(actor=request.user, source=source, data={"is_active": False})
        messages.warning(request, _("The source has leads or forms, so it was deactivated."))
        return redirect("sales:source_detail", pk=source.pk)
    messages.success(request, _("Source removed."))
    return redirect("sales:source_list")
