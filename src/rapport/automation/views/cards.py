"""The flow as nested cards for the scenario page (trigger, steps, a condition's two
branches indented), and the edit forms' fields built from the step and trigger parameter
specs (validation.STEP_PARAMS, triggers.TRIGGERS), with the errors a save gave placed on the
card and field they name."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.automation import flow, wording
from rapport.automation.triggers import TRIGGERS, Param
from rapport.automation.validation import STEP_PARAMS
from rapport.segments.selectors import segments_for

LONG_TEXT = {"notes", "reason"}
JSON_KINDS = {"rule", "object"}


@dataclass
class Card:
    path: str
    step: dict[str, Any]
    counts: dict[str, int] | None = None
    errors: list[str] = field(default_factory=list)
    branches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.step.get("type", ""))

    @property
    def label(self) -> str:
        return str(wording.STEP_LABELS.get(self.type, self.type))

    @property
    def icon(self) -> str:
        return wording.STEP_ICONS.get(self.type, "•")

    @property
    def summary(self) -> str:
        return wording.step_summary(self.step)

    @property
    def templates(self) -> list[dict[str, Any]]:
        found = self.step.get("templates")
        return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []

    @property
    def after(self) -> str:
        """Where a step added after this one goes."""
        head, _sep, last = self.path.rpartition(".")
        return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)

    @property
    def dom_id(self) -> str:
        return "step-" + self.path.replace(".", "-")


def cards(
    steps: list[dict[str, Any]],
    counts: dict[str, dict[str, int]],
    errors: dict[str, list[str]],
    prefix: str = "",
) -> list[Card]:
    """The steps as cards; a condition's card holds its branches' cards."""
    out = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        path = f"{prefix}{index}"
        card = Card(path, step, counts.get(path), errors.get(path, []))
        if step.get("type") == "condition":
            for branch, label in (("then", _("Yes: matches")), ("else", _("No: does not match"))):
                found = step.get(branch)
                inner = found if isinstance(found, list) else []
                card.branches.append(
                    {
                        "name": branch,
                        "label": label,
                        "path": f"{path}.{branch}",
                        "first": f"{path}.{branch}.0",
                        "cards": cards(inner, counts, errors, f"{path}.{branch}."),
                    }
                )
        out.append(card)
    return out


_INDEX = re.compile(r"\[(\d+)\]")


def error_paths(steps: list[dict[str, Any]]) -> dict[str, str]:
    """Each step's error key ("steps[2].then[0]") → its flow path ("2.then.0")."""
    if flow.shape_errors(steps):
        return {}
    return {flow.error_path(path): path for path, _step in flow.walk(steps)}


def place_errors(
    message_dict: dict[str, list[str]], steps: list[dict[str, Any]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Split a save's errors into those of a step (by flow path, the longest step path the
    key starts with) and the others ("name", "trigger.days_before", "steps"...)."""
    known = error_paths(steps)
    by_step: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    for key, messages in message_dict.items():
        owner = max(
            (k for k in known if key == k or key.startswith((k + ".", k + "["))),
            key=len,
            default=None,
        )
        if owner is None:
            other.setdefault(key, []).extend(messages)
        else:
            by_step.setdefault(known[owner], []).extend(messages)
    return by_step, other


# --- forms ---------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # number, text, textarea, select, json
    value: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    errors: list[str] = field(default_factory=list)
    hint: str = ""


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind in JSON_KINDS and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


def form_fields(
    specs: dict[str, Param], given: dict[str, Any], errors: dict[str, list[str]], user: Any
) -> list[FormField]:
    """One field per parameter (templates apart), filled from `given`, with the errors
    whose key names it (`errors` keyed by the parameter's name)."""
    out = []
    for name, spec in specs.items():
        if spec.kind == "templates":
            continue
        item = FormField(
            name=name,
            label=str(wording.PARAM_LABELS.get(name, name)),
            kind="number" if spec.kind in ("int", "number") else "text",
            value=_shown(given.get(name), spec.kind),
            required=spec.required,
            errors=errors.get(name, []),
        )
        if spec.kind in ("choice", "rfm_segment"):
            item.kind = "select"
            item.choices = wording.param_choices(spec)
        elif spec.kind == "segment":
            item.kind = "select"
            item.choices = [
                (str(pk), name)
                for pk, name in segments_for(user).order_by("name").values_list("pk", "name")[:300]
            ]
        elif spec.kind in JSON_KINDS:
            item.kind = "json"
            if spec.kind == "rule":
                item.hint = _(
                    'A segment rule, e.g. {"field": "city", "op": "eq", "value": "Vilnius"}.'
                )
        elif name in LONG_TEXT:
            item.kind = "textarea"
        out.append(item)
    return out


def template_tabs(given: dict[str, Any]) -> list[dict[str, Any]]:
    """The message's per-language fields, one group per language of the site."""
    templates = given.get("templates") if isinstance(given.get("templates"), list) else []
    by_language = {
        t.get("language"): t for t in templates or [] if isinstance(t, dict) and t.get("language")
    }
    return [
        {
            "code": code,
            "name": name,
            "subject": str(by_language.get(code, {}).get("subject") or ""),
            "body_text": str(by_language.get(code, {}).get("body_text") or ""),
            "body_html": str(by_language.get(code, {}).get("body_html") or ""),
            "filled": code in by_language,
        }
        for code, name in settings.LANGUAGES
    ]


def field_errors(messages: dict[str, list[str]], prefix: str) -> dict[str, list[str]]:
    """Errors under `prefix` ("steps[2]", "trigger") by the parameter they name; the
    prefix's own errors under ""."""
    out: dict[str, list[str]] = {}
    for key, texts in messages.items():
        if key == prefix:
            out.setdefault("", []).extend(texts)
        elif key.startswith(prefix + "."):
            name = re.split(r"[.\[]", key[len(prefix) + 1 :], maxsplit=1)[0]
            out.setdefault(name, []).extend(texts)
    return out


# --- reading a posted form -----------------------------------------------------------------


def _typed(raw: str, spec: Param) -> Any:
    if spec.kind == "int" or spec.kind == "segment":
        try:
            return int(raw)
        except ValueError:
            return raw  # validation says "Give a whole number."
    if spec.kind == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    if spec.kind in JSON_KINDS:
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # the rule check answers "not a rule"
    return raw


def params_from(post: Any, specs: dict[str, Param]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        if spec.kind == "templates":
            templates = []
            for code, _name in settings.LANGUAGES:
                parts = {
                    key: str(post.get(f"t.{code}.{key}", "")).strip()
                    for key in ("subject", "body_text", "body_html")
                }
                if any(parts.values()):
                    templates.append({"language": code, **parts})
            values[name] = templates
            continue
        raw = str(post.get(f"p.{name}", "")).strip()
        if raw:
            values[name] = _typed(raw, spec)
    return values


def step_from(post: Any, kind: str, old: dict[str, Any] | None) -> dict[str, Any]:
    """The step a form posted; a condition keeps the branches it had."""
    step: dict[str, Any] = {"type": kind, **params_from(post, STEP_PARAMS[kind])}
    if kind == "condition":
        old = old if old and old.get("type") == "condition" else {}
        step["then"] = list(old.get("then") or [])
        step["else"] = list(old.get("else") or [])
    return step


def trigger_from(post: Any) -> dict[str, Any]:
    kind = str(post.get("type", ""))
    trigger: dict[str, Any] = {"type": kind}
    if kind in TRIGGERS:
        trigger.update(params_from(post, dict(TRIGGERS[kind].params)))
    raw = str(post.get("filter", "")).strip()
    if raw:
        trigger["filter"] = _typed(raw, Param("rule"))
    return trigger
