"""The rule builder's form, both ways: a rule as a tree of form rows, and the posted form back
as rule JSON (with where each node's errors go).

A node's inputs are named by its place, "r" for the top group, "r-0" for its first child,
"r-0-2" for that one's third: `<place>:kind` (all, any, none, cond), and for a condition
`<place>:field`, `:op`, `:value` (several for a list), `:value2` (the end of a between) and
`:window`. "None of" is `{"not": {"any": [...]}}` in the rule. The builder posts the whole
form on every change, so the page keeps no state of its own.
"""

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rapport.segments.rules import FieldSpec, FieldType, Op

GROUP_KINDS = ("all", "any", "none")
MAX_ROWS = 200  # as many as a rule may have nodes


class Form(Protocol):
    def getlist(self, key: str) -> list[str]: ...

    def get(self, key: str, default: Any = None) -> Any: ...

    def __iter__(self) -> Iterator[str]: ...


@dataclass
class Row:
    """One node of the builder: a group with children, or a condition."""

    place: str
    kind: str  # all, any, none, cond
    children: list["Row"] = dataclasses.field(default_factory=list)
    field: str = ""
    op: str = ""
    values: list[str] = dataclasses.field(default_factory=list)
    value2: str = ""
    window: str = ""
    error: str = ""

    @property
    def is_group(self) -> bool:
        return self.kind != "cond"


_PLACE = re.compile(r"^r(-\d{1,3}){0,8}$")


def _sort_key(place: str) -> tuple[int, ...]:
    return tuple(int(part) for part in place.split("-")[1:])


def rows_from_form(form: Form) -> Row:
    """The tree the form describes (an empty "all" group when it describes none)."""
    places = sorted(
        (key[:-5] for key in form if key.endswith(":kind") and _PLACE.match(key[:-5])),
        key=_sort_key,
    )[:MAX_ROWS]
    rows: dict[str, Row] = {}
    for place in places:
        kind = form.get(f"{place}:kind", "")
        if kind not in (*GROUP_KINDS, "cond"):
            kind = "cond"
        row = Row(place=place, kind=kind)
        if kind == "cond":
            row.field = form.get(f"{place}:field", "") or ""
            row.op = form.get(f"{place}:op", "") or ""
            row.values = [v for v in form.getlist(f"{place}:value") if v != ""]
            row.value2 = form.get(f"{place}:value2", "") or ""
            row.window = form.get(f"{place}:window", "") or ""
        parent = rows.get(place.rsplit("-", 1)[0]) if "-" in place else None
        if place != "r" and (parent is None or not parent.is_group):
            continue  # an orphan (its group was removed): dropped
        rows[place] = row
        if parent is not None:
            parent.children.append(row)
    root = rows.get("r")
    if root is None or not root.is_group:
        return Row(place="r", kind="all")
    return renumber(root)


def renumber(row: Row, place: str = "r") -> Row:
    """The same tree with places following the children's order (after a removal)."""
    row.place = place
    for i, child in enumerate(row.children):
        renumber(child, f"{place}-{i}")
    return row


def find(row: Row, place: str) -> Row | None:
    if row.place == place:
        return row
    for child in row.children:
        found = find(child, place)
        if found is not None:
            return found
    return None


def apply_action(root: Row, action: str) -> Row:
    """add:<place> (a condition in that group), group:<place> (a group in it), remove:<place>."""
    verb, _sep, place = action.partition(":")
    target = find(root, place)
    if target is None:
        return root
    if verb in ("add", "group") and target.is_group and len(target.children) < MAX_ROWS:
        new = Row(place="", kind="cond")
        if verb == "group":
            new = Row(place="", kind="all", children=[Row(place="", kind="cond")])
        target.children.append(new)
    elif verb == "remove" and place != "r":
        parent = find(root, place.rsplit("-", 1)[0])
        if parent is not None:
            parent.children = [c for c in parent.children if c is not target]
    return renumber(root)


# --- rule JSON ⇄ rows ------------------------------------------------------------------------


def rows_from_rule(rule: Any) -> Row:
    """A stored rule as builder rows (a condition alone becomes an "all" group of one)."""
    root = _row(rule)
    if not root.is_group:
        root = Row(place="r", kind="all", children=[root])
    return renumber(root)


def _row(node: Any) -> Row:
    if not isinstance(node, dict):
        return Row(place="", kind="cond")
    if "all" in node or "any" in node:
        kind = "all" if "all" in node else "any"
        children = node[kind] if isinstance(node[kind], list) else []
        return Row(place="", kind=kind, children=[_row(c) for c in children])
    if "not" in node:
        inner = node["not"]
        if isinstance(inner, dict) and "any" in inner and isinstance(inner["any"], list):
            return Row(place="", kind="none", children=[_row(c) for c in inner["any"]])
        return Row(place="", kind="none", children=[_row(inner)])
    value = node.get("value")
    values: list[str] = []
    value2 = ""
    if node.get("op") == Op.BETWEEN and isinstance(value, list) and len(value) == 2:
        values, value2 = [_text(value[0])], _text(value[1])
    elif isinstance(value, list):
        values = [_text(v) for v in value]
    elif value is not None:
        values = [_text(value)]
    window = node.get("window_days")
    return Row(
        place="",
        kind="cond",
        field=str(node.get("field") or ""),
        op=str(node.get("op") or ""),
        values=values,
        value2=value2,
        window="" if window is None else str(window),
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rule_from_rows(root: Row, fields: Mapping[str, FieldSpec]) -> tuple[Any, dict[str, str]]:
    """The rule JSON of the rows, and for each node's path in the rule ("rule.all[2]") the
    place of its row, so that an error at "rule.all[2].op" shows on row "r-2"."""
    places: dict[str, str] = {}
    return _node(root, fields, "rule", places), places


def _node(row: Row, fields: Mapping[str, FieldSpec], path: str, places: dict[str, str]) -> Any:
    places[path] = row.place
    if row.kind == "none":
        inner = f"{path}.not.any"
        places[f"{path}.not"] = row.place
        places[inner] = row.place
        children = [_node(c, fields, f"{inner}[{i}]", places) for i, c in enumerate(row.children)]
        return {"not": {"any": children}}
    if row.is_group:
        key = row.kind
        places[f"{path}.{key}"] = row.place
        return {
            key: [
                _node(c, fields, f"{path}.{key}[{i}]", places) for i, c in enumerate(row.children)
            ]
        }
    node: dict[str, Any] = {"field": row.field, "op": row.op}
    spec = fields.get(row.field)
    value = _value(row, spec)
    if value is not None:
        node["value"] = value
    if row.window.strip():
        node["window_days"] = _number(row.window)
    return node


_NO_VALUE = {Op.IS_EMPTY.value, Op.IS_NOT_EMPTY.value}
_DAYS = {Op.WITHIN_LAST_DAYS.value, Op.WITHIN_NEXT_DAYS.value}


def _value(row: Row, spec: FieldSpec | None) -> Any:
    if row.op in _NO_VALUE:
        return None
    if row.op in _DAYS:
        return _number(row.values[0]) if row.values else None
    kind = spec.type if spec is not None else FieldType.TEXT
    if row.op == Op.BETWEEN:
        low = row.values[0] if row.values else ""
        return [_typed(low, kind, spec), _typed(row.value2, kind, spec)]
    if row.op in (Op.IN, Op.NOT_IN):
        raw = row.values
        if kind in (FieldType.TEXT, FieldType.TAGS) and (spec is None or spec.choices is None):
            raw = [part.strip() for v in raw for part in v.split(",") if part.strip()]
        return [_typed(v, kind, spec) for v in raw]
    if not row.values:
        return "" if kind == FieldType.TEXT else None
    return _typed(row.values[0], kind, spec)


def _typed(raw: str, kind: FieldType, spec: FieldSpec | None) -> Any:
    """A form value as the rule's JSON type; what does not convert stays text, so that the
    parser names it ("give a number")."""
    if kind in (FieldType.NUMBER, FieldType.REFERENCE):
        return _number(raw)
    if kind == FieldType.BOOLEAN:
        return {"true": True, "false": False}.get(raw, raw)
    if spec is not None and spec.choices is not None:
        for value, _label in spec.choices:
            if str(value) == raw:
                return value
    return raw


def _number(raw: str) -> Any:
    text = raw.strip().replace(",", ".")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return raw


def place_of(path: str, places: Mapping[str, str]) -> str:
    """The row an error path points into (its longest known prefix)."""
    while path:
        if path in places:
            return places[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            break
        path = path[:cut]
    return "r"
