"""One filter definition per sales list (leads, deals, orders, lead sources), shared by the web
list, the API list and the export (see `rapport.core.filters`)."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.filters import (
    BoolFilter,
    ChoiceFilter,
    IdFilter,
    SearchFilter,
    TextFilter,
    equals,
    from_to,
)
from rapport.core.filtersets import FilterSet
from rapport.core.forms import owner_options
from rapport.sales.models import (
    Deal,
    Lead,
    LeadSource,
    LeadStatus,
    Order,
    OrderChannel,
    OrderStatus,
    Pipeline,
    Stage,
)
from rapport.sales.search import search_leads
from rapport.sales.selectors import deals_matching, orders_matching

OPEN_LEAD_STATUSES = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED]


def _owner(**extra: Any) -> IdFilter:
    return IdFilter(
        name="owner",
        label=_("Owner"),
        any_label=_("Any owner"),
        choices=owner_options,
        apply=equals("owner_id"),
        **extra,
    )


def _sources() -> list[tuple[int, str]]:
    return list(LeadSource.objects.order_by("name").values_list("pk", "name"))


def _lead_statuses() -> list[tuple[str, Any]]:
    return [("open", pgettext_lazy("leads filter", "Open")), *LeadStatus.choices]


def _lead_status(leads: QuerySet[Lead], status: str, _user: Any) -> QuerySet[Lead]:
    if status == "open":
        return leads.filter(status__in=OPEN_LEAD_STATUSES)
    return leads.filter(status=status)


def _unassigned(leads: QuerySet[Lead], only: bool, _user: Any) -> QuerySet[Lead]:
    return leads.filter(owner__isnull=True) if only else leads


def _lead_search(leads: QuerySet[Lead], q: str, _user: Any) -> QuerySet[Lead]:
    return search_leads(leads, q)


LEAD_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Search names, e-mails, phones"),
        apply=_lead_search,
        max_length=100,
        description="Words that start a word of the lead's names, e-mail, company or phone.",
    ),
    ChoiceFilter(
        name="status",
        label=_("Status"),
        any_label=_("Any status"),
        choices=_lead_statuses,
        apply=_lead_status,
        description="A status, or `open` for new, contacted and qualified leads.",
    ),
    IdFilter(
        name="source",
        label=_("Source"),
        any_label=_("Any source"),
        choices=_sources,
        apply=equals("source_id"),
    ),
    _owner(none_label=_("Unassigned")),
    BoolFilter(
        name="unassigned",
        label=_("Unassigned"),
        apply=_unassigned,
        in_bar=False,  # the owner dropdown's "Unassigned" says the same on the page
        description="Only leads nobody owns yet (the same as owner=none).",
    ),
    TextFilter(
        name="utm_campaign",
        aliases=("campaign",),
        label=_("UTM campaign"),
        placeholder=_("UTM campaign"),
        apply=lambda leads, value, _user: leads.filter(utm_campaign__istartswith=value),
        description="The UTM campaign starts with this (any case).",
    ),
    from_to(
        "created",
        _("Received"),
        column="created_at",
        after="created_after",
        before="created_before",
    ),
)


def _pipelines() -> list[tuple[int, str]]:
    return list(Pipeline.objects.order_by("name").values_list("pk", "name"))


def _stages_by_pipeline() -> list[tuple[Any, list[tuple[Any, Any]]]]:
    groups: dict[Any, list[tuple[Any, Any]]] = {}
    for stage in Stage.objects.select_related("pipeline").order_by(
        "pipeline__name", "position", "id"
    ):
        groups.setdefault(stage.pipeline.name, []).append((stage.pk, stage.label))
    return list(groups.items())


def _stages() -> list[tuple[int, str]]:
    """The same stages, each named with its pipeline (for a plain list of choices)."""
    return [
        (pk, f"{pipeline}: {label}")
        for pipeline, options in _stages_by_pipeline()
        for pk, label in options
    ]


def _deal_search(deals: QuerySet[Deal], q: str, user: Any) -> QuerySet[Deal]:
    return deals_matching(deals, user, q)


DEAL_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Search titles and customers"),
        apply=_deal_search,
        max_length=100,
        description="In the deal's title, or its customer's names, e-mails and phones.",
    ),
    IdFilter(
        name="pipeline",
        label=_("Pipeline"),
        any_label=_("Any pipeline"),
        choices=_pipelines,
        apply=equals("pipeline_id"),
    ),
    IdFilter(
        name="stage",
        label=pgettext_lazy("pipeline", "Stage"),
        any_label=pgettext_lazy("pipeline", "Any stage"),
        choices=_stages,
        groups=_stages_by_pipeline,
        apply=equals("stage_id"),
    ),
    ChoiceFilter(
        name="stage_kind",
        aliases=("state",),
        label=_("State"),
        any_label=_("Open, won or lost"),
        choices=lambda: Stage.Kind.choices,
        apply=equals("stage__kind"),
    ),
    _owner(),
    IdFilter(name="contact", label=_("Customer"), apply=equals("contact_id"), in_bar=False),
    from_to(
        "created", _("Created"), column="created_at", after="created_after", before="created_before"
    ),
)


def _order_search(orders: QuerySet[Order], q: str, user: Any) -> QuerySet[Order]:
    """`#123` is that order; a number may be an order's; anything else searches customers."""
    return orders_matching(orders, user, q)


ORDER_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Customer name or order number"),
        apply=_order_search,
        max_length=100,
        description="An order number (`#123`), or the customer's names, e-mails and phones.",
    ),
    ChoiceFilter(
        name="status",
        label=_("Status"),
        any_label=_("Any status"),
        choices=lambda: OrderStatus.choices,
        apply=equals("status"),
    ),
    ChoiceFilter(
        name="channel",
        label=_("Channel"),
        any_label=_("Any channel"),
        choices=lambda: OrderChannel.choices,
        apply=equals("channel"),
    ),
    IdFilter(name="contact", label=_("Customer"), apply=equals("contact_id"), in_bar=False),
    IdFilter(name="deal", label=_("Deal"), apply=equals("deal_id"), in_bar=False),
    TextFilter(
        name="external_id",
        label=_("External id"),
        apply=equals("external_id"),
        max_length=100,
        in_bar=False,
        description="The order's id in another system (exact).",
    ),
    from_to("order_date", _("Order date"), column="order_date", after="since", before="until"),
)


LEAD_SOURCE_FILTERS = FilterSet(
    ChoiceFilter(
        name="kind",
        label=_("Channel"),
        any_label=_("Any channel"),
        choices=lambda: LeadSource.Kind.choices,
        apply=equals("kind"),
    ),
    BoolFilter(
        name="active",
        label=_("Active"),
        apply=equals("is_active"),
        description="Only active (true) or retired (false) sources.",
    ),
)
