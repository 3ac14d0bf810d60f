"""Activities: the list (filters, cursor pages, export), planning and editing one, its page
with "complete" (outcome and next step in one form, HTMX) and "cancel"."""

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

from rapport.activities import selectors, services
from rapport.activities.filters import ACTIVITY_FILTERS
from rapport.activities.forms import ERROR_FIELDS, ActivityForm, CompleteForm, MoveForm
from rapport.activities.models import Activity, ActivityStatus
from rapport.activities.views.contact_panel import TEMPLATE as PANEL_TEMPLATE
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.dates import time_zones
from rapport.core.errors import Conflict
from rapport.core.http import Request, apply_errors, get_visible_or_404, int_or_none, page_of
from rapport.core.pagination import capped_count
from rapport.sales.selectors import deals_for
from rapport.service import selectors as complaint_selectors

PAGE_SIZE = 50
COUNT_CAP = 1000
ORDERING = ["due_at", "id"]
DETAIL = "activities/detail.html"
PANEL_TARGET = "activities-panel"  # the contact page's section
PANEL_SLOT = "activity-form-slot"  # where that section opens a completion form


def listed(request: Request) -> tuple[QuerySet[Activity], list[str]]:
    """The activities the list shows (visible to the viewer, filtered) and their order."""
    user = request.user
    activities = ACTIVITY_FILTERS.apply(selectors.activities_for(user), request.GET, user)
    return selectors.with_shown_links(activities, user), ORDERING


@login_required
def activity_list(request: Request) -> HttpResponse:
    parsed = ACTIVITY_FILTERS.parse(request.GET)
    activities = ACTIVITY_FILTERS.filter(
        selectors.activities_for(request.user), parsed, request.user
    )
    page, cursor = page_of(
        request,
        selectors.with_shown_links(activities, request.user).select_related("contact", "assignee"),
        ordering=ORDERING,
        limit=PAGE_SIZE,
    )
    context: dict[str, Any] = {"page": page, "filter_fields": ACTIVITY_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "activities/list.html#rows", context)
    count, exact = capped_count(activities, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "activity-results":
        return render(request, "activities/list.html#results", context)
    context.update(can_create=visibility.can_create(request.user, "activities"))
    return render(request, "activities/list.html", context)


def _activity(request: Request, pk: int) -> Activity:
    return get_visible_or_404(
        selectors.activities_for(request.user).select_related(
            "contact", "deal", "assignee", "created_by", "series", "complaint__contact"
        ),
        pk,
    )


def _writable(request: Request, pk: int) -> Activity:
    activity = _activity(request, pk)
    if not selectors.can(request.user, "change", activity):
        raise PermissionDenied
    return activity


def _form_context(
    request: Request, form: ActivityForm, activity: Activity | None
) -> dict[str, Any]:
    contact_id = int_or_none(form["contact"].value())
    deal_id = int_or_none(form["deal"].value())
    complaint_id = int_or_none(form["complaint"].value())
    return {
        "form": form,
        "activity": activity,
        "contact": contacts_for(request.user).filter(pk=contact_id).first() if contact_id else None,
        "deal": deals_for(request.user).filter(pk=deal_id).first() if deal_id else None,
        "complaint": (
            complaint_selectors.complaints_for(request.user).filter(pk=complaint_id).first()
            if complaint_id
            else None
        ),
        "time_zones": sorted(time_zones()),
    }


def _save(request: Request, form: ActivityForm, activity: Activity | None) -> Activity | None:
    """Hand the form to the service; its errors land on the form's fields."""
    try:
        if activity is None:
            return services.activity_create(actor=request.user, data=form.service_data())
        return services.activity_update(
            actor=request.user, activity=activity, data=form.service_data()
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        apply_errors(form, exc, {**ERROR_FIELDS, "recurrence": form.rule_field})
    return None


@login_required
def activity_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "activities"):
        raise PermissionDenied
    initial = {
        "contact": request.GET.get("contact", ""),
        "deal": request.GET.get("deal", ""),
        "complaint": request.GET.get("complaint", ""),
        "assignee": request.user.pk,
        "time_zone": services.user_zone_name(request.user),
        "duration_minutes": 30,
        "reminders": ["15"],
    }
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        activity = _save(request, form, None)
        if activity is not None:
            messages.success(request, _("Planned: %(subject)s.") % {"subject": activity.subject})
            if selectors.activities_for(request.user).filter(pk=activity.pk).exists():
                return redirect("activities:activity_detail", pk=activity.pk)
            return redirect("activities:activity_list")
    return render(request, "activities/form.html", _form_context(request, form, None))


@login_required
def activity_edit(request: Request, pk: int) -> HttpResponse:
    activity = _writable(request, pk)
    if activity.status != ActivityStatus.PLANNED:
        messages.error(request, _("A closed activity keeps its details."))
        return redirect("activities:activity_detail", pk=activity.pk)
    form = ActivityForm(request.POST or None, initial=ActivityForm.initial_for(activity))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, activity)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("activities:activity_detail", pk=saved.pk)
    return render(request, "activities/form.html", _form_context(request, form, activity))


def _detail_context(
    request: Request,
    activity: Activity,
    form: CompleteForm | None = None,
    move_form: MoveForm | None = None,
) -> dict[str, Any]:
    can_change = selectors.can(request.user, "change", activity)
    planned = activity.status == ActivityStatus.PLANNED
    return {
        "activity": activity,
        "contact_visible": activity.contact is not None
        and visibility.can(request.user, "view", activity.contact),
        "deal_visible": activity.deal is not None
        and visibility.can(request.user, "view", activity.deal),
        "complaint_visible": activity.complaint is not None
        and complaint_selectors.can(request.user, "view", activity.complaint),
        "reminders": [r.minutes_before for r in activity.reminders.all()],
        "past_occurrences": activity.past_occurrences.order_by("-due_at", "-id")[:20],
        "can_change": can_change and planned,
        "can_delete": selectors.can(request.user, "delete", activity),
        "complete_form": form or _complete_form(activity, None),
        "move_form": move_form or MoveForm(initial=MoveForm.initial_for(activity)),
    }


def _complete_form(activity: Activity, data: Any) -> CompleteForm:
    """The completion form; its next step is of the same type unless changed."""
    return CompleteForm(
        data, initial={"next_kind": activity.kind}, auto_id=f"complete-{activity.pk}_%s"
    )


@login_required
def activity_detail(request: Request, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return render(request, DETAIL, _detail_context(request, activity))


def _panel(request: Request, activity: Activity, announce: str) -> HttpResponse:
    """The contact page's activities section, refreshed after a write from it."""
    assert activity.contact is not None
    context = {
        "contact": activity.contact,
        "activities_panel": selectors.for_contact(request.user, activity.contact),
        "announce": announce,
    }
    return render(request, f"{PANEL_TEMPLATE}#panel", context)


@login_required
def activity_complete(request: Request, pk: int) -> HttpResponse:
    """GET: the completion form (HTMX drops it where it was asked for). POST: complete, with
    the next step if asked; from the contact page (HTMX) its section comes back refreshed,
    elsewhere the done activity's page opens."""
    activity = _writable(request, pk)
    in_panel = bool(request.htmx) and request.htmx.target in (PANEL_TARGET, PANEL_SLOT)
    form = _complete_form(activity, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            completion = services.activity_complete(
                actor=request.user,
                activity=activity,
                outcome=form.cleaned_data.get("outcome") or "",
                next_step=form.next_step(activity),
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            messages.error(request, " ".join(exc.messages))
            url = reverse("activities:activity_detail", args=[pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        except ValidationError as exc:
            apply_errors(form, exc, {**CompleteForm.NEXT_FIELDS, "next_step": None})
        else:
            announce = _("Done: %(subject)s.") % {"subject": completion.done.subject}
            if completion.next_step is not None:
                announce += " " + _("Next step planned.")
            if in_panel and activity.contact is not None:
                return _panel(request, activity, announce)
            messages.success(request, announce)
            url = reverse("activities:activity_detail", args=[completion.done.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _detail_context(request, activity, form)
    context["in_panel"] = in_panel
    if not request.htmx:
        return render(request, DETAIL, context)
    response = render(request, f"{DETAIL}#complete_form", context)
    if in_panel:
        response["HX-Retarget"] = f"#{PANEL_SLOT}"  # the form again, not the whole section
    return response


@login_required
@require_POST
def activity_move(request: Request, pk: int) -> HttpResponse:
    """Move it to another time (a series: this occurrence, or this and the following)."""
    activity = _writable(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        following = bool(form.cleaned_data.get("following"))
        try:
            moved = services.activity_reschedule(
                actor=request.user, activity=activity, due_at=form.due_at(), following=following
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("activities:activity_detail", pk=pk)
        except ValidationError as exc:
            apply_errors(form, exc, {"due_at": "date"})
        else:
            messages.success(
                request,
                _("Moved: %(subject)s, and the following occurrences.") % {"subject": moved.subject}
                if following
                else _("Moved: %(subject)s.") % {"subject": moved.subject},
            )
            return redirect("activities:activity_detail", pk=pk)
    return render(request, DETAIL, _detail_context(request, activity, move_form=form), status=200)


@login_required
@require_POST
def activity_cancel(request: Request, pk: int) -> HttpResponse:
    """Call it off (a series: all of it, or with `occurrence=1` just the current one)."""
    activity = _writable(request, pk)
    try:
        services.activity_cancel(
            actor=request.user,
            activity=activity,
            occurrence_only=request.POST.get("occurrence") == "1",
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cancelled: %(subject)s.") % {"subject": activity.subject})
    return redirect("activities:activity_detail", pk=activity.pk)


@login_required
@require_POST
def activity_delete(request: Request, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    try:
        services.activity_delete(actor=request.user, activity=activity)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Deleted: %(subject)s.") % {"subject": activity.subject})
    if activity.contact is not None and visibility.can(request.user, "view", activity.contact):
        return redirect("contacts:contact_detail", pk=activity.contact_id)
    return redirect("activities:activity_list")
