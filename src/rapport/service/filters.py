"""The complaint list's filters, shared by the web list, the API list and the export (see
`rapport.core.filters`)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.filters import BoolFilter, ChoiceFilter, IdFilter, SearchFilter, equals, from_to
from rapport.core.filtersets import FilterSet
from rapport.service import selectors
from rapport.service.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Severity,
    breached_q,
)


def _statuses() -> list[tuple[str, Any]]:
    return [("open", pgettext_lazy("complaints filter", "Open")), *ComplaintStatus.choices]


def _status(complaints: QuerySet[Complaint], status: str, _user: Any) -> QuerySet[Complaint]:
    if status == "open":
        return complaints.filter(status__in=OPEN_STATUSES)
    return complaints.filter(status=status)


def _breached(complaints: QuerySet[Complaint], only: bool, _user: Any) -> QuerySet[Complaint]:
    late = breached_q(timezone.now())
    return complaints.filter(late) if only else complaints.exclude(late)


def _causes() -> list[tuple[int, str]]:
    return [(cause.pk, cause.label) for cause in selectors.root_causes()]


def _root_cause(complaints: QuerySet[Complaint], value: Any, _user: Any) -> QuerySet[Complaint]:
    """A cause and the causes under it ("Supplier" holds "Hotel overbooked")."""
    if value == "none":
        return complaints.filter(root_cause__isnull=True)
    return complaints.filter(Q(root_cause_id=value) | Q(root_cause__parent_id=value))


def _categories() -> list[tuple[int, str]]:
    return [(category.pk, category.name) for category in selectors.categories()]


def _assignees() -> list[tuple[int, str]]:
    return [(user.pk, str(user)) for user in selectors.assignees()]


def _search(complaints: QuerySet[Complaint], q: str, user: Any) -> QuerySet[Complaint]:
    return selectors.complaints_matching(complaints, user, q)


COMPLAINT_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Customer, complaint number or words"),
        apply=_search,
        max_length=100,
        description="A complaint number (`#12`), the customer's names, e-mails and phones, "
        "or words of the description.",
    ),
    ChoiceFilter(
        name="status",
        label=_("Status"),
        any_label=_("Any status"),
        choices=_statuses,
        apply=_status,
        description="A status, or `open` for new, in progress and waiting.",
    ),
    BoolFilter(
        name="breached",
        label=_("SLA breached"),
        true_label=_("SLA breached"),
        false_label=_("Within SLA"),
        any_label=_("Any SLA state"),
        apply=_breached,
        description="true: a deadline was missed (marked, or open past it); false: none was.",
    ),
    ChoiceFilter(
        name="severity",
        label=_("Severity"),
        any_label=_("Any severity"),
        choices=lambda: Severity.choices,
        apply=equals("severity"),
    ),
    IdFilter(
        name="category",
        label=pgettext_lazy("complaint", "Category"),
        any_label=_("Any category"),
        none_label=_("No category"),
        choices=_categories,
        apply=equals("category_id"),
    ),
    IdFilter(
        name="root_cause",
        label=_("Root cause"),
        any_label=_("Any root cause"),
        none_label=_("No root cause yet"),
        choices=_causes,
        apply=_root_cause,
        description='A root cause id (a top-level one includes the causes under it), or "none".',
    ),
    IdFilter(
        name="assignee",
        label=_("Assignee"),
        any_label=_("Anyone"),
        none_label=_("Unassigned"),
        choices=_assignees,
        apply=equals("assignee_id"),
    ),
    ChoiceFilter(
        name="channel",
        label=_("Channel"),
        any_label=_("Any channel"),
        choices=lambda: ComplaintChannel.choices,
        apply=equals("channel"),
        in_bar=False,
    ),
    IdFilter(name="contact", label=_("Customer"), apply=equals("contact_id"), in_bar=False),
    IdFilter(name="product", label=_("Product"), apply=equals("product_id"), in_bar=False),
    IdFilter(name="order", label=_("Order"), apply=equals("order_id"), in_bar=False),
    from_to(
        "created",
        _("Registered"),
        column="created_at",
        after="created_after",
        before="created_before",
    ),
)
