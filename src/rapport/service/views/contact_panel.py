"""The complaints section of the 360° contact page, and the "Complaint" link on the
customer's logged calls and messages (the timeline asks for it; see timeline.views)."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from rapport.contacts.models import Contact
from rapport.core import permissions, visibility
from rapport.core.http import Request
from rapport.service import selectors
from rapport.timeline.models import MANUAL_CHANNELS, Channel, Interaction
from rapport.timeline.views import ItemLink

SHOWN = 10
# What a customer can complain in: their calls, messages, visits (not notes, orders or
# campaign messages).
FROM_CHANNELS = frozenset(MANUAL_CHANNELS) - {Channel.NOTE}


def complaints_panel(request: Request, contact: Contact) -> dict[str, Any]:
    """The contact's latest complaints, newest first, and whether the viewer may add one."""
    complaints = list(
        selectors.complaints_for(request.user)
        .filter(contact=contact)
        .select_related("category", "assignee")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    return {
        "contact_complaints": complaints,
        "complaints_now": timezone.now(),
        "can_complain": permissions.allows(request.user, "complaints", "create")
        and visibility.can(request.user, "view", contact),
    }


def interaction_links(user: Any, items: list[Interaction]) -> dict[int, list[ItemLink]]:
    """ "Complaint #12" on an interaction a complaint came from; "Complaint" (register one
    from it) on the other calls and messages, for whoever may register complaints."""
    candidates = [item for item in items if item.channel in FROM_CHANNELS]
    if not candidates:
        return {}
    linked = dict(
        selectors.complaints_for(user)
        .filter(interaction__in=[item.pk for item in candidates])
        .values_list("interaction_id", "pk")
    )
    may_register = permissions.allows(user, "complaints", "create")
    links: dict[int, list[ItemLink]] = {}
    for item in candidates:
        if item.pk in linked:
            number = linked[item.pk]
            label = pgettext("timeline link", "Complaint #%(id)s") % {"id": number}
            links[item.pk] = [ItemLink(label, reverse("service:complaint_detail", args=[number]))]
        elif may_register:
            url = reverse("service:complaint_create") + f"?interaction={item.pk}"
            links[item.pk] = [ItemLink(pgettext("timeline link", "Complaint"), url)]
    return links
