"""What a scenario would do for one contact, and why — read-only: nothing is written, no
message queued, no code granted, no task planned.

`dry_run(scenario, contact, actor, now, version="published"|"draft")` answers whether the
contact would enter (the trigger's filter — and which part of it fails —, a run in flight,
the re-entry delay, the holdout) and then walks the steps as a run would: a wait says until
when, a condition which branch and why, a send which channel, whether consent, address,
suppression and the frequency cap let it out, and the text in the contact's language."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _

from rapport.automation import actions, flow, wording
from rapport.automation.intake import in_holdout
from rapport.automation.models import Run, RunStatus, Scenario
from rapport.campaigns import content, eligibility, quiet
from rapport.campaigns.config import frequency_cap
from rapport.campaigns.models import MessagePurpose, Suppression
from rapport.campaigns.services import language_of
from rapport.contacts.models import Contact
from rapport.segments.rules import All, Any_, Condition, Not, RuleError
from rapport.segments.selectors import parse_rule, rule_filter

MAX_WALK = 250  # more than flow.MAX_STEPS: every step is visited at most once


@dataclass
class DryStep:
    position: str
    type: str
    summary: str
    detail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "type": self.type,
            "summary": self.summary,
            "detail": self.detail,
        }


@dataclass
class DryRun:
    contact: Contact
    version: str
    enters: bool
    reasons: list[str] = field(default_factory=list)
    steps: list[DryStep] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact": self.contact.pk,
            "version": self.version,
            "enters": self.enters,
            "reasons": self.reasons,
            "steps": [s.as_dict() for s in self.steps],
        }


# --- rules -----------------------------------------------------------------------------------


def _holds(node: Any, contact: Contact, now: dt.datetime) -> bool:
    return (
        Contact.objects.filter(pk=contact.pk).filter(rule_filter(node, user=None, now=now)).exists()
    )


def failing_parts(node: Any, contact: Contact, now: dt.datetime) -> list[str]:
    """The parts of a rule the contact fails, in words ([] when it matches)."""
    if _holds(node, contact, now):
        return []
    if isinstance(node, All):
        return [p for child in node.children for p in failing_parts(child, contact, now)]
    if isinstance(node, Any_):
        return [_("none of: %(rule)s") % {"rule": wording.node_text(node)}]
    if isinstance(node, Not):
        return [wording.node_text(node)]
    assert isinstance(node, Condition)
    return [wording.condition_text(node)]


def explain_rule(rule: Any, contact: Contact, now: dt.datetime) -> tuple[bool | None, list[str]]:
    """(matches, the failing parts); matches None when the rule cannot be read any more."""
    try:
        node = parse_rule(rule)
        parts = failing_parts(node, contact, now)
    except RuleError as exc:
        from rapport.segments.messages import word

        return None, [word(exc)]
    return not parts, parts


# --- entering --------------------------------------------------------------------------------


def _entry(
    scenario: Scenario, trigger: dict[str, Any], contact: Contact, now: dt.datetime
) -> tuple[bool, list[str]]:
    reasons: list[str] = []
    enters = True
    reasons.append(_("Trigger: %(trigger)s.") % {"trigger": wording.trigger_label(trigger)})
    if scenario.status != "active":
        reasons.append(
            _("The scenario is %(status)s now: nobody enters until it is switched on.")
            % {"status": scenario.get_status_display()}
        )
    rule = trigger.get("filter")
    if rule:
        matches, parts = explain_rule(rule, contact, now)
        if matches:
            reasons.append(_("Matches the trigger's filter."))
        else:
            enters = False
            reasons.append(
                _("Does not match the trigger's filter: %(parts)s.") % {"parts": "; ".join(parts)}
            )
    runs = Run.objects.filter(scenario=scenario, contact=contact)
    if runs.filter(status=RunStatus.ACTIVE).exists():
        enters = False
        reasons.append(_("Is in a run of this scenario now: a second one does not start."))
    ended = runs.exclude(status=RunStatus.ACTIVE).order_by("-finished_at").first()
    if ended is not None:
        if scenario.reentry_days is None:
            enters = False
            reasons.append(_("Has been through this scenario: it never starts twice for them."))
        elif ended.finished_at is None or ended.finished_at > now - dt.timedelta(
            days=scenario.reentry_days
        ):
            enters = False
            reasons.append(
                _("Ended a run %(when)s: may enter again %(days)s days after that.")
                % {
                    "when": wording.when(ended.finished_at or ended.started_at),
                    "days": scenario.reentry_days,
                }
            )
        else:
            reasons.append(_("Ended a run earlier; the re-entry delay has passed."))
    else:
        reasons.append(_("Has never been in this scenario."))
    if in_holdout(scenario.pk, contact.pk, scenario.holdout_percent):
        enters = False
        reasons.append(
            _("Falls in the %(n)s %% holdout: the run would be recorded and take no step.")
            % {"n": scenario.holdout_percent}
        )
    elif scenario.holdout_percent:
        reasons.append(_("Not in the holdout: steps would be taken."))
    return enters, reasons


# --- steps -----------------------------------------------------------------------------------


def _send(step: dict[str, Any], run: Run, contact: Contact, now: dt.datetime) -> list[str]:
    purpose = step.get("purpose") or MessagePurpose.MARKETING
    channel = actions._channel(contact, step, purpose)
    lines = []
    if channel != step.get("channel"):
        lines.append(
            _("Channel: %(channel)s (the first has no address or no consent).")
            % {"channel": wording.choice_label(channel)}
        )
    else:
        lines.append(_("Channel: %(channel)s.") % {"channel": wording.choice_label(channel)})
    address = eligibility.address_of(contact, channel)
    blocked = False
    if eligibility.consent_granted(contact.pk, channel, purpose):
        lines.append(_("Consent: granted."))
    else:
        blocked = True
        lines.append(_("Consent: not granted — the message would be skipped."))
    if address:
        lines.append(_("Address: %(address)s.") % {"address": address})
        if Suppression.objects.filter(channel=channel, address=address.lower()).exists():
            blocked = True
            lines.append(_("The address is suppressed — the message would be skipped."))
    else:
        blocked = True
        lines.append(_("No address for this channel — the message would be skipped."))
    cap = frequency_cap()
    if purpose == MessagePurpose.MARKETING and cap is not None:
        sent = eligibility.handed_lately(contact.pk, now - cap.window, exclude=0)
        if sent >= cap.limit:
            blocked = True
            lines.append(
                _("Frequency cap reached (%(sent)s of %(limit)s) — it would wait in the outbox.")
                % {"sent": sent, "limit": cap.limit}
            )
        else:
            lines.append(
                _("Frequency cap: %(sent)s of %(limit)s used.") % {"sent": sent, "limit": cap.limit}
            )
    span = quiet.window(step.get("quiet_hours"))
    held = quiet.held_until(now, actions.contact_zone(contact), span) if span else None
    if held:
        lines.append(_("Quiet hours: it would wait until %(time)s.") % {"time": wording.when(held)})
    if not blocked:
        lines.append(_("It would go out."))
    templates = [t for t in step.get("templates") or [] if isinstance(t, dict)]
    if templates:
        language = language_of(contact)
        template = next((t for t in templates if t.get("language") == language), templates[0])
        try:
            rendered = content.render(
                subject=str(template.get("subject") or ""),
                body_text=str(template.get("body_text") or ""),
                body_html="",
                context=actions.template_context(run),
                language=str(template.get("language") or language),
                footer=False,
            )
        except TemplateSyntaxError as exc:  # a draft may hold a broken template
            lines.append(_("The text does not render: %(error)s") % {"error": exc})
        else:
            if rendered.subject:
                lines.append(_("Subject: %(subject)s") % {"subject": rendered.subject})
            lines.append(rendered.text)
    return lines


def _describe(
    scenario: Scenario,
    step: dict[str, Any],
    run: Run,
    contact: Contact,
    now: dt.datetime,
    today: dt.datetime,
) -> tuple[list[str], str, dt.datetime]:
    """(detail lines, the condition's branch or "", the time after the step). `now` is the
    time the step would be reached (after the waits before it); a condition is decided on
    the contact as they are `today`."""
    kind = step.get("type")
    if kind == "wait":
        until = actions.wait_until(run, step, now)
        if until is None:
            return [_("The date to wait for is not known: the wait would be skipped.")], "", now
        return [_("Would wait until %(time)s.") % {"time": wording.when(until)}], "", until
    if kind == "condition":
        matches, parts = explain_rule(step.get("rule"), contact, today)
        if matches is None:
            return [_("The rule does not work: %(why)s") % {"why": "; ".join(parts)}], "", now
        if matches:
            return [_("Matches: the yes branch.")], "then", now
        return (
            [_("Does not match (%(parts)s): the no branch.") % {"parts": "; ".join(parts)}],
            ("else"),
            now,
        )
    if kind == "send":
        return _send(step, run, contact, now), "", now
    if kind == "task":
        assignee = contact.owner or scenario.created_by
        if assignee is None:
            return [_("Nobody to give it to: the task would be skipped.")], "", now
        who = assignee.get_full_name() or assignee.get_username()
        return [_("A task for %(person)s.") % {"person": who}], "", now
    if kind == "promo":
        # a sample in the real alphabet (campaigns.promo), never issued: nothing is written
        example = (str(step.get("prefix") or "") + "K7M2P9Q4").upper()
        run.context.update(promo_code=example, promo_value=wording.promo_text(step))
        return [_("A new code such as %(code)s.") % {"code": example}], "", now
    if kind in ("tag_add", "tag_remove"):
        tag = str(step.get("tag") or "").strip()
        has = contact.tags.filter(name=tag).exists()
        if kind == "tag_add":
            text = _("Already tagged: no change.") if has else _("The tag would be added.")
        else:
            text = _("The tag would be removed.") if has else _("Not tagged: no change.")
        return [text], "", now
    if kind == "list_add":
        return (
            [
                _("Would be added to the list “%(name)s”.")
                % {"name": wording.segment_name(step.get("segment"))}
            ],
            "",
            now,
        )
    if kind == "survey":
        run.context["survey_url"] = "https://…"
        return [_("A survey link would be made for the next messages.")], "", now
    if kind == "webhook":
        return [_("Would call %(url)s.") % {"url": step.get("url", "")}], "", now
    if kind == "exit":
        return [_("The run would end here.")], "", now
    return [], "", now


def dry_run(
    scenario: Scenario,
    contact: Contact,
    actor: Any,
    now: dt.datetime,
    version: str = "published",
) -> DryRun:
    """What would happen to `contact` if the trigger fired `now` (see the module's doc)."""
    if version == "published" and scenario.published is not None:
        trigger, steps = scenario.published.trigger, scenario.published.steps
        which = "published"
    else:
        trigger, steps = scenario.trigger, scenario.steps
        which = "draft"
    enters, reasons = _entry(scenario, trigger, contact, now)
    # an unsaved run: the actions' helpers read its contact, event and context only
    run = Run(scenario=scenario, contact=contact, context={}, started_at=now)
    out = DryRun(contact, which, enters, reasons)
    position = flow.first(steps)
    clock = now
    while position is not None and len(out.steps) < MAX_WALK:
        step = flow.at(steps, position) or {}
        detail, branch, clock = _describe(scenario, step, run, contact, clock, now)
        out.steps.append(
            DryStep(
                position=position,
                type=str(step.get("type", "")),
                summary=f"{wording.STEP_LABELS.get(step.get('type', ''), '')}: "
                f"{wording.step_summary(step)}".rstrip(": "),
                detail=detail,
            )
        )
        if step.get("type") == "exit":
            break
        position = (
            flow.enter(steps, position, branch) if branch else flow.following(steps, position)
        )
    return out


def visible_contact(actor: Any, contact_id: Any) -> Contact | None:
    from rapport.contacts.selectors import contacts_for

    if isinstance(contact_id, bool) or not isinstance(contact_id, int):
        return None
    return contacts_for(actor).filter(Q(pk=contact_id)).select_related("owner").first()
