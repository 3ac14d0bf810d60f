"""The activities section of the 360° contact page: the next planned step first, then what is
overdue, what comes later and what was done."""

from typing import Any

from rapport.activities.selectors import for_contact
from rapport.contacts.models import Contact
from rapport.core.http import Request

TEMPLATE = "activities/contact_panel.html"


def activities_panel(request: Request, contact: Contact) -> dict[str, Any]:
    return {"activities_panel": for_contact(request.user, contact)}
