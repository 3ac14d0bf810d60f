"""The contact list's filters on the stored customer metrics (RFM segment and scores,
ABC/XYZ classes, lifetime value, churn risk) and the product list's on the product
metrics. Contacts and catalog sit below analytics, so this app adds them to those lists'
sets from its AppConfig.ready() (`FilterSet.add`): the page, the API list and the export of
each list take them alike, and every number on a dashboard links to the list it counts."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from rapport.analytics import config, labels
from rapport.analytics.models import CustomerMetrics
from rapport.core.filters import ChoiceFilter, NumberRangeFilter, number_range

SCORES = [(str(score), str(score)) for score in range(5, 0, -1)]
ABC = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ = [("X", "X"), ("Y", "Y"), ("Z", "Z")]


def segment_choices() -> list[tuple[str, Any]]:
    """The named RFM segments, or those of the custom map in the settings."""
    custom = config.current().rfm_map
    if custom is not None:
        return [(key, labels.segment_label(key)) for key in custom]
    return list(labels.RFM_SEGMENTS.items())


def metric_equals(field_name: str) -> Any:
    """`apply` keeping the rows whose stored metric `field_name` equals the value."""

    def apply(queryset: QuerySet[Any], value: Any, _user: Any) -> QuerySet[Any]:
        return queryset.filter(**{f"metrics__{field_name}": value})

    return apply


def _class_filters(subject: str, *, in_bar: bool) -> tuple[ChoiceFilter, ChoiceFilter]:
    """The ABC and XYZ class filters of a list of customers or products (`subject`)."""
    return (
        ChoiceFilter(
            name="abc_class",
            label=_("ABC class"),
            any_label=_("Any ABC class"),
            choices=lambda: ABC,
            apply=metric_equals("abc_class"),
            in_bar=in_bar,
            description=f"A, B or C: the {subject}'s share of revenue (last refresh).",
        ),
        ChoiceFilter(
            name="xyz_class",
            label=_("XYZ class"),
            any_label=_("Any XYZ class"),
            choices=lambda: XYZ,
            apply=metric_equals("xyz_class"),
            in_bar=in_bar,
            description=f"X, Y or Z: how steady the {subject}'s revenue is (last refresh).",
        ),
    )


CONTACT_METRIC_FILTERS = (
    ChoiceFilter(
        name="rfm_segment",
        label=_("RFM segment"),
        any_label=_("Any RFM segment"),
        choices=segment_choices,
        apply=metric_equals("rfm_segment"),
        description="The customer's RFM segment as of the last analytics refresh.",
    ),
    *_class_filters("customer", in_bar=True),
    ChoiceFilter(
        name="r_score",
        label=_("R score"),
        choices=lambda: SCORES,
        apply=metric_equals("r_score"),
        in_bar=False,
        description="Recency score 1–5 (5: bought most recently).",
    ),
    ChoiceFilter(
        name="f_score",
        label=_("F score"),
        choices=lambda: SCORES,
        apply=metric_equals("f_score"),
        in_bar=False,
        description="Frequency score 1–5 (5: most purchase days).",
    ),
    NumberRangeFilter(
        name="clv",
        label=_("Lifetime value"),
        after="clv_from",
        before="clv_below",
        after_label=_("CLV from"),
        before_label=_("CLV below"),
        apply=number_range("metrics__clv_365d"),
        step="0.01",
        description="Lifetime value over the horizon, in the reporting currency.",
    ),
    NumberRangeFilter(
        name="churn_risk",
        label=_("Churn risk"),
        after="churn_risk_from",
        before="churn_risk_below",
        after_label=_("Churn risk from"),
        before_label=_("Churn risk below"),
        apply=number_range("metrics__churn_risk"),
        maximum=Decimal(1),
        description="Churn risk from 0 to 1.",
    ),
)


PRODUCT_METRIC_FILTERS = _class_filters("product", in_bar=False)


def put_customer_values(contacts: list[Any], _user: Any) -> None:
    """The contact list's "Customer value" column: each contact's RFM segment, lifetime
    value and churn risk as of the last refresh, as `customer_value` text, in one read for
    the page."""
    rows = CustomerMetrics.objects.filter(contact_id__in=[c.pk for c in contacts]).values_list(
        "contact_id", "rfm_segment", "clv_365d", "churn_risk", "currency"
    )
    cells = {}
    for contact_id, segment, clv, risk, currency in rows:
        parts = [labels.segment_label(segment) or ""]
        if clv is not None:
            amount = number_format(clv, decimal_pos=0, force_grouping=True)
            parts.append(
                _g("CLV %(amount)s %(currency)s") % {"amount": amount, "currency": currency}
            )
        if risk is not None:
            parts.append(_g("churn risk %(percent)s %%") % {"percent": round(100 * risk)})
        cells[contact_id] = " · ".join(p for p in parts if p)
    for contact in contacts:
        contact.customer_value = cells.get(contact.pk, "")


def add_to_lists() -> None:
    """Add the metrics' filters and orders to the contact and product lists (from
    AnalyticsConfig.ready)."""
    from rapport.catalog.filters import PRODUCT_FILTERS
    from rapport.contacts.filters import CONTACT_FILTERS
    from rapport.contacts.selectors import register_ordering
    from rapport.contacts.views.contacts import ListColumn, register_list_column

    for added in CONTACT_METRIC_FILTERS:
        CONTACT_FILTERS.add(added)
    for added in PRODUCT_METRIC_FILTERS:
        PRODUCT_FILTERS.add(added)
    register_list_column(
        ListColumn(
            key="customer_value",
            label=_("Customer value"),
            template="analytics/contact_value_cell.html",
            fill=put_customer_values,
        )
    )
    # Customers without the value (no metrics yet, or too few orders) come last: the pages
    # walk the metrics' own indexes (core.pagination, "a sort on a value only some rows have").
    register_ordering(
        "-clv", ["-metrics__clv_365d", "-id"], label=_("Highest lifetime value first")
    )
    register_ordering(
        "-churn_risk", ["-metrics__churn_risk", "-id"], label=_("Highest churn risk first")
    )
