"""The home page: an overview with capped counts, recent touchpoints and new contacts."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.contacts import selectors
from rapport.core import permissions
from rapport.core.http import Request
from rapport.core.pagination import capped_count
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
    recent = interactions_for(user).select_related("contact").order_by("-occurred_at", "-id")[:10]
    new_contacts = contacts.order_by("-created_at", "-id")[:10]
    return render(
        request,
        "web/home.html",
        {"counts": counts, "recent": recent, "new_contacts": new_contacts},
    )


@login_required
def start(request: Request) -> HttpResponse:
    """Where signing in lands: "my day" for those whose work is a to-do list, else home."""
    if permissions.starts_on_my_day(request.user):
        return redirect("activities:my_day")
    return redirect("web:home")
