"""A scenario's parts in words for the pages: the trigger ("An order is paid", its parameters,
its filter), each step's type and parameters, a segment rule, and what a run's step did
("Sent e-mail “Hi Olena” — message #12 (sent)"). Worded in the active language; times in the
active zone."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from rapport.analytics.labels import rfm_segment_keys, segment_label
from rapport.automation.triggers import TRIGGERS, Param
from rapport.campaigns.models import MessageChannel, MessagePurpose
from rapport.segments.catalog import OPERATOR_LABELS, field_catalog
from rapport.segments.rules import All, Any_, Condition, Not, RuleError
from rapport.segments.selectors import parse_rule

STEP_LABELS = {
    "wait": pgettext_lazy("scenario step", "Wait"),
    "condition": pgettext_lazy("scenario step", "Condition"),
    "send": pgettext_lazy("scenario step", "Send a message"),
    "task": pgettext_lazy("scenario step", "Task for the manager"),
    "tag_add": pgettext_lazy("scenario step", "Add a tag"),
    "tag_remove": pgettext_lazy("scenario step", "Remove a tag"),
    "list_add": pgettext_lazy("scenario step", "Add to a list"),
    "promo": pgettext_lazy("scenario step", "Promo code"),
    "survey": pgettext_lazy("scenario step", "Survey"),
    "webhook": pgettext_lazy("scenario step", "Webhook"),
    "exit": pgettext_lazy("scenario step", "End the run"),
}
STEP_ICONS = {
    "wait": "◷",
    "condition": "◇",
    "send": "✉",
    "task": "☑",
    "tag_add": "#",
    "tag_remove": "#",
    "list_add": "☰",
    "promo": "%",
    "survey": "★",
    "webhook": "⇄",
    "exit": "■",
}
PARAM_LABELS = {
    "days": gettext_lazy("Days"),
    "hours": gettext_lazy("Hours"),
    "minutes": gettext_lazy("Minutes"),
    "at_time": gettext_lazy("At time of day (HH:MM)"),
    "until": gettext_lazy("Until the date of"),
    "offset_days": gettext_lazy("Days from that date (− before)"),
    "rule": gettext_lazy("Rule (JSON, as in the segment builder)"),
    "channel": gettext_lazy("Channel"),
    "fallback_channel": gettext_lazy("Fallback channel"),
    "purpose": gettext_lazy("Purpose"),
    "templates": gettext_lazy("Message"),
    "quiet_hours": gettext_lazy('Quiet hours (JSON: {"from": "21:00", "to": "09:00"})'),
    "subject": gettext_lazy("Subject"),
    "kind": gettext_lazy("Kind"),
    "due_in_hours": gettext_lazy("Due in, hours"),
    "notes": gettext_lazy("Notes"),
    "tag": gettext_lazy("Tag"),
    "segment": gettext_lazy("Segment"),
    "discount": gettext_lazy("Discount"),
    "value": gettext_lazy("Value"),
    "currency": gettext_lazy("Currency"),
    "valid_days": gettext_lazy("Valid for, days"),
    "prefix": gettext_lazy("Code prefix"),
    "url": gettext_lazy("Address (https://)"),
    "payload": gettext_lazy("Payload (JSON)"),
    "reason": gettext_lazy("Reason"),
    "pipeline": gettext_lazy("Pipeline (id)"),
    "stage": gettext_lazy("Stage (id)"),
    "to": gettext_lazy("New RFM segment"),
    "score_below": gettext_lazy("Score below"),
    "score_at_least": gettext_lazy("Score at least"),
    "name": gettext_lazy("Event name"),
    "days_before": gettext_lazy("Days before"),
    "days_after": gettext_lazy("Days after"),
    "field": gettext_lazy("Date field"),
    "threshold": gettext_lazy("Threshold (0–1)"),
}
CHOICE_LABELS = {
    "birthday": gettext_lazy("the birthday"),
    "trip_departure": gettext_lazy("the trip's departure"),
    "trip_return": gettext_lazy("the trip's return"),
    "call": pgettext_lazy("task kind", "Call"),
    "meeting": pgettext_lazy("task kind", "Meeting"),
    "task": pgettext_lazy("task kind", "Task"),
    "percent": pgettext_lazy("discount", "Percent"),
    "amount": pgettext_lazy("discount", "Amount"),
    "exit": pgettext_lazy("survey kind", "Exit survey"),
    "trip_feedback": pgettext_lazy("survey kind", "Trip feedback"),
    "nps": pgettext_lazy("survey kind", "Net promoter score"),
    **{str(value): label for value, label in MessageChannel.choices},
    **{str(value): label for value, label in MessagePurpose.choices},
}


def choice_label(value: Any) -> str:
    return str(CHOICE_LABELS.get(str(value), value))


def param_choices(spec: Param) -> list[tuple[str, str]]:
    """A choice parameter's options as (value, words) for a select."""
    if spec.kind == "rfm_segment":
        return [(key, param_value_label(spec, key)) for key in rfm_segment_keys()]
    return [(choice, param_value_label(spec, choice)) for choice in spec.choices]


def param_value_label(spec: Param, value: Any) -> str:
    """The words for a choice parameter's value (a code the reader should never see)."""
    if spec.kind == "rfm_segment":
        return str(segment_label(str(value)))
    if spec.labels and str(value) in spec.labels:
        return str(spec.labels[str(value)])
    return choice_label(value)


def trigger_label(trigger: Mapping[str, Any]) -> str:
    kind = TRIGGERS.get(str(trigger.get("type", "")))
    return str(kind.label) if kind else _("No trigger chosen yet")


def trigger_params(trigger: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The trigger's parameters as (label, value) pairs."""
    kind = TRIGGERS.get(str(trigger.get("type", "")))
    if kind is None:
        return []
    return [
        (str(PARAM_LABELS.get(name, name)), _value(name, trigger[name], spec))
        for name, spec in kind.params.items()
        if trigger.get(name) not in (None, "")
    ]


def _value(name: str, value: Any, spec: Param | None = None) -> str:
    if spec is not None and spec.kind in ("choice", "rfm_segment"):
        return param_value_label(spec, value)
    if name == "segment" and isinstance(value, int):
        return segment_name(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return number_format(value)
    return choice_label(value) if isinstance(value, str) else str(value)


def segment_name(segment_id: Any) -> str:
    from rapport.segments.models import Segment

    name = Segment.objects.filter(pk=segment_id).values_list("name", flat=True).first()
    return name or _("segment #%(id)s (deleted)") % {"id": segment_id}


# --- rules ---------------------------------------------------------------------------------


def condition_text(node: Condition) -> str:
    label = str(node.spec.label)
    try:
        op = OPERATOR_LABELS[node.op]()
    except KeyError:
        op = str(node.op)
    value = node.value
    choices = dict(node.spec.choices or ())
    if isinstance(value, tuple | frozenset | list):
        shown = ", ".join(str(choices.get(v, v)) for v in value)
    elif value is None:
        shown = ""
    else:
        shown = str(choices.get(value, value))
    text = " ".join(part for part in (label, op, shown) if part)
    if node.window_days:
        text += " " + _("(in the last %(days)s days)") % {"days": node.window_days}
    return text


def node_text(node: Any) -> str:
    if isinstance(node, Condition):
        return condition_text(node)
    if isinstance(node, Not):
        return _("not (%(rule)s)") % {"rule": node_text(node.child)}
    joiner = _(" and ") if isinstance(node, All) else _(" or ")
    parts = [node_text(child) for child in node.children]
    text = joiner.join(parts)
    return f"({text})" if len(parts) > 1 and isinstance(node, Any_) else text


def rule_text(rule: Any) -> str:
    """A segment rule in one line of words ("City is Vilnius and Tags is any of vip")."""
    try:
        return node_text(parse_rule(rule, field_catalog()))
    except RuleError:
        return _("a rule that cannot be read (open it to fix it)")


# --- steps ---------------------------------------------------------------------------------


def _duration(step: Mapping[str, Any]) -> list[str]:
    parts = []
    for key, one, many in (
        ("days", "%(n)s day", "%(n)s days"),
        ("hours", "%(n)s hour", "%(n)s hours"),
        ("minutes", "%(n)s minute", "%(n)s minutes"),
    ):
        n = step.get(key)
        if isinstance(n, int) and n:
            parts.append(ngettext(one, many, n) % {"n": n})
    return parts


def step_summary(step: Mapping[str, Any]) -> str:
    """One line saying what the step does."""
    kind = step.get("type")
    if kind == "wait":
        parts = _duration(step)
        if step.get("until"):
            until = _("until %(date)s") % {"date": choice_label(step["until"])}
            offset = step.get("offset_days")
            if isinstance(offset, int) and offset:
                until += " " + ngettext("%(n)+d day", "%(n)+d days", abs(offset)) % {"n": offset}
            parts.append(until)
        if step.get("at_time"):
            parts.append(_("then until %(time)s") % {"time": step["at_time"]})
        return ", ".join(parts)
    if kind == "condition":
        return _("If %(rule)s") % {"rule": rule_text(step.get("rule"))}
    if kind == "send":
        text = choice_label(step.get("channel", ""))
        if step.get("fallback_channel"):
            text += " " + _("(else %(channel)s)") % {
                "channel": choice_label(step["fallback_channel"])
            }
        text = f"{text} · {choice_label(step.get('purpose') or 'marketing')}"
        quiet = step.get("quiet_hours")
        if isinstance(quiet, dict) and quiet.get("from") and quiet.get("to"):
            text += " · " + _("not between %(start)s and %(end)s") % {
                "start": quiet["from"],
                "end": quiet["to"],
            }
        return text
    if kind == "task":
        text = f"{choice_label(step.get('kind') or 'call')}: {step.get('subject', '')}"
        if step.get("due_in_hours"):
            text += " · " + _("due in %(n)s h") % {"n": step["due_in_hours"]}
        return text
    if kind in ("tag_add", "tag_remove"):
        return f"“{step.get('tag', '')}”"
    if kind == "list_add":
        return segment_name(step.get("segment"))
    if kind == "promo":
        return promo_text(step)
    if kind == "survey":
        return choice_label(step.get("kind", ""))
    if kind == "webhook":
        return str(step.get("url", ""))
    if kind == "exit":
        return str(step.get("reason") or "")
    return ""


def promo_text(step: Mapping[str, Any]) -> str:
    value = step.get("value")
    shown = number_format(value) if isinstance(value, int | float) else str(value)
    if step.get("discount") == "percent":
        text = _("%(value)s %% off") % {"value": shown}
    else:
        text = _("%(value)s %(currency)s off") % {"value": shown, "currency": step.get("currency")}
    if step.get("valid_days"):
        text += " · " + _("valid %(n)s days") % {"n": step["valid_days"]}
    return text


def when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def wait_end(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "j M H:i")
