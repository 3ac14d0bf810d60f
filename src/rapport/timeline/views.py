"""The timeline's sections of the 360° contact page: the touchpoints (filtered by channel,
paged by cursor) and logging one by hand."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.contacts.views.contact_detail import TEMPLATE, _contact, _refuse
from rapport.core import visibility
from rapport.core.http import Request, apply_errors, require
from rapport.core.pagination import InvalidCursor, paginate
from rapport.timeline import services as timeline_services
from rapport.timeline.forms import InteractionForm
from rapport.timeline.models import Channel, Interaction
from rapport.timeline.selectors import interactions_for

TIMELINE_PAGE = 20


@dataclass(frozen=True)
class ItemLink:
    """A link shown next to a timeline item ("Complaint": register this call as one)."""

    label: str
    url: str


# Apps above the timeline add links to its items from their ready(): each gets the viewer
# and the page's items and answers {interaction id: [links]} (one query for the page).
type ItemLinks = Callable[[Any, list[Interaction]], dict[int, list[ItemLink]]]
ITEM_LINKS: list[ItemLinks] = []


def register_item_links(links: ItemLinks) -> None:
    if links not in ITEM_LINKS:
        ITEM_LINKS.append(links)


def _attach_links(user: Any, items: list[Interaction]) -> None:
    found: dict[int, list[ItemLink]] = {}
    for links in ITEM_LINKS:
        for pk, extra in links(user, items).items():
            found.setdefault(pk, []).extend(extra)
    for item in items:
        item.links = found.get(item.pk, [])  # type: ignore[attr-defined]


def timeline_context(
    request: Request, contact: Contact, form: InteractionForm | None = None
) -> dict[str, Any]:
    channel = request.GET.get("channel", "")
    interactions = interactions_for(request.user).filter(contact=contact)
    if channel in Channel.values:
        interactions = interactions.filter(channel=channel)
    else:
        channel = ""
    try:
        page = paginate(
            interactions,
            ordering=["-occurred_at", "-id"],
            limit=TIMELINE_PAGE,
            cursor=request.GET.get("cursor") or None,
        )
    except InvalidCursor:
        page = paginate(
            interactions, ordering=["-occurred_at", "-id"], limit=TIMELINE_PAGE, cursor=None
        )
    _attach_links(request.user, page.items)
    return {
        "timeline": page,
        "channel": channel,
        "channels": Channel.choices,
        "interaction_form": form or InteractionForm(),
    }


def timeline_panel(request: Request, contact: Contact) -> dict[str, Any]:
    return timeline_context(request, contact)


@login_required
def timeline(request: Request, pk: int) -> HttpResponse:
    """GET: the timeline (filtered by ?channel=, paged by ?cursor=); POST: log a touchpoint."""
    contact = _contact(request, pk)
    form = None
    if request.method == "POST":
        require(request.user, "change", contact)
        form = InteractionForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            minutes = data.pop("duration_minutes")
            try:
                timeline_services.interaction_log(
                    actor=request.user,
                    contact=contact,
                    duration_seconds=minutes * 60 if minutes is not None else None,
                    **data,
                )
            except PermissionError as exc:
                raise _refuse(exc) from exc
            except ValidationError as exc:
                apply_errors(form, exc, {"duration_seconds": "duration_minutes"})
            else:
                form = None
                if not request.htmx:
                    messages.success(request, _("Added to the timeline."))
        if not request.htmx:
            if form is not None:
                messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
            return redirect("web:contact_detail", pk=contact.pk)
    context = timeline_context(request, contact, form)
    context.update(contact=contact, can_change=visibility.can(request.user, "change", contact))
    if request.method == "GET" and request.GET.get("cursor"):
        return render(request, f"{TEMPLATE}#timeline_items", context)
    if not request.htmx:
        return redirect("web:contact_detail", pk=contact.pk)
    return render(request, f"{TEMPLATE}#timeline", context)
