"""The user's profile page and their API tokens."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts import services
from rapport.accounts.forms import DateStyleForm, TokenForm
from rapport.accounts.models import ApiToken
from rapport.core.http import Request, get_visible_or_404


def _profile(request: Request, form: TokenForm, raw_token: str = "") -> HttpResponse:
    user: Any = request.user
    date_form = DateStyleForm(initial={"date_style": user.date_style})
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": user.api_tokens.all(),
            "raw_token": raw_token,
            "date_form": date_form,
        },
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
    return redirect("accounts:profile")


@login_required
@require_POST
def date_style_save(request: Request) -> HttpResponse:
    """Keep the user's date format; every page they open from now on shows dates in it."""
    user: Any = request.user
    form = DateStyleForm(request.POST)
    if form.is_valid():
        user.date_style = form.cleaned_data["date_style"]
        user.save(update_fields=["date_style"])
        messages.success(request, _("Date format saved."))
    return redirect("accounts:profile")


@login_required
@require_POST
def calendar_feed_save(request: Request) -> HttpResponse:
    """Make or replace the calendar feed's secret address, or (`revoke`) stop the feed."""
    user: Any = request.user
    if request.POST.get("action") == "revoke":
        services.calendar_secret_revoke(user=user)
        messages.success(request, _("Calendar feed turned off; its address no longer works."))
    else:
        replacing = bool(user.calendar_secret)
        services.calendar_secret_replace(user=user)
        messages.success(
            request,
            _("New calendar feed address made; the old one no longer works.")
            if replacing
            else _("Calendar feed made: subscribe to its address in your calendar."),
        )
    return redirect("accounts:profile")
