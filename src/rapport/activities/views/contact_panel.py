"""The activities sections other apps' pages take: on the 360° contact page the next planned
step first, then what is overdue, what comes later and what was done; on a complaint's page
its follow-ups and a button to plan one."""

from typing import Any

from rapport.activities.selectors import for_complaint, for_contact
from rapport.contacts.models import Contact
from rapport.core.http import Request
from rapport.service.models import Complaint

TEMPLATE = "activities/contact_panel.html"
COMPLAINT_TEMPLATE = "activities/complaint_section.html"


def activities_panel(request: Request, contact: Contact) -> dict[str, Any]:
    return {"activities_panel": for_contact(request.user, contact)}


def complaint_follow_ups(request: Request, complaint: Complaint) -> dict[str, Any]:
    return {"follow_ups": for_complaint(request.user, complaint)}
