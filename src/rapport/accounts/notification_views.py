"""The bell's pages: the list of one's notifications, marking them read, and the tiny poll
endpoint the header's bell asks every 30 seconds."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core import notifications
from rapport.core.http import Request
from rapport.core.models import Notification

LIMIT = 100  # the page shows the newest ones; older ones are in the API


def _worded(items: list[Notification]) -> list[Notification]:
    for item in items:
        item.text = notifications.text(item)  # type: ignore[attr-defined]
    return items


@login_required
@require_GET
def notification_list(request: Request) -> HttpResponse:
    user: Any = request.user
    items = list(Notification.objects.filter(user=user)[:LIMIT])
    unread = notifications.unread_count(user)
    return render(
        request,
        "accounts/notifications/list.html",
        {"items": _worded(items), "unread": unread},
    )


@login_required
@require_GET
def bell(request: Request) -> HttpResponse:
    """The bell again when it changed; 204 (nothing to swap) when the caller's state is current."""
    count, state = notifications.bell_state(request.user)
    if request.GET.get("state") == state:
        return HttpResponse(status=204)
    return render(request, "accounts/notifications/bell.html", {"count": count, "state": state})


def _changed(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = "notifications-changed"
    return response


@login_required
@require_POST
def notification_read(request: Request, pk: int) -> HttpResponse:
    item = notifications.mark_read(user=request.user, notification_id=pk)
    if item is None:  # someone else's, or gone
        raise Http404
    if request.htmx:
        [item] = _worded([item])
        context = {"item": item, "announce": _("Marked read.")}
        return _changed(render(request, "accounts/notifications/item.html", context))
    return redirect("accounts:notification_list")


@login_required
@require_POST
def notification_read_all(request: Request) -> HttpResponse:
    notifications.mark_all_read(user=request.user)
    return redirect("accounts:notification_list")


@login_required
@require_GET
def notification_open(request: Request, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    item = notifications.mark_read(user=request.user, notification_id=pk)
    if item is None:
        raise Http404
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts=None):
        return redirect(item.url)
    return redirect("accounts:notification_list")
