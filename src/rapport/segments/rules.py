"""The segment rule language: JSON in, a validated, typed tree out. Pure: no Django.

A rule is a group `{"all": [...]}`, `{"any": [...]}`, `{"not": <node>}` or a condition
`{"field": F, "op": OP, "value": V}` (optionally `"window_days": N` on fields that take a
window). `parse(rule, fields)` checks it against the field catalog (`FieldSpec` per field
name, built by `segments.catalog`) and returns the tree the compiler turns into one SQL
statement; anything wrong raises `RuleError` naming the bad node's path (`rule.all[2].op`)
and a message code that `segments.messages` words in the reader's language.

Dates are days (`"2026-07-01"`); `day_interval` and `annual_days` say which days a date
operator covers, so that the compiler and the reference evaluator in the tests share the
meaning (not the code that applies it).
"""

import datetime as dt
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_DEPTH = 8  # groups inside groups
MAX_NODES = 200  # groups and conditions in one rule (segments it names count separately)
MAX_LIST = 1000  # values of one `in` / `not_in`
MAX_TEXT = 500  # characters of one text value
MAX_DAYS = 36600  # a window or "within" of at most a hundred years
MAX_ANNUAL_DAYS = 366  # an anniversary comes round within a year
MAX_NUMBER = 10**15
MIN_YEAR, MAX_YEAR = 1900, 2999


class FieldType(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # one of `choices`
    NUMBER = "number"
    MONEY = "money"  # decimal, in the reporting currency
    DATE = "date"
    DATETIME = "datetime"  # compared by day in the site's time zone
    BOOLEAN = "boolean"
    TAGS = "tags"  # the contact's set of tag names
    REFERENCE = "reference"  # ids of another record (product, category, segment)
    PRESENCE = "presence"  # whether something exists (a related person of a kind)
    ANNIVERSARY = "anniversary"  # a yearly date (birthday): only `within_next_days`


class Op(enum.StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    BETWEEN = "between"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    IS_EMPTY = "is_empty"
    IS_NOT_EMPTY = "is_not_empty"
    WITHIN_LAST_DAYS = "within_last_days"
    WITHIN_NEXT_DAYS = "within_next_days"


_ORDERED = (Op.EQ, Op.NE, Op.LT, Op.LTE, Op.GT, Op.GTE, Op.BETWEEN)
_EMPTY = (Op.IS_EMPTY, Op.IS_NOT_EMPTY)
_DAYS = (Op.EQ, Op.LT, Op.LTE, Op.GT, Op.GTE, Op.BETWEEN, Op.WITHIN_LAST_DAYS, Op.WITHIN_NEXT_DAYS)

OPERATORS: dict[FieldType, tuple[Op, ...]] = {
    FieldType.TEXT: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.CONTAINS, Op.STARTS_WITH, *_EMPTY),
    FieldType.CHOICE: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, *_EMPTY),
    FieldType.NUMBER: (*_ORDERED, *_EMPTY),
    FieldType.MONEY: (*_ORDERED, *_EMPTY),
    FieldType.DATE: (*_DAYS, *_EMPTY),
    FieldType.DATETIME: (*_DAYS, *_EMPTY),
    FieldType.BOOLEAN: (Op.EQ, *_EMPTY),
    FieldType.TAGS: (Op.CONTAINS, Op.IN, Op.NOT_IN, *_EMPTY),
    FieldType.REFERENCE: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN),
    FieldType.PRESENCE: _EMPTY,
    FieldType.ANNIVERSARY: (Op.WITHIN_NEXT_DAYS,),
}


@dataclass(frozen=True)
class FieldSpec:
    """One field a condition may name: its type, where the compiler finds it (`family` and
    `params`, e.g. ("consent", ("email", "marketing"))), and how the builder shows it."""

    name: str
    type: FieldType
    family: str
    params: tuple[str, ...] = ()
    label: Any = ""  # a (lazy) translated string; this module never reads it
    group: Any = ""
    choices: tuple[tuple[Any, Any], ...] | None = None  # (value, translated label)
    windowed: bool = False  # takes `window_days`
    operators: tuple[Op, ...] = ()  # default: OPERATORS[type]
    annual: bool = False  # a date whose `within_next_days` means its yearly return

    def ops(self) -> tuple[Op, ...]:
        return self.operators or OPERATORS[self.type]

    def allowed(self) -> set[Any] | None:
        return None if self.choices is None else {value for value, _label in self.choices}


type Value = str | int | float | Decimal | bool | dt.date | tuple[Any, ...] | frozenset[Any] | None


@dataclass(frozen=True)
class Condition:
    spec: FieldSpec
    op: Op
    value: Value
    path: str
    window_days: int | None = None

    @property
    def field(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class All:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Any_:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


type Node = Condition | All | Any_ | Not


@dataclass
class RuleError(Exception):
    """What is wrong (`code`, worded by segments.messages with `params`) and where (`path`)."""

    path: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}: {self.code} {self.params}"


@dataclass
class _Budget:
    nodes: int = 0


def parse(rule: Any, fields: Mapping[str, FieldSpec], *, path: str = "rule") -> Node:
    """The validated tree of `rule`; raises RuleError at the first bad node."""
    return _node(rule, fields, path, 1, _Budget())


def _node(
    raw: Any, fields: Mapping[str, FieldSpec], path: str, depth: int, budget: _Budget
) -> Node:
    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise RuleError(path, "too_many_nodes", {"max": MAX_NODES})
    if not isinstance(raw, dict):
        raise RuleError(path, "not_a_node")
    groups = [key for key in ("all", "any", "not") if key in raw]
    if groups:
        if len(raw) != 1:
            raise RuleError(path, "group_keys")
        key = groups[0]
        if depth > MAX_DEPTH:
            raise RuleError(path, "too_deep", {"max": MAX_DEPTH})
        inner = raw[key]
        if key == "not":
            return Not(_node(inner, fields, f"{path}.not", depth + 1, budget))
        if not isinstance(inner, list):
            raise RuleError(f"{path}.{key}", "group_not_list")
        if not inner:
            raise RuleError(f"{path}.{key}", "empty_group")
        if len(inner) > MAX_NODES:
            raise RuleError(f"{path}.{key}", "too_many_nodes", {"max": MAX_NODES})
        children = tuple(
            _node(child, fields, f"{path}.{key}[{i}]", depth + 1, budget)
            for i, child in enumerate(inner)
        )
        return All(children) if key == "all" else Any_(children)
    return _condition(raw, fields, path)


_CONDITION_KEYS = {"field", "op", "value", "window_days"}


def _condition(raw: dict[str, Any], fields: Mapping[str, FieldSpec], path: str) -> Condition:
    unknown = sorted(str(key) for key in raw if key not in _CONDITION_KEYS)
    if unknown:
        raise RuleError(f"{path}.{unknown[0]}", "unknown_key")
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise RuleError(f"{path}.field", "field_missing")
    spec = fields.get(name)
    if spec is None:
        raise RuleError(f"{path}.field", "unknown_field", {"field": name[:100]})
    op_name = raw.get("op")
    try:
        op = Op(op_name) if isinstance(op_name, str) else None
    except ValueError:
        op = None
    if op is None or op not in spec.ops():
        raise RuleError(
            f"{path}.op",
            "unknown_op",
            {"field": name, "ops": ", ".join(o.value for o in spec.ops())},
        )
    window = raw.get("window_days")
    if window is not None:
        if not spec.windowed:
            raise RuleError(f"{path}.window_days", "no_window", {"field": name})
        if not _is_int(window) or not 1 <= window <= MAX_DAYS:
            raise RuleError(f"{path}.window_days", "bad_days", {"max": MAX_DAYS})
    value = _value(spec, op, raw.get("value"), f"{path}.value")
    return Condition(spec=spec, op=op, value=value, path=path, window_days=window)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value(spec: FieldSpec, op: Op, raw: Any, path: str) -> Value:
    if op in _EMPTY:
        if raw is not None:
            raise RuleError(path, "no_value", {"op": op.value})
        return None
    if op in (Op.WITHIN_LAST_DAYS, Op.WITHIN_NEXT_DAYS):
        yearly = spec.annual or spec.type == FieldType.ANNIVERSARY
        most = MAX_ANNUAL_DAYS if yearly and op == Op.WITHIN_NEXT_DAYS else MAX_DAYS
        if not _is_int(raw) or not 0 <= raw <= most:
            raise RuleError(path, "bad_days", {"max": most})
        return int(raw)
    if op in (Op.IN, Op.NOT_IN):
        if not isinstance(raw, list) or not raw:
            raise RuleError(path, "list_expected")
        if len(raw) > MAX_LIST:
            raise RuleError(path, "list_too_long", {"max": MAX_LIST})
        return tuple(_scalar(spec, item, f"{path}[{i}]") for i, item in enumerate(raw))
    if op == Op.BETWEEN:
        if not isinstance(raw, list) or len(raw) != 2:
            raise RuleError(path, "pair_expected")
        low, high = (_scalar(spec, item, f"{path}[{i}]") for i, item in enumerate(raw))
        if low > high:
            raise RuleError(path, "pair_order")
        return (low, high)
    if op in (Op.CONTAINS, Op.STARTS_WITH) and spec.type == FieldType.TEXT:
        text = _scalar(spec, raw, path)
        if not text:
            raise RuleError(path, "text_expected")
        return text
    return _scalar(spec, raw, path)


def _scalar(spec: FieldSpec, raw: Any, path: str) -> Any:
    kind = spec.type
    if kind in (FieldType.CHOICE, FieldType.TAGS, FieldType.TEXT):
        allowed = spec.allowed()
        if allowed is not None:
            if isinstance(raw, bool) or raw not in allowed:
                raise RuleError(path, "not_a_choice")
            return raw
        if not isinstance(raw, str):
            raise RuleError(path, "text_expected")
        if len(raw) > MAX_TEXT or "\x00" in raw:
            raise RuleError(path, "text_too_long", {"max": MAX_TEXT})
        return raw
    if kind == FieldType.REFERENCE:
        if not _is_int(raw) or not 1 <= raw < 2**63:
            raise RuleError(path, "id_expected")
        return raw
    if kind == FieldType.BOOLEAN:
        if not isinstance(raw, bool):
            raise RuleError(path, "boolean_expected")
        return raw
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        return _number(raw, path, money=kind == FieldType.MONEY)
    if kind in (FieldType.DATE, FieldType.DATETIME):
        return _date(raw, path)
    raise RuleError(path, "no_value", {"op": ""})  # PRESENCE / ANNIVERSARY take no scalar


def _number(raw: Any, path: str, *, money: bool) -> int | float | Decimal:
    if money and isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise RuleError(path, "number_expected") from None
        if not value.is_finite() or abs(value) >= MAX_NUMBER:
            raise RuleError(path, "number_expected")
        return value
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise RuleError(path, "number_expected")
    if (isinstance(raw, float) and not math.isfinite(raw)) or abs(raw) >= MAX_NUMBER:
        raise RuleError(path, "number_expected")
    return Decimal(str(raw)) if money else raw


def _date(raw: Any, path: str) -> dt.date:
    if not isinstance(raw, str) or len(raw) != 10:
        raise RuleError(path, "date_expected")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise RuleError(path, "date_expected") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise RuleError(path, "date_expected")
    return day


# --- what date operators mean ----------------------------------------------------------------


def day_interval(op: Op, value: Any, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The days a date operator covers, as [first, end) (None: unbounded), for a plain date:
    `within_last_days N` is today and the N days before it, `within_next_days N` today and
    the N days after it."""
    one = dt.timedelta(days=1)
    match op:
        case Op.EQ:
            return value, value + one
        case Op.LT:
            return None, value
        case Op.LTE:
            return None, value + one
        case Op.GT:
            return value + one, None
        case Op.GTE:
            return value, None
        case Op.BETWEEN:
            return value[0], value[1] + one
        case Op.WITHIN_LAST_DAYS:
            return today - dt.timedelta(days=value), today + one
        case Op.WITHIN_NEXT_DAYS:
            return today, today + dt.timedelta(days=value + 1)
    raise ValueError(op)


def annual_days(today: dt.date, days: int) -> frozenset[int]:
    """The yearly dates (month × 100 + day) that come round today or in the next `days`
    days, across the new year. Someone born on 29 February celebrates on the 28th in a
    year without one."""
    found: set[int] = set()
    for offset in range(min(days, MAX_ANNUAL_DAYS) + 1):
        day = today + dt.timedelta(days=offset)
        found.add(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            found.add(229)
    return frozenset(found)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def referenced_segments(node: Node) -> set[int]:
    """The ids of the segments a rule names (membership conditions)."""
    if isinstance(node, Condition):
        if node.spec.family != "segment":
            return set()
        return set(node.value) if isinstance(node.value, tuple) else {int(node.value)}  # type: ignore[arg-type]
    children = (node.child,) if isinstance(node, Not) else node.children
    return set().union(*(referenced_segments(child) for child in children))
