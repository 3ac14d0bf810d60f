"""Every field a segment rule may name, with its type, operators and translated labels.

`field_catalog()` is read per request (custom attributes and owners change); the parser
(`rules.parse`) checks a rule against it, the compiler reads `family`/`params` to find the
data, and `GET segments/fields` and the builder show it as it is.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.analytics import config as analytics_config
from rapport.analytics.labels import RFM_SEGMENTS, segment_label
from rapport.contacts.models import (
    ConsentChannel,
    ConsentPurpose,
    ConsentStatus,
    CustomField,
    Gender,
    LifecycleStage,
    LifeEvent,
    RelationKind,
)
from rapport.core import permissions
from rapport.segments.rules import OPERATORS, FieldSpec, FieldType, Op
from rapport.timeline.models import Channel

T = FieldType
CONSENT_NONE = "none"
# Dates of things that happened (an order, a touch): no "within the next days".
PAST_DAYS = tuple(op for op in OPERATORS[T.DATE] if op != Op.WITHIN_NEXT_DAYS)


def _choices(pairs: Any) -> tuple[tuple[Any, str], ...]:
    return tuple((value, str(label)) for value, label in pairs)


def _contact_fields() -> list[FieldSpec]:
    group = _("Contact")

    def text(name: str, label: str) -> FieldSpec:
        return FieldSpec(name, T.TEXT, "contact", (name,), label, group)

    owners = permissions.owners().order_by("first_name", "last_name", "username")
    return [
        text("first_name", _("First name")),
        text("last_name", _("Last name")),
        text("email", _("E-mail")),
        text("phone", _("Phone")),
        text("city", _("City")),
        text("country", _("Country (two-letter code)")),
        text("language", _("Preferred language")),
        text("source", _("Source")),
        FieldSpec(
            "gender", T.CHOICE, "contact", ("gender",), _("Gender"), group, _choices(Gender.choices)
        ),
        FieldSpec(
            "lifecycle_stage",
            T.CHOICE,
            "contact",
            ("lifecycle_stage",),
            _("Lifecycle stage"),
            group,
            _choices(LifecycleStage.choices),
        ),
        FieldSpec(
            "owner",
            T.CHOICE,
            "contact",
            ("owner_id",),
            _("Owner"),
            group,
            tuple((u.pk, u.get_full_name() or u.username) for u in owners),
            operators=(Op.EQ, Op.NE, Op.IN, Op.NOT_IN),
        ),
        FieldSpec(
            "birth_date", T.DATE, "contact", ("birth_date",), _("Birth date"), group, annual=True
        ),
        FieldSpec("birthday", T.ANNIVERSARY, "birthday", (), _("Birthday"), group),
        FieldSpec("created_at", T.DATETIME, "contact", ("created_at",), _("Added on"), group),
        FieldSpec("tags", T.TAGS, "tags", (), _("Tags"), group),
    ]


_CUSTOM_TYPES = {
    CustomField.FieldType.TEXT: T.TEXT,
    CustomField.FieldType.NUMBER: T.NUMBER,
    CustomField.FieldType.DATE: T.DATE,
    CustomField.FieldType.BOOLEAN: T.BOOLEAN,
    CustomField.FieldType.CHOICE: T.CHOICE,
    CustomField.FieldType.MULTI_CHOICE: T.TAGS,
}


def _custom_fields() -> list[FieldSpec]:
    group = _("Custom attributes")
    found = []
    for custom in CustomField.objects.filter(entity=CustomField.Entity.CONTACT):
        kind = _CUSTOM_TYPES[CustomField.FieldType(custom.field_type)]
        choices = None
        if kind in (T.CHOICE, T.TAGS):
            choices = tuple((str(c), str(c)) for c in custom.choices or [])
        found.append(
            FieldSpec(
                f"custom.{custom.key}", kind, "custom", (custom.key,), custom.label, group, choices
            )
        )
    return found


def _consent_fields() -> list[FieldSpec]:
    group = _("Consent")
    states = (*_choices(ConsentStatus.choices), (CONSENT_NONE, pgettext("consent", "None given")))
    return [
        FieldSpec(
            f"consent.{channel}.{purpose}",
            T.CHOICE,
            "consent",
            (channel, purpose),
            _("Consent: %(channel)s, %(purpose)s")
            % {"channel": channel_label, "purpose": purpose_label},
            group,
            states,
            operators=(Op.EQ, Op.NE, Op.IN, Op.NOT_IN),
        )
        for channel, channel_label in ConsentChannel.choices
        for purpose, purpose_label in ConsentPurpose.choices
    ]


def _order_fields() -> list[FieldSpec]:
    group = _("Orders")
    return [
        FieldSpec(
            "orders.count",
            T.NUMBER,
            "orders_count",
            (),
            _("Number of orders"),
            group,
            windowed=True,
        ),
        FieldSpec(
            "orders.revenue", T.MONEY, "orders_revenue", (), _("Revenue"), group, windowed=True
        ),
        FieldSpec(
            "orders.first_date",
            T.DATE,
            "orders_date",
            ("first",),
            _("First order on"),
            group,
            windowed=True,
            operators=PAST_DAYS,
        ),
        FieldSpec(
            "orders.last_date",
            T.DATE,
            "orders_date",
            ("last",),
            _("Last order on"),
            group,
            windowed=True,
            operators=PAST_DAYS,
        ),
        FieldSpec(
            "orders.product",
            T.REFERENCE,
            "orders_product",
            (),
            _("Bought product"),
            group,
            windowed=True,
        ),
        FieldSpec(
            "orders.category",
            T.REFERENCE,
            "orders_category",
            (),
            _("Bought from category"),
            group,
            windowed=True,
        ),
    ]


def metric_fields() -> list[tuple[str, FieldType, str]]:
    """(CustomerMetrics column, type, label) for every metric a rule may name."""
    return [
        ("rfm_segment", T.CHOICE, _("RFM segment")),
        ("r_score", T.NUMBER, _("Recency score (1–5)")),
        ("f_score", T.NUMBER, _("Frequency score (1–5)")),
        ("m_score", T.NUMBER, _("Monetary score (1–5)")),
        ("abc_class", T.CHOICE, _("ABC class")),
        ("xyz_class", T.CHOICE, _("XYZ class")),
        ("recency_days", T.NUMBER, _("Days since the last purchase")),
        ("frequency", T.NUMBER, _("Repeat purchase days")),
        ("T_days", T.NUMBER, _("Days since the first purchase")),
        ("orders", T.NUMBER, _("Orders counted by analytics")),
        ("total_revenue", T.MONEY, _("Total revenue")),
        ("monetary", T.MONEY, _("Mean repeat purchase value")),
        ("first_purchase", T.DATE, _("First purchase on")),
        ("last_purchase", T.DATE, _("Last purchase on")),
        ("p_alive", T.NUMBER, _("Probability still a customer")),
        ("expected_purchases_90d", T.NUMBER, _("Expected purchases, 90 days")),
        ("expected_purchases_365d", T.NUMBER, _("Expected purchases, 365 days")),
        ("expected_order_value", T.MONEY, _("Expected order value")),
        ("clv_365d", T.MONEY, _("Customer lifetime value, 365 days")),
        ("churn_risk", T.NUMBER, _("Churn risk (0–1)")),
    ]


def _metric_choices() -> dict[str, tuple[tuple[Any, Any], ...]]:
    # the RFM segments the refresh assigns: the site's own map (settings), else the default
    rfm_map = analytics_config.current().rfm_map
    keys = list(rfm_map) if rfm_map is not None else list(RFM_SEGMENTS)
    return {
        "rfm_segment": tuple((key, segment_label(key)) for key in keys),
        "abc_class": (("A", "A"), ("B", "B"), ("C", "C")),
        "xyz_class": (("X", "X"), ("Y", "Y"), ("Z", "Z")),
    }


def _metric_fields() -> list[FieldSpec]:
    group = _("Customer metrics")
    choices = _metric_choices()
    return [
        FieldSpec(
            f"metrics.{column}",
            kind,
            "metrics",
            (column,),
            label,
            group,
            _choices(choices[column]) if column in choices else None,
        )
        for column, kind, label in metric_fields()
    ]


def _timeline_fields() -> list[FieldSpec]:
    group = _("Timeline")
    return [
        FieldSpec(
            "timeline.count",
            T.NUMBER,
            "timeline_count",
            (),
            _("Number of touches"),
            group,
            windowed=True,
        ),
        *(
            FieldSpec(
                f"timeline.last_at.{channel}",
                T.DATETIME,
                "timeline_last",
                (channel,),
                _("Last touch: %(channel)s") % {"channel": label},
                group,
                operators=PAST_DAYS,
            )
            for channel, label in Channel.choices
        ),
    ]


def _life_fields() -> list[FieldSpec]:
    events = [
        FieldSpec(
            f"life_events.{kind}",
            T.DATE,
            "life_event",
            (kind,),
            _("Life event: %(event)s") % {"event": label},
            _("Life events"),
            annual=True,
        )
        for kind, label in LifeEvent.Kind.choices
    ]
    related = [
        FieldSpec(
            f"related.{kind}",
            T.PRESENCE,
            "related",
            (kind,),
            _("Related person: %(relation)s") % {"relation": label},
            _("Related persons"),
        )
        for kind, label in RelationKind.choices
    ]
    return events + related


def field_catalog() -> dict[str, FieldSpec]:
    """Every field by name, in the order the builder lists them."""
    specs = [
        *_contact_fields(),
        *_custom_fields(),
        *_consent_fields(),
        *_order_fields(),
        *_metric_fields(),
        *_timeline_fields(),
        *_life_fields(),
        FieldSpec("segment", T.REFERENCE, "segment", (), _("Member of segment"), _("Segments")),
    ]
    return {spec.name: spec for spec in specs}


OPERATOR_LABELS = {
    Op.EQ: lambda: _("is"),
    Op.NE: lambda: _("is not"),
    Op.LT: lambda: _("less than / before"),
    Op.LTE: lambda: _("at most / on or before"),
    Op.GT: lambda: _("more than / after"),
    Op.GTE: lambda: _("at least / on or after"),
    Op.BETWEEN: lambda: _("between"),
    Op.IN: lambda: _("is any of"),
    Op.NOT_IN: lambda: _("is none of"),
    Op.CONTAINS: lambda: _("contains"),
    Op.STARTS_WITH: lambda: _("starts with"),
    Op.IS_EMPTY: lambda: _("is empty"),
    Op.IS_NOT_EMPTY: lambda: _("is not empty"),
    Op.WITHIN_LAST_DAYS: lambda: _("within the last … days"),
    Op.WITHIN_NEXT_DAYS: lambda: _("within the next … days"),
}


def describe(spec: FieldSpec) -> dict[str, Any]:
    """A field as `GET segments/fields` shows it."""
    return {
        "field": spec.name,
        "label": str(spec.label),
        "group": str(spec.group),
        "type": spec.type.value,
        "operators": [{"op": op.value, "label": OPERATOR_LABELS[op]()} for op in spec.ops()],
        "choices": None
        if spec.choices is None
        else [{"value": value, "label": str(label)} for value, label in spec.choices],
        "window": spec.windowed,
    }
