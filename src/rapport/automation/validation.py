"""Checking a scenario's trigger and steps before they are saved or published: every error
is keyed by the path of the bad part (`trigger.days_before`, `steps[2].then[0].templates`) and
says what to fix."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _

from rapport.analytics.labels import rfm_segment_keys
from rapport.automation import flow
from rapport.automation.library import PLACEHOLDERS
from rapport.automation.triggers import TRIGGERS, Param
from rapport.campaigns import content
from rapport.campaigns.models import MessageChannel, MessagePurpose, PromoCode
from rapport.segments.messages import word
from rapport.segments.rules import RuleError
from rapport.segments.selectors import parse_rule, rule_filter

# What a scenario's message may say (automation/actions.py, `template_context`).
SCENARIO_VARIABLES = tuple(sorted(PLACEHOLDERS))

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WAIT_UNTIL = ("birthday", "trip_departure", "trip_return")
TASK_KINDS = ("call", "meeting", "task", "email")
SURVEY_KINDS = ("exit", "trip_feedback", "nps")
DATE_FIELDS = ("birth_date",)  # and custom.<key>, life_event.<kind>

STEP_PARAMS: dict[str, dict[str, Param]] = {
    "wait": {
        "days": Param("int", minimum=0, maximum=3650),
        "hours": Param("int", minimum=0, maximum=10_000),
        "minutes": Param("int", minimum=0, maximum=100_000),
        "at_time": Param("text"),
        "until": Param("choice", choices=WAIT_UNTIL),
        "offset_days": Param("int", minimum=-365, maximum=365),
    },
    "condition": {"rule": Param("rule", required=True)},
    "send": {
        "channel": Param("choice", required=True, choices=tuple(MessageChannel.values)),
        "fallback_channel": Param("choice", choices=tuple(MessageChannel.values)),
        "purpose": Param("choice", choices=tuple(MessagePurpose.values)),
        "templates": Param("templates", required=True),
        "quiet_hours": Param("object"),
    },
    "task": {
        "subject": Param("text", required=True),
        "kind": Param("choice", choices=TASK_KINDS),
        "due_in_hours": Param("int", minimum=0, maximum=24 * 365),
        "notes": Param("text"),
    },
    "tag_add": {"tag": Param("text", required=True)},
    "tag_remove": {"tag": Param("text", required=True)},
    "list_add": {"segment": Param("segment", required=True)},
    "promo": {
        "discount": Param("choice", required=True, choices=tuple(PromoCode.Discount.values)),
        "value": Param("number", required=True, minimum=0.01, maximum=1_000_000),
        "currency": Param("text"),
        "valid_days": Param("int", minimum=1, maximum=3650),
        "prefix": Param("text"),
    },
    "survey": {"kind": Param("choice", required=True, choices=SURVEY_KINDS)},
    "webhook": {"url": Param("text", required=True), "payload": Param("object")},
    "exit": {"reason": Param("text")},
}
STEP_KINDS = tuple(STEP_PARAMS)


class Errors:
    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path, []).append(message)

    def raise_any(self) -> None:
        if self.by_path:
            raise ValidationError(self.by_path)


def _param(errors: Errors, path: str, spec: Param, value: Any, actor: Any) -> None:
    if spec.kind in ("int", "number"):
        number_types = (int,) if spec.kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            errors.add(
                path, _("Give a whole number.") if spec.kind == "int" else _("Give a number.")
            )
            return
        if spec.minimum is not None and value < spec.minimum:
            errors.add(path, _("Give at least %(n)s.") % {"n": spec.minimum})
        if spec.maximum is not None and value > spec.maximum:
            errors.add(path, _("Give at most %(n)s.") % {"n": spec.maximum})
    elif spec.kind == "text":
        if not isinstance(value, str) or not value.strip():
            errors.add(path, _("Give a text."))
        elif len(value) > 300:
            errors.add(path, _("Keep it under 300 characters."))
    elif spec.kind == "choice":
        if value not in spec.choices:
            errors.add(path, _("Choose from: %(c)s.") % {"c": ", ".join(spec.choices)})
    elif spec.kind == "rfm_segment":
        keys = rfm_segment_keys()
        if value not in keys:
            errors.add(path, _("Choose from: %(c)s.") % {"c": ", ".join(keys)})
    elif spec.kind == "segment":
        _segment(errors, path, value, actor)
    elif spec.kind == "date_field":
        if not isinstance(value, str) or not (
            value in DATE_FIELDS or value.startswith(("custom.", "life_event."))
        ):
            errors.add(path, _("Name birth_date, custom.<key> or life_event.<kind>."))
    elif spec.kind == "rule":
        _rule(errors, path, value, actor)
    elif spec.kind == "templates":
        _templates(errors, path, value)
    elif spec.kind == "object" and not isinstance(value, dict):
        errors.add(path, _("Give an object."))


def _segment(errors: Errors, path: str, value: Any, actor: Any) -> None:
    from rapport.segments.selectors import segments_for

    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, _("Give a segment's id."))
    elif not segments_for(actor).filter(pk=value).exists():
        errors.add(path, _("No segment %(id)s that you may see.") % {"id": value})


def _rule(errors: Errors, path: str, value: Any, actor: Any) -> None:
    try:
        rule_filter(parse_rule(value), user=actor)
    except RuleError as exc:
        # the rule's own paths start with "rule"
        errors.add(path + exc.path.removeprefix("rule"), word(exc))


def _templates(errors: Errors, path: str, value: Any) -> None:
    if not isinstance(value, list) or not value:
        errors.add(path, _("Write the message in at least one language."))
        return
    seen: set[str] = set()
    for index, template in enumerate(value):
        here = f"{path}[{index}]"
        if not isinstance(template, dict):
            errors.add(here, _("Give an object with language, subject and body_text."))
            continue
        language = template.get("language")
        if not isinstance(language, str) or not language:
            errors.add(f"{here}.language", _("Give the language code (en, ru, uk, lt…)."))
        elif language in seen:
            errors.add(f"{here}.language", _("This language has a template already."))
        else:
            seen.add(language)
        if not isinstance(template.get("body_text"), str) or not template["body_text"].strip():
            errors.add(f"{here}.body_text", _("Write the message text."))
            continue
        try:
            content.render(
                subject=str(template.get("subject") or ""),
                body_text=template["body_text"],
                body_html=str(template.get("body_html") or ""),
                context=content.sample_context(),
                language=language if isinstance(language, str) else "en",
                footer=False,
            )
        except TemplateSyntaxError as exc:
            errors.add(here, _("The template does not render: %(error)s") % {"error": exc})
            continue
        subject = str(template.get("subject") or "")
        for problem in content.template_parameter_errors(subject, SCENARIO_VARIABLES):
            errors.add(f"{here}.subject", problem)


def _params(
    errors: Errors, where: str, given: Mapping[str, Any], specs: Mapping[str, Param], actor: Any
) -> None:
    for name, spec in specs.items():
        if name not in given or given[name] is None:
            if spec.required:
                errors.add(f"{where}.{name}", _("This is required."))
            continue
        _param(errors, f"{where}.{name}", spec, given[name], actor)


def check_trigger(errors: Errors, trigger: Any, actor: Any) -> None:
    if not isinstance(trigger, dict):
        errors.add("trigger", _("Give the trigger as an object with a type."))
        return
    kind = TRIGGERS.get(trigger.get("type"))  # type: ignore[arg-type]
    if kind is None:
        errors.add("trigger.type", _("Choose from: %(c)s.") % {"c": ", ".join(TRIGGERS)})
        return
    _params(errors, "trigger", trigger, kind.params, actor)
    if trigger.get("filter") is not None:
        _rule(errors, "trigger.filter", trigger["filter"], actor)


def _step(errors: Errors, where: str, step: dict[str, Any], actor: Any) -> None:
    kind = step["type"]
    if kind not in STEP_PARAMS:
        errors.add(f"{where}.type", _("Choose from: %(c)s.") % {"c": ", ".join(STEP_KINDS)})
        return
    _params(errors, where, step, STEP_PARAMS[kind], actor)
    if kind == "wait":
        if step.get("at_time") is not None and not TIME_OF_DAY.match(str(step["at_time"])):
            errors.add(f"{where}.at_time", _("Give a time of day as HH:MM."))
        if not any(step.get(k) for k in ("days", "hours", "minutes", "at_time", "until")):
            errors.add(where, _("Say how long to wait, until when, or until what time of day."))
    if kind == "send" and isinstance(step.get("quiet_hours"), dict):
        hours = step["quiet_hours"]
        for end in ("from", "to"):
            if not TIME_OF_DAY.match(str(hours.get(end, ""))):
                errors.add(f"{where}.quiet_hours.{end}", _("Give a time of day as HH:MM."))
    if kind == "send" and step.get("fallback_channel") == step.get("channel"):
        errors.add(f"{where}.fallback_channel", _("Choose another channel than the first."))
    if kind == "promo" and step.get("discount") == "amount" and not step.get("currency"):
        errors.add(f"{where}.currency", _("Give the currency of the amount."))
    if kind == "promo" and step.get("discount") == "percent" and (step.get("value") or 0) > 100:
        errors.add(f"{where}.value", _("A percentage is at most 100."))
    if kind == "webhook" and isinstance(step.get("url"), str):
        _webhook_url(errors, f"{where}.url", step["url"])


def _webhook_url(errors: Errors, path: str, url: str) -> None:
    if not url.startswith("https://"):
        errors.add(path, _("Give an https:// address."))


def check_steps(errors: Errors, steps: Any, actor: Any) -> None:
    shape = flow.shape_errors(steps)
    for path, code in shape:
        errors.add(path, _shape_message(code))
    if shape:
        return
    for path, step in flow.walk(steps):
        _step(errors, flow.error_path(path), step, actor)


def _shape_message(code: str) -> str:
    return {
        "not_a_list": _("Give a list of steps."),
        "not_a_step": _("Give each step as an object with a type."),
        "required": _("This is required."),
        "too_deep": _("Branches go at most %(n)s levels deep.") % {"n": flow.MAX_DEPTH},
        "too_many": _("A scenario has at most %(n)s steps.") % {"n": flow.MAX_STEPS},
    }[code]


def check(trigger: Any, steps: Any, actor: Any) -> None:
    """Raise a ValidationError naming every bad part, or return."""
    errors = Errors()
    check_trigger(errors, trigger, actor)
    check_steps(errors, steps, actor)
    errors.raise_any()
