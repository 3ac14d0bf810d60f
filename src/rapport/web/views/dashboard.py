"""The home page (an overview with capped counts) and the user's profile with API tokens."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import ApiToken
from rapport.contacts import selectors
from rapport.core.pagination import capped_count
from rapport.timeline.selectors import interactions_for
from rapport.web.forms import TokenForm
from rapport.web.helpers import Request, get_visible_or_404

COUNT_CAP = 1000


@login_required
def home(request: Request) -> HttpResponse:
    user: Any = request.user
    contacts = selectors.contacts_for(user)
    counts = [
        (_("Contacts you can see"), *capped_count(contacts, cap=COUNT_CAP), "web:contact_list", ""),
        (
            _("Your contacts"),
            *capped_count(contacts.filter(owner=user), cap=COUNT_CAP),
            "web:contact_list",
            f"?owner={user.pk}",
        ),
        (
            _("Customers"),
            *capped_count(contacts.filter(lifecycle_stage="customer"), cap=COUNT_CAP),
            "web:contact_list",
            "?stage=customer",
        ),
        (
            _("Companies"),
            *capped_count(selectors.companies_for(user), cap=COUNT_CAP),
            "web:company_list",
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


def _profile(request: Request, form: TokenForm, raw_token: str = "") -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "web/profile.html",
        {"form": form, "tokens": user.api_tokens.all(), "raw_token": raw_token},
    )


@login_required
def profile(request: Request) -> HttpResponse:
    return _profile(request, TokenForm())


@login_required
@require_POST
def token_create(request: Request) -> HttpResponse:
    """Issue a token and show its raw value this once; only its hash is kept."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form)
    from rapport.core.text import clean_text

    name = clean_text(form.cleaned_data["name"])[:100] or _("API token")
    _token, raw = ApiToken.issue(user=request.user, name=name)
    return _profile(request, TokenForm(), raw_token=raw)


@login_required
@require_POST
def token_revoke(request: Request, pk: int) -> HttpResponse:
    user: Any = request.user
    token = get_visible_or_404(user.api_tokens.all(), pk)
    token.revoke()
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("web:profile")
