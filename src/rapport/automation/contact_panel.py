"""The "Scenarios" section of the 360° contact page: the contact's runs, newest first, each
step worded — the answer to "why did this customer get this message?".

`contacts` sits below `automation`, so the page takes this section through `register_panel`
(from `AutomationConfig.ready()`). Runs come from `selectors.runs_for`, which shows a run
only when the viewer may see both the scenario and the contact."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from rapport.automation import flow, wording
from rapport.automation.models import Run, RunStep
from rapport.automation.selectors import runs_for
from rapport.campaigns.models import Message
from rapport.contacts.models import Contact
from rapport.core import permissions
from rapport.core.http import Request

TEMPLATE = "automation/contact_panel.html"
LIMIT = 20

FAILURES = {
    "rule_broken": lambda: _("the condition's rule no longer works (a segment it names is gone)"),
    "segment_missing": lambda: _("segment deleted"),
    "promo_invalid": lambda: _("the promo code could not be made"),
    "no_date": lambda: _("the date to wait for is not known"),
    "no_assignee": lambda: _("nobody to give the task to"),
}


ENDINGS = {
    "archived": lambda: _("the scenario was archived"),
    "exit_step": lambda: _("an “End the run” step"),
    "no_steps": lambda: _("the version had no steps"),
    "rule_broken": lambda: _("a condition's rule no longer works"),
}


def ending(run: Run) -> str:
    """Why a run that is over ended, in words ("" while it runs or when it simply finished)."""
    if run.status == "active" or run.holdout or not (run.exit_reason or run.error):
        return ""
    worded = ENDINGS.get(run.exit_reason)
    if worded:
        return worded()
    if run.error.strip():
        return run.error.strip().splitlines()[-1][:200]
    return run.exit_reason


@dataclass(frozen=True)
class Line:
    """One step a run took: when, what (in words), where it links to, and how it went."""

    at: dt.datetime
    text: str
    outcome: str
    link: str = ""


@dataclass
class RunView:
    run: Run
    lines: list[Line] = field(default_factory=list)
    ending: str = ""


def _reason(detail: dict[str, Any]) -> str:
    reason = str(detail.get("reason") or "")
    worded = FAILURES.get(reason)
    return worded() if worded else reason


def step_line(
    step: RunStep,
    definition: dict[str, Any] | None,
    messages: dict[int, Message],
    people: dict[int, str],
) -> Line:
    """A logged step in words."""
    detail = step.detail if isinstance(step.detail, dict) else {}
    kind = step.kind
    if step.outcome == RunStep.Outcome.FAILED:
        text = _("Failed: %(reason)s") % {"reason": _reason(detail)}
        return Line(step.at, text, step.outcome)
    if step.outcome == RunStep.Outcome.SKIPPED:
        label = str(wording.STEP_LABELS.get(kind, kind))
        text = _("Skipped %(step)s: %(reason)s") % {"step": label, "reason": _reason(detail)}
        return Line(step.at, text, step.outcome)
    link = ""
    if kind == "send" and isinstance(detail.get("message"), int):
        message = messages.get(detail["message"])
        channel = wording.choice_label(detail.get("channel", ""))
        if message is None:
            text = _("Sent %(channel)s — message #%(id)s") % {
                "channel": channel,
                "id": detail["message"],
            }
        else:
            text = _("Sent %(channel)s “%(subject)s” — message #%(id)s (%(status)s)") % {
                "channel": channel,
                "subject": message.subject or message.body_text[:60],
                "id": message.pk,
                "status": message.get_status_display(),
            }
        held = parse_datetime(str(detail.get("held_until") or ""))
        if held:
            text += " " + _("(held until %(time)s: quiet hours)") % {"time": wording.wait_end(held)}
    elif kind == "wait":
        until = parse_datetime(str(detail.get("waited_until") or detail.get("until") or ""))
        text = (
            _("Waited until %(time)s") % {"time": wording.wait_end(until)}
            if until
            else str(wording.STEP_LABELS["wait"])
        )
    elif kind == "condition":
        text = (
            _("Condition matched: took the “yes” branch")
            if detail.get("branch") == "then"
            else _("Condition did not match: took the “no” branch")
        )
    elif kind == "task":
        who = people.get(detail.get("assignee") or 0, "")
        text = _("Task for %(person)s") % {"person": who} if who else _("Task planned")
        if isinstance(detail.get("activity"), int):
            link = reverse("activities:activity_detail", args=[detail["activity"]])
    elif kind == "promo":
        text = _("Promo code %(code)s") % {"code": detail.get("code", "")}
    elif kind == "tag_add":
        text = _("Tag “%(tag)s” added") % {"tag": detail.get("tag", "")}
    elif kind == "tag_remove":
        text = _("Tag “%(tag)s” removed") % {"tag": detail.get("tag", "")}
    elif kind == "list_add":
        text = _("Added to the list “%(name)s”") % {"name": detail.get("segment_name", "")}
    elif kind == "exit":
        text = _("Ended by the scenario")
        if detail.get("reason"):
            text += f": {detail['reason']}"
    else:
        text = str(wording.STEP_LABELS.get(kind, kind))
        if definition:
            text += f": {wording.step_summary(definition)}"
    return Line(step.at, text, step.outcome, link)


def contact_runs(user: Any, contact: Contact, limit: int = LIMIT) -> list[RunView]:
    """The contact's runs the user may see, newest first, with their steps in words."""
    runs = list(
        runs_for(user)
        .filter(contact=contact)
        .select_related("scenario", "version")
        .prefetch_related("log")
        .order_by("-started_at", "-id")[:limit]
    )
    logs = [s for run in runs for s in run.log.all()]
    message_ids = [s.detail["message"] for s in logs if isinstance(s.detail.get("message"), int)]
    messages = {m.pk: m for m in Message.objects.filter(pk__in=message_ids)}
    user_ids = [s.detail["assignee"] for s in logs if isinstance(s.detail.get("assignee"), int)]
    people = {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=user_ids)
    }
    views = []
    for run in runs:
        lines = [
            step_line(s, flow.at(run.version.steps, s.position), messages, people)
            for s in run.log.all()
        ]
        views.append(RunView(run, lines, ending(run)))
    return views


def scenarios_panel(request: Request, contact: Contact) -> dict[str, Any]:
    if not permissions.allows(request.user, "scenarios", "view"):
        return {"scenario_runs": None}
    return {"scenario_runs": contact_runs(request.user, contact)}
