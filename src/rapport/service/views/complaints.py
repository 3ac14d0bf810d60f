"""Complaints: the list (filters, breached badge, time left), a complaint's page (history,
timeline, workflow buttons, resolve form) and the registration form (also from a logged
interaction: "this call was a complaint")."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.catalog.models import Product
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions, visibility
from rapport.core.http import Request, apply_errors, get_visible_or_404, int_or_none, page_of
from rapport.core.models import AuditEntry
from rapport.core.pagination import capped_count
from rapport.sales.selectors import orders_for
from rapport.service import selectors, services
from rapport.service.filters import COMPLAINT_FILTERS
from rapport.service.forms import (
    AssignForm,
    ComplaintEditForm,
    ComplaintForm,
    ReopenForm,
    ResolveForm,
    StatusForm,
)
from rapport.service.models import (
    DONE_STATUSES,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Severity,
)
from rapport.service.services.complaints import TRANSITIONS
from rapport.timeline.models import Interaction
from rapport.timeline.selectors import interactions_for

PAGE_SIZE = 50
COUNT_CAP = 1000

# Sections an app above service adds to a complaint's page (activities: its follow-ups), from
# its ready(): each gives its context for the complaint and the template that draws it.
type Section = Callable[[Request, Complaint], dict[str, Any]]
SECTIONS: dict[str, tuple[Section, str]] = {}


def register_section(name: str, section: Section, template: str) -> None:
    """Add (or replace) a section of the complaint's page; called from an app's ready()."""
    SECTIONS[name] = (section, template)


ORDERING = ["-created_at", "-id"]
TEMPLATE = "service/complaints/detail.html"


def listed(request: Request) -> tuple[QuerySet[Complaint], list[str]]:
    """The complaints the list shows (visible to the viewer, filtered) and their order."""
    complaints = COMPLAINT_FILTERS.apply(
        selectors.complaints_for(request.user), request.GET, request.user
    )
    return complaints, ORDERING


@login_required
def complaint_list(request: Request) -> HttpResponse:
    parsed = COMPLAINT_FILTERS.parse(request.GET)
    complaints = COMPLAINT_FILTERS.filter(
        selectors.complaints_for(request.user), parsed, request.user
    )
    page, cursor = page_of(
        request,
        complaints.select_related("contact", "assignee", "category", "root_cause__parent"),
        ordering=ORDERING,
        limit=PAGE_SIZE,
    )
    context: dict[str, Any] = {
        "page": page,
        "filter_fields": COMPLAINT_FILTERS.bar(parsed),
        "now": timezone.now(),
    }
    if request.htmx and cursor:
        return render(request, "service/complaints/list.html#rows", context)
    count, exact = capped_count(complaints, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "complaint-results":
        return render(request, "service/complaints/list.html#results", context)
    context.update(can_create=permissions.allows(request.user, "complaints", "create"))
    return render(request, "service/complaints/list.html", context)


def _complaint(request: Request, pk: int) -> Complaint:
    return get_visible_or_404(
        selectors.complaints_for(request.user).select_related(
            "contact", "assignee", "category", "root_cause__parent", "order", "product",
            "created_by", "interaction",
        ),
        pk,
    )  # fmt: skip


def _detail(request: Request, complaint: Complaint, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_change = selectors.can(user, "change", complaint)
    moves = [
        (status, ComplaintStatus(status).label)
        for status in TRANSITIONS[complaint.status]
        if status != ComplaintStatus.RESOLVED and complaint.status not in DONE_STATUSES
    ]
    if complaint.status == ComplaintStatus.RESOLVED:
        moves = [(ComplaintStatus.CLOSED, ComplaintStatus.CLOSED.label)]
    events = (
        interactions_for(user)
        .filter(source_type__model="complaint", source_type__app_label="service")
        .filter(source_id=complaint.pk)
        .order_by("-occurred_at", "-id")[:50]
    )
    return {
        "complaint": complaint,
        "now": timezone.now(),
        "history": complaint.history.select_related("actor"),
        "changes": _changes(complaint),
        "events": events,
        "can_change": can_change,
        "can_delete": selectors.can(user, "delete", complaint),
        "moves": moves if can_change else [],
        "can_resolve": can_change and complaint.is_open,
        "can_reopen": can_change and complaint.status in DONE_STATUSES,
        "order_visible": complaint.order is not None
        and visibility.can(user, "view", complaint.order, owner_field="contact__owner"),
        "status_form": extra.pop("status_form", None) or StatusForm(),
        "resolve_form": extra.pop("resolve_form", None) or ResolveForm(),
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(),
        "assign_form": extra.pop("assign_form", None)
        or AssignForm(initial={"assignee": complaint.assignee_id or ""}),
        **extra,
    }


# What the edit page corrects, as the audit trail names it.
AUDITED_CHOICES = {"channel": ComplaintChannel, "severity": Severity}
CHANGES_SHOWN = 50


def _changes(complaint: Complaint) -> list[tuple[AuditEntry, list[tuple[str, list[Any]]]]]:
    """The complaint's corrections, newest first: (entry, [(field label, [old, new])])."""
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=complaint.pk
    ).select_related("actor")
    rows = []
    for entry in entries.order_by("-at", "-id")[:CHANGES_SHOWN]:
        fields = []
        for key, change in entry.changes.items():
            choices = AUDITED_CHOICES.get(key)
            if choices is not None:
                labels = dict(choices.choices)
                change = [labels.get(value, value) for value in change]
            try:
                label = str(getattr(Complaint._meta.get_field(key), "verbose_name", key))
            except FieldDoesNotExist:
                label = key
            fields.append((label, change))
        rows.append((entry, fields))
    return rows


@login_required
def complaint_edit(request: Request, pk: int) -> HttpResponse:
    """Correct what a complaint is about and who works it (each change audited)."""
    complaint = _complaint(request, pk)
    if not selectors.can(request.user, "change", complaint):
        raise PermissionDenied
    form = ComplaintEditForm(
        request.POST or None,
        initial=ComplaintEditForm.initial_for(complaint),
        complaint=complaint,
    )
    if request.method == "POST" and _write(
        form,
        lambda _data: services.complaint_update(
            actor=request.user, complaint=complaint, data=form.service_data()
        ),
    ):
        messages.success(request, _("Complaint #%(id)s saved.") % {"id": complaint.pk})
        return redirect("service:complaint_detail", pk=complaint.pk)
    context = {"form": form, "complaint": complaint, **_picked(request, form)}
    return render(request, "service/complaints/form.html", context)


@login_required
def complaint_detail(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    context = _detail(request, complaint)
    for section, _template in SECTIONS.values():
        context.update(section(request, complaint))
    context["section_templates"] = [template for _section, template in SECTIONS.values()]
    return render(request, TEMPLATE, context)


def _after_write(
    request: Request, complaint: Complaint, done: str, error_form: Any = None, **forms: Any
) -> HttpResponse:
    """The workflow section again (HTMX) or the page, with what happened or why not."""
    if not request.htmx:
        if error_form is not None:
            messages.error(
                request, " ".join(str(m) for ms in error_form.errors.values() for m in ms)
            )
        else:
            messages.success(request, done)
        return redirect("service:complaint_detail", pk=complaint.pk)
    complaint = _complaint(request, complaint.pk)
    context = _detail(request, complaint, **forms)
    context["done"] = "" if error_form is not None else done
    return render(request, f"{TEMPLATE}#work", context)


def _write(form: Any, action: Any) -> bool:
    """Run a service with the form's data; its refusal is a 403, its errors go on the form."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True


@login_required
@require_POST
def complaint_status(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    form = StatusForm(request.POST)
    ok = _write(
        form,
        lambda data: services.complaint_change_status(
            actor=request.user, complaint=complaint, status=data["status"], note=data["note"]
        ),
    )
    label = ComplaintStatus(form.cleaned_data["status"]).label if ok else ""
    done = _("Complaint #%(id)s: %(status)s.") % {"id": complaint.pk, "status": label}
    return _after_write(request, complaint, done, None if ok else form, status_form=form)


@login_required
@require_POST
def complaint_resolve(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    form = ResolveForm(request.POST)
    ok = _write(
        form,
        lambda data: services.complaint_resolve(
            actor=request.user,
            complaint=complaint,
            root_cause=data["root_cause"] or None,
            resolution=data["resolution"],
        ),
    )
    done = _("Complaint #%(id)s resolved.") % {"id": complaint.pk}
    return _after_write(request, complaint, done, None if ok else form, resolve_form=form)


@login_required
@require_POST
def complaint_reopen(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    form = ReopenForm(request.POST)
    ok = _write(
        form,
        lambda data: services.complaint_reopen(
            actor=request.user, complaint=complaint, note=data["note"]
        ),
    )
    done = _("Complaint #%(id)s reopened.") % {"id": complaint.pk}
    return _after_write(request, complaint, done, None if ok else form, reopen_form=form)


@login_required
@require_POST
def complaint_assign(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    form = AssignForm(request.POST)
    ok = _write(
        form,
        lambda data: services.complaint_assign(
            actor=request.user, complaint=complaint, assignee=data["assignee"] or None
        ),
    )
    done = _("Assignee changed.")
    return _after_write(request, complaint, done, None if ok else form, assign_form=form)


@login_required
@require_POST
def complaint_delete(request: Request, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    try:
        services.complaint_delete(actor=request.user, complaint=complaint)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Complaint #%(id)s deleted.") % {"id": pk})
    return redirect("service:complaint_list")


CHANNELS_FROM_TIMELINE = {value for value, _label in ComplaintChannel.choices}


def _prefill(request: Request) -> tuple[dict[str, Any], Interaction | None]:
    """Initial values: ?contact=, or ?interaction= (a logged call or message of a customer
    the viewer may see), whose words and channel start the complaint."""
    interaction_id = int_or_none(request.GET.get("interaction"))
    if interaction_id:
        source = interactions_for(request.user).filter(pk=interaction_id).first()
        if source is not None:
            words = "\n\n".join(part for part in (source.text, source.body) if part)
            channel = source.channel if source.channel in CHANNELS_FROM_TIMELINE else "phone"
            return {
                "contact": source.contact_id,
                "interaction": source.pk,
                "description": words,
                "channel": channel,
                "assignee": request.user.pk,
            }, source
    return {"contact": request.GET.get("contact", ""), "assignee": request.user.pk}, None


def _picked(request: Request, form: ComplaintForm) -> dict[str, Any]:
    """The records the pickers name, for drawing the form again."""
    user = request.user
    contact_id = int_or_none(form["contact"].value()) if "contact" in form.fields else None
    order_id = int_or_none(form["order"].value())
    product_id = int_or_none(form["product"].value())
    order = (
        orders_for(user).select_related("contact").filter(pk=order_id).first() if order_id else None
    )
    return {
        "contact": contacts_for(user).filter(pk=contact_id).first() if contact_id else None,
        "order_text": f"#{order.pk} · {order.contact.full_name}" if order else "",
        "product": Product.objects.filter(pk=product_id).first() if product_id else None,
    }


@login_required
def complaint_create(request: Request) -> HttpResponse:
    if not permissions.allows(request.user, "complaints", "create"):
        raise PermissionDenied
    initial, source = _prefill(request)
    form = ComplaintForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = contacts_for(request.user).filter(pk=int_or_none(data["contact"]) or 0).first()
        if contact is None:
            form.add_error("contact", _("Choose a customer you can see."))
        else:
            try:
                complaint = services.complaint_register(
                    actor=request.user,
                    contact=contact,
                    description=data["description"],
                    channel=data["channel"],
                    severity=data["severity"],
                    category=data["category"] or None,
                    order=int_or_none(data["order"]) if data["order"] else None,
                    product=int_or_none(data["product"]) if data["product"] else None,
                    assignee=data["assignee"] or None,
                    interaction=int_or_none(data["interaction"]) if data["interaction"] else None,
                )
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Complaint #%(id)s registered.") % {"id": complaint.pk})
                return redirect("service:complaint_detail", pk=complaint.pk)
    context = {"form": form, "source": source, **_picked(request, form)}
    return render(request, "service/complaints/form.html", context)
