"""The activity list's filters, shared by its page, its API list and its export
(see `rapport.core.filters`), and the contact list's "no next step" filter, which this app
adds to the contacts' set (contacts cannot import activities)."""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.activities.models import Activity, ActivityKind, ActivityStatus
from rapport.contacts.models import Contact
from rapport.core.filters import (
    BoolFilter,
    ChoiceFilter,
    DateRangeFilter,
    IdFilter,
    SearchFilter,
    equals,
    period_filter,
)
from rapport.core.filtersets import FilterSet
from rapport.core.forms import owner_options

ANY_STATUS = "all"


def _statuses() -> list[tuple[str, Any]]:
    return [*ActivityStatus.choices, (ANY_STATUS, pgettext_lazy("activities", "Any status"))]


def _status(activities: QuerySet[Activity], status: str, _user: Any) -> QuerySet[Activity]:
    return activities if status == ANY_STATUS else activities.filter(status=status)


def _overdue(activities: QuerySet[Activity], only: bool, _user: Any) -> QuerySet[Activity]:
    late = Q(status=ActivityStatus.PLANNED, due_at__lt=timezone.now())
    return activities.filter(late) if only else activities.exclude(late)


def _search(activities: QuerySet[Activity], q: str, _user: Any) -> QuerySet[Activity]:
    return activities.filter(subject__icontains=q)


ACTIVITY_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Search subjects"),
        apply=_search,
        max_length=100,
        description="In the activity's subject, any case.",
    ),
    IdFilter(
        name="assignee",
        label=_("Assignee"),
        any_label=_("Anyone"),
        choices=owner_options,
        apply=equals("assignee_id"),
    ),
    ChoiceFilter(
        name="status",
        label=_("Status"),
        choices=_statuses,
        apply=_status,
        web_default=ActivityStatus.PLANNED,  # the page is a to-do list; "all" shows the rest
        description="planned, done or cancelled (`all`: any). The web page assumes planned.",
    ),
    ChoiceFilter(
        name="kind",
        label=_("Type"),
        any_label=_("Any type"),
        choices=lambda: ActivityKind.choices,
        apply=equals("kind"),
    ),
    DateRangeFilter(
        name="due",
        label=_("Due"),
        after="due_after",
        before="due_before",
        after_label=_("Due from"),
        before_label=_("Due to"),
        apply=period_filter("due_at"),
    ),
    BoolFilter(
        name="overdue",
        label=_("Overdue"),
        apply=_overdue,
        description="Only planned activities past their due time (true), or none of them (false).",
    ),
    IdFilter(name="contact", label=_("Customer"), apply=equals("contact_id"), in_bar=False),
    IdFilter(name="deal", label=_("Deal"), apply=equals("deal_id"), in_bar=False),
)


def _no_next_step(contacts: QuerySet[Contact], only: bool, _user: Any) -> QuerySet[Contact]:
    """Customers nobody is looking after: no planned activity at all (an overdue one still
    counts as a step someone owes them)."""
    planned = Exists(
        Activity.objects.filter(contact_id=OuterRef("pk"), status=ActivityStatus.PLANNED)
    )
    return contacts.filter(~planned) if only else contacts.filter(planned)


NO_NEXT_STEP = BoolFilter(
    name="no_next_step",
    label=_("No next step"),
    apply=_no_next_step,
    description="Only customers with no planned activity (true), or only those with one (false).",
)
