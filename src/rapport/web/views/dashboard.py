"""The home page: what the viewer's role needs today (their own overdue and today's work and
open deals and new leads for those who own work, leads by source this week for marketing,
overdue work per manager for team leads and administrators, the figures for those who read
them), then capped counts, recent touchpoints and new contacts."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities import selectors as activity_selectors
from rapport.contacts import selectors
from rapport.core import permissions
from rapport.core.http import Request
from rapport.core.pagination import capped_count
from rapport.sales.models import LeadStatus, Stage
from rapport.sales.selectors import deals_for, leads_for
from rapport.service.models import OPEN_STATUSES
from rapport.service.selectors import complaints_for
from rapport.timeline.selectors import interactions_for

COUNT_CAP = 1000


@login_required
def home(request: Request) -> HttpResponse:
    user: Any = request.user
    contacts = selectors.contacts_for(user)
    counts = [
        (
            _("Contacts you can see"),
            *capped_count(contacts, cap=COUNT_CAP),
            "contacts:contact_list",
            "",
        ),
        (
            _("Your contacts"),
            *capped_count(contacts.filter(owner=user), cap=COUNT_CAP),
            "contacts:contact_list",
            f"?owner={user.pk}",
        ),
        (
            _("Customers"),
            *capped_count(contacts.filter(lifecycle_stage="customer"), cap=COUNT_CAP),
            "contacts:contact_list",
            "?stage=customer",
        ),
        (
            _("Companies"),
            *capped_count(selectors.companies_for(user), cap=COUNT_CAP),
            "contacts:company_list",
            "",
        ),
    ]
    context: dict[str, Any] = {"counts": counts, **_today(user)}
    recent = interactions_for(user).select_related("contact").order_by("-occurred_at", "-id")[:10]
    new_contacts = contacts.order_by("-created_at", "-id")[:10]
    context.update(recent=recent, new_contacts=new_contacts)
    return render(request, "web/home.html", context)


def _today(user: Any) -> dict[str, Any]:
    """The role's own part of the page; each part is there only when the rule allows it."""
    today: dict[str, Any] = {}
    now = timezone.now()
    if permissions.may_own(user) and permissions.allows(user, "activities", "change"):
        day = activity_selectors.my_day(user, now)
        overdue = f"{reverse('activities:activity_list')}?assignee={user.pk}&overdue=true"
        today["my_work"] = [
            (_("Overdue"), day.overdue_count, overdue),
            (_("Due today"), len(day.today), reverse("activities:my_day")),
        ]
    if permissions.may_own(user) and permissions.allows(user, "complaints", "change"):
        mine = complaints_for(user).filter(assignee=user, status__in=OPEN_STATUSES)
        today["complaints"] = capped_count(mine, cap=COUNT_CAP)
    if permissions.sells(user):
        open_deals = deals_for(user).filter(owner=user, stage__kind=Stage.Kind.OPEN)
        new_leads = leads_for(user).filter(status=LeadStatus.NEW)
        today["sales"] = [
            (_("My open deals"), *capped_count(open_deals, cap=COUNT_CAP), "sales:deal_list"),
            (_("New leads"), *capped_count(new_leads, cap=COUNT_CAP), "sales:lead_list"),
        ]
    if permissions.allows(user, "marketing", "change"):
        week = now - dt.timedelta(days=7)
        today["by_source"] = list(
            leads_for(user)
            .filter(created_at__gte=week)
            .values("source__name")
            .annotate(leads=Count("id"))
            .order_by("-leads", "source__name")
        )
    people = activity_selectors.overseen(user)
    if people is not None:
        today["team"] = activity_selectors.overdue_per_person(people, now)
        today["pipeline"] = permissions.allows(user, "deals", "view")
    today["figures"] = permissions.allows(user, "analytics", "view")
    return today


@login_required
def start(request: Request) -> HttpResponse:
    """Where signing in lands: "my day" for those whose work is a to-do list, else home."""
    if permissions.starts_on_my_day(request.user):
        return redirect("activities:my_day")
    return redirect("web:home")
