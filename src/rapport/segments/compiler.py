"""A parsed rule (`rules.Node`) as one filter on contacts: a Q of plain lookups, EXISTS and
aggregate subqueries, so a segment is one SQL statement on SQLite and PostgreSQL alike and no
list of ids ever passes through Python.

Every condition is two-valued (true or false, never SQL NULL), so that `not` means "every
contact the inner rule does not select": a contact without a birth date is not born before
1990, and so is in `{"not": <born before 1990>}`. Conditions over other tables are EXISTS
over that table, their negations NOT EXISTS; counts and sums are subqueries with a
COALESCE to 0 (a contact without orders has 0 of them). Order conditions count booked and
paid orders, as analytics does; revenue is in the reporting currency, converted with the
exchange rate valid on the order's day (an order without a rate is left out, as analytics
leaves it out).
"""

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    In,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
    Lookup,
)

from rapport.analytics.models import CustomerMetrics, ExchangeRate
from rapport.contacts.models import (
    ConsentState,
    Contact,
    ContactRelation,
    LifeEvent,
)
from rapport.contacts.selectors import birthdays_between
from rapport.sales.models import Order, OrderLine
from rapport.segments.catalog import CONSENT_NONE
from rapport.segments.messages import word
from rapport.segments.models import SegmentMember
from rapport.segments.rules import (
    All,
    Any_,
    Condition,
    FieldType,
    Node,
    Not,
    Op,
    RuleError,
    day_interval,
)
from rapport.timeline.models import Interaction

COUNTED_ORDERS = ("booked", "paid")  # as analytics counts them
# the metric columns in SQLite's covering index on (contact_id, column) (analytics 0004)
COVERED_METRICS = frozenset({"churn_risk"})


@dataclass(frozen=True)
class SegmentRef:
    """What a membership condition needs of the segment it names."""

    id: int
    rule: Node | None  # None: a static list
    name: str = ""


# Finds a segment a rule names (raising RuleError when the caller may not use it).
type SegmentResolver = Callable[[int, str], SegmentRef]


@dataclass(frozen=True)
class Context:
    now: dt.datetime
    resolve: SegmentResolver
    zone: ZoneInfo

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.zone)


def context(now: dt.datetime, resolve: SegmentResolver) -> Context:
    return Context(now=now, resolve=resolve, zone=ZoneInfo(settings.TIME_ZONE))


def compile_rule(node: Node, ctx: Context, stack: tuple[int, ...] = ()) -> Q:
    """The filter on Contact that selects exactly the members of `node`. `stack`: the
    segments being expanded (a segment naming one of them is a cycle)."""
    if isinstance(node, All):
        return reduce(operator.and_, (compile_rule(c, ctx, stack) for c in node.children))
    if isinstance(node, Any_):
        return reduce(operator.or_, (compile_rule(c, ctx, stack) for c in node.children))
    if isinstance(node, Not):
        return ~compile_rule(node.child, ctx, stack)
    return _condition(node, ctx, stack)


def members(queryset: QuerySet[Contact], node: Node, ctx: Context) -> QuerySet[Contact]:
    return queryset.filter(compile_rule(node, ctx))


def _condition(cond: Condition, ctx: Context, stack: tuple[int, ...]) -> Q:
    family = cond.spec.family
    if family == "segment":
        return _segment(cond, ctx, stack)
    return _FAMILIES[family](cond, ctx)


# --- helpers ---------------------------------------------------------------------------------

_NEGATIVE = {Op.NE, Op.NOT_IN, Op.IS_EMPTY}
_POSITIVE_OF = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN, Op.IS_EMPTY: Op.IS_NOT_EMPTY}


def _truth(q: Q) -> Q:
    """`q` as a two-valued condition (false where it would be SQL NULL)."""
    return Q(Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField()))


def _exists(model: Any, q: Q, *, negate: bool = False, contact: str = "contact_id") -> Q:
    found = Exists(model.objects.filter(q, **{contact: OuterRef("pk")}))
    return ~Q(found) if negate else Q(found)


def _compare(expr: Any, op: Op, value: Any) -> Q:
    """A comparison of a never-null expression with a value (ordered operators and in)."""
    match op:
        case Op.EQ:
            return Q(Exact(expr, value))
        case Op.NE:
            return ~Q(Exact(expr, value))
        case Op.LT:
            return Q(LessThan(expr, value))
        case Op.LTE:
            return Q(LessThanOrEqual(expr, value))
        case Op.GT:
            return Q(GreaterThan(expr, value))
        case Op.GTE:
            return Q(GreaterThanOrEqual(expr, value))
        case Op.BETWEEN:
            return Q(GreaterThanOrEqual(expr, value[0])) & Q(LessThanOrEqual(expr, value[1]))
        case Op.IN:
            return Q(In(expr, list(value)))
        case Op.NOT_IN:
            return ~Q(In(expr, list(value)))
        case Op.IS_EMPTY:
            return Q(pk__in=[])  # a count or a sum is never empty
        case Op.IS_NOT_EMPTY:
            return ~Q(pk__in=[])
    raise AssertionError(op)


def _bounds(cond: Condition, ctx: Context, *, timed: bool) -> tuple[Any, Any]:
    """The [first, end) a date condition covers: days, or local midnights for times."""
    low, high = day_interval(cond.op, cond.value, ctx.today)
    if not timed:
        return low, high
    return (None if low is None else ctx.midnight(low)), (
        None if high is None else ctx.midnight(high)
    )


def _range_q(column: str, low: Any, high: Any) -> Q:
    q = Q(**{f"{column}__isnull": False})
    if low is not None:
        q &= Q(**{f"{column}__gte": low})
    if high is not None:
        q &= Q(**{f"{column}__lt": high})
    return q


def _annual_q(column: str, cond: Condition, ctx: Context) -> Q:
    # Ranges of month-day keys; on a contact's birth date a range scan of its index.
    return birthdays_between(ctx.today, int(cond.value), column)  # type: ignore[arg-type]


def _column_q(column: str, cond: Condition, ctx: Context, *, timed: bool = False) -> Q:
    """The positive form of a condition on one column (of any table): the caller applies it
    where the column lives; `_NEGATIVE` operators come here as their positive twin."""
    op, value, kind = cond.op, cond.value, cond.spec.type
    if op in (Op.EQ, Op.IN) and kind not in (FieldType.DATE, FieldType.DATETIME):
        values = list(value) if op == Op.IN else [value]  # type: ignore[arg-type]
        return Q(**{f"{column}__in": values})
    if op == Op.IS_NOT_EMPTY:
        q = Q(**{f"{column}__isnull": False})
        return q & ~Q(**{column: ""}) if kind in (FieldType.TEXT, FieldType.CHOICE) else q
    if op == Op.CONTAINS:
        return Q(**{f"{column}__icontains": value})
    if op == Op.STARTS_WITH:
        return Q(**{f"{column}__istartswith": value})
    if kind in (FieldType.DATE, FieldType.DATETIME):
        if op == Op.WITHIN_NEXT_DAYS and cond.spec.annual:
            return _annual_q(column, cond, ctx)
        return _range_q(column, *_bounds(cond, ctx, timed=timed))
    lookups = {Op.LT: "lt", Op.LTE: "lte", Op.GT: "gt", Op.GTE: "gte"}
    if op in lookups:
        return Q(**{f"{column}__isnull": False, f"{column}__{lookups[op]}": value})
    if op == Op.BETWEEN:
        return Q(**{f"{column}__isnull": False, f"{column}__range": tuple(value)})  # type: ignore[arg-type]
    raise AssertionError(op)


def _positive(cond: Condition) -> Condition:
    if cond.op not in _NEGATIVE:
        return cond
    return Condition(cond.spec, _POSITIVE_OF[cond.op], cond.value, cond.path, cond.window_days)


# --- the families of fields ------------------------------------------------------------------


def _contact(cond: Condition, ctx: Context) -> Q:
    column = cond.spec.params[0]
    positive = _column_q(column, _positive(cond), ctx, timed=cond.spec.type == FieldType.DATETIME)
    yearly = cond.op == Op.WITHIN_NEXT_DAYS and cond.spec.annual
    # nullable: keep it two-valued under `not` (a yearly range is already: it names
    # `IS NOT NULL`, and a CASE around it would hide it from the birthday index)
    if cond.spec.type == FieldType.DATE and not yearly:
        positive = _truth(positive)
    return ~positive if cond.op in _NEGATIVE else positive


def _custom(cond: Condition, ctx: Context) -> Q:
    key = cond.spec.params[0]
    path = f"custom__{key}"
    kind = cond.spec.type
    pos = _positive(cond)
    has = Q(**{f"{path}__isnull": False})
    if kind == FieldType.TAGS:  # a multi-choice: the JSON array's text holds '"value"'
        if pos.op == Op.IS_NOT_EMPTY:
            q = has & Q(**{f"{path}__icontains": '"'})
        else:
            values = pos.value if isinstance(pos.value, tuple) else (pos.value,)
            q = has & reduce(operator.or_, (Q(**{f"{path}__icontains": f'"{v}"'}) for v in values))
    elif kind in (FieldType.BOOLEAN, FieldType.NUMBER):
        q = has & ~Q(**{path: None}) if pos.op == Op.IS_NOT_EMPTY else _json_q(path, pos)
    else:  # text, choices and dates (ISO days) compared as text
        q = has & _text_q(KT(path), pos, ctx)
    positive = _truth(q)
    return ~positive if cond.op in _NEGATIVE else positive


def _json_q(path: str, cond: Condition) -> Q:
    """Numbers and yes/no compared as JSON values (a number stored as text never matches)."""
    value: Any = cond.value
    lookups = {Op.EQ: "exact", Op.LT: "lt", Op.LTE: "lte", Op.GT: "gt", Op.GTE: "gte", Op.IN: "in"}
    if cond.op == Op.BETWEEN:
        return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
    if cond.op == Op.IN:
        value = list(value)
    return Q(**{f"{path}__{lookups[cond.op]}": value})


def _text_q(expr: Any, cond: Condition, ctx: Context) -> Q:
    op, value = cond.op, cond.value
    if op == Op.IS_NOT_EMPTY:
        return ~Q(Exact(expr, ""))
    if op == Op.CONTAINS:
        return Q(IContains(expr, value))
    if op == Op.STARTS_WITH:
        return Q(IStartsWith(expr, value))
    if cond.spec.type == FieldType.DATE:
        if op == Op.WITHIN_NEXT_DAYS and cond.spec.annual:
            raise AssertionError("custom dates are not yearly")
        low, high = day_interval(op, value, ctx.today)
        q = Q(Exact(Value(1), 1))
        if low is not None:
            q &= Q(GreaterThanOrEqual(expr, low.isoformat()))
        if high is not None:
            q &= Q(LessThan(expr, high.isoformat()))
        return q
    return _compare(expr, op, value)


def _tags(cond: Condition, ctx: Context) -> Q:
    through = Contact.tags.through
    pos = _positive(cond)
    if pos.op == Op.IS_NOT_EMPTY:
        q = Q()
    else:
        names = list(pos.value) if isinstance(pos.value, tuple) else [pos.value]
        q = Q(tag__name__in=names)
    return _exists(through, q, negate=cond.op in _NEGATIVE)


def _consent(cond: Condition, ctx: Context) -> Q:
    """The current state from `ConsentState` (the newest event, kept by every event write):
    the contacts in a state are one range of its index, an id list that the database may
    start from instead of finding the newest event of every contact. "none": no state."""
    channel, purpose = cond.spec.params
    states = ConsentState.objects.filter(channel=channel, purpose=purpose)
    wanted = set(_values(cond))
    recorded = sorted(wanted - {CONSENT_NONE})
    parts = []
    if recorded:
        parts.append(Q(pk__in=states.filter(status__in=recorded).values("contact_id")))
    if CONSENT_NONE in wanted:
        parts.append(~Q(pk__in=states.values("contact_id")))
    either = reduce(operator.or_, parts)
    return ~either if cond.op in _NEGATIVE else either


def _values(cond: Condition) -> tuple[Any, ...]:
    return cond.value if isinstance(cond.value, tuple) else (cond.value,)


def _orders(cond: Condition, ctx: Context, *, prefix: str = "") -> Q:
    """Counted orders (booked, paid) in the condition's window, as a filter on Order (or on
    a model reaching Order through `prefix`, e.g. "order__")."""
    q = Q(**{f"{prefix}status__in": COUNTED_ORDERS})
    if cond.window_days is not None:
        since = ctx.now - dt.timedelta(days=cond.window_days)
        q &= Q(**{f"{prefix}order_date__gte": since, f"{prefix}order_date__lte": ctx.now})
    return q


def _count_subquery(model: Any, q: Q) -> Any:
    rows = model.objects.filter(q, contact_id=OuterRef("pk")).order_by().values("contact_id")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def _counted(cond: Condition, model: Any, q: Q) -> Q:
    """A count compared with a number; "at least one" and "none" as EXISTS."""
    op, value = cond.op, cond.value
    if (op == Op.GTE and value == 1) or (op == Op.GT and value == 0):
        return _exists(model, q)
    if (op == Op.EQ and value == 0) or (op == Op.LT and value == 1):
        return _exists(model, q, negate=True)
    return _compare(_count_subquery(model, q), op, value)


def _orders_count(cond: Condition, ctx: Context) -> Q:
    return _counted(cond, Order, _orders(cond, ctx))


def _orders_revenue(cond: Condition, ctx: Context) -> Q:
    money = DecimalField(max_digits=20, decimal_places=4)
    rate = Subquery(
        ExchangeRate.objects.filter(
            currency=OuterRef("currency"), valid_from__lte=OuterRef("order_day")
        )
        .order_by("-valid_from")
        .values("rate")[:1]
    )
    orders = (
        Order.objects.filter(_orders(cond, ctx), contact_id=OuterRef("pk"))
        .annotate(order_day=TruncDate("order_date", tzinfo=ctx.zone))
        .annotate(
            rate=Case(
                When(currency=settings.RAPPORT_DEFAULT_CURRENCY, then=Value(Decimal(1))),
                default=rate,
                output_field=money,
            )
        )
        .filter(rate__isnull=False)
        .order_by()
        .values("contact_id")
        .annotate(revenue=Sum(ExpressionWrapper(F("total") * F("rate"), output_field=money)))
        .values("revenue")[:1]
    )
    revenue = Coalesce(Subquery(orders, output_field=money), Value(Decimal(0)), output_field=money)
    return _compare(revenue, cond.op, cond.value)


def _first_last(cond: Condition, ctx: Context, model: Any, base: Q, column: str, which: str) -> Q:
    """The first or last of the times in `model` rows matching `base` falls in the
    condition's days: some row in them, and none before (first) or after (last)."""
    if cond.op == Op.IS_EMPTY:
        return _exists(model, base, negate=True)
    if cond.op == Op.IS_NOT_EMPTY:
        return _exists(model, base)
    low, high = _bounds(cond, ctx, timed=True)
    inside = _exists(model, base & _range_q(column, low, high))
    if which == "first" and low is not None:
        return inside & _exists(model, base & Q(**{f"{column}__lt": low}), negate=True)
    if which == "last" and high is not None:
        return inside & _exists(model, base & Q(**{f"{column}__gte": high}), negate=True)
    return inside


def _orders_date(cond: Condition, ctx: Context) -> Q:
    return _first_last(cond, ctx, Order, _orders(cond, ctx), "order_date", cond.spec.params[0])


def _bought(cond: Condition, ctx: Context, match: Callable[[list[Any]], Q]) -> Q:
    q = _orders(cond, ctx, prefix="order__") & match(list(_values(cond)))
    return _exists(OrderLine, q, negate=cond.op in _NEGATIVE, contact="order__contact_id")


def _orders_product(cond: Condition, ctx: Context) -> Q:
    return _bought(cond, ctx, lambda ids: Q(product_id__in=ids))


def _orders_category(cond: Condition, ctx: Context) -> Q:
    return _bought(
        cond,
        ctx,
        lambda ids: Q(product__category_id__in=ids) | Q(product__category__parent_id__in=ids),
    )


class SameContact(Lookup):
    """`lhs = rhs`, written on SQLite as the one-value range `lhs BETWEEN rhs AND rhs`.

    SQLite takes a unique index whose columns are all compared with `=` at once, without
    weighing the others (its "where shortcut"). CustomerMetrics' contact_id is a `bigint`
    primary key, not the rowid, so an EXISTS probing it by `=` always went through that
    index and read the wide table row; as a range, the planner weighs the covering index
    on (contact_id, churn_risk) (analytics 0004) and reads that alone."""

    lookup_name = "same_contact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "sqlite":
            return f"{lhs} BETWEEN {rhs} AND {rhs}", (*lhs_params, *rhs_params, *rhs_params)
        return f"{lhs} = {rhs}", (*lhs_params, *rhs_params)


def _metrics(cond: Condition, ctx: Context) -> Q:
    column = cond.spec.params[0]
    positive = _column_q(column, _positive(cond), ctx)
    # only the column the covering index holds: for another, a one-value range would let
    # SQLite weigh that column's own index (e.g. rfm_segment = ?) and scan it per contact
    same = SameContact if column in COVERED_METRICS else Exact
    rows = CustomerMetrics.objects.filter(positive, same(F("contact_id"), OuterRef("pk")))
    found = Q(Exists(rows))
    return ~found if cond.op in _NEGATIVE else found


def _timeline_count(cond: Condition, ctx: Context) -> Q:
    q = Q()
    if cond.window_days is not None:
        since = ctx.now - dt.timedelta(days=cond.window_days)
        q = Q(occurred_at__gte=since, occurred_at__lte=ctx.now)
    return _counted(cond, Interaction, q)


def _timeline_last(cond: Condition, ctx: Context) -> Q:
    base = Q(channel=cond.spec.params[0])
    return _first_last(cond, ctx, Interaction, base, "occurred_at", "last")


def _life_event(cond: Condition, ctx: Context) -> Q:
    base = Q(kind=cond.spec.params[0])
    if cond.op == Op.IS_EMPTY:
        return _exists(LifeEvent, base, negate=True)
    return _exists(LifeEvent, base & _column_q("date", cond, ctx))


def _birthday(cond: Condition, ctx: Context) -> Q:
    return _annual_q("birth_date", cond, ctx)


def _related(cond: Condition, ctx: Context) -> Q:
    return _exists(ContactRelation, Q(kind=cond.spec.params[0]), negate=cond.op == Op.IS_EMPTY)


def _segment(cond: Condition, ctx: Context, stack: tuple[int, ...]) -> Q:
    parts = []
    for segment_id in _values(cond):
        if segment_id in stack:
            raise RuleError(f"{cond.path}.value", "segment_cycle", {"id": segment_id})
        ref = ctx.resolve(int(segment_id), f"{cond.path}.value")
        if ref.rule is None:
            parts.append(_exists(SegmentMember, Q(segment_id=ref.id)))
        else:
            try:
                parts.append(compile_rule(ref.rule, ctx, (*stack, ref.id)))
            except RuleError as exc:  # said of this condition, not of the other rule's node
                if exc.code == "segment_cycle":
                    raise RuleError(f"{cond.path}.value", "segment_cycle", {"id": ref.id}) from None
                reason = word(exc)
                raise RuleError(
                    f"{cond.path}.value", "segment_invalid", {"name": ref.name, "reason": reason}
                ) from None
    either = reduce(operator.or_, parts)
    return ~either if cond.op in _NEGATIVE else either


_FAMILIES: dict[str, Callable[[Condition, Context], Q]] = {
    "contact": _contact,
    "custom": _custom,
    "tags": _tags,
    "consent": _consent,
    "orders_count": _orders_count,
    "orders_revenue": _orders_revenue,
    "orders_date": _orders_date,
    "orders_product": _orders_product,
    "orders_category": _orders_category,
    "metrics": _metrics,
    "timeline_count": _timeline_count,
    "timeline_last": _timeline_last,
    "life_event": _life_event,
    "birthday": _birthday,
    "related": _related,
}
