"""Writing scenarios (draft, publish, switch on and off) and recording custom events."""

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.automation import library, validation
from rapport.automation.models import (
    Event,
    Run,
    RunStatus,
    Scenario,
    ScenarioStatus,
    ScenarioVersion,
)
from rapport.contacts.models import Contact
from rapport.core import visibility
from rapport.core.text import clean_text
from rapport.timeline.services import FUTURE_TOLERANCE

MAX_PROPERTIES_CHARS = 16_000
FIELDS = ("name", "description", "trigger", "steps", "reentry_days", "holdout_percent")


def _apply(actor: Any, scenario: Scenario, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = clean_text(data["name"] or "", max_length=200)
        if not name:
            errors["name"] = [_("Give the scenario a name.")]
        scenario.name = name
    if "description" in data:
        scenario.description = clean_text(data["description"] or "", max_length=2000)
    if "reentry_days" in data:
        days = data["reentry_days"]
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650
        ):
            errors["reentry_days"] = [_("Give a number of days from 0 to 3650, or null for never.")]
        scenario.reentry_days = days
    if "holdout_percent" in data:
        share = data["holdout_percent"]
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 50:
            errors["holdout_percent"] = [_("Give a share from 0 to 50 percent.")]
        else:
            scenario.holdout_percent = share
    if "trigger" in data:
        scenario.trigger = data["trigger"]
    if "steps" in data:
        scenario.steps = data["steps"]
    try:
        validation.check(scenario.trigger, scenario.steps, actor)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def may_change(actor: Any, scenario: Scenario) -> bool:
    return visibility.can(actor, "change", scenario)


@transaction.atomic
def scenario_create(*, actor: Any, data: dict[str, Any], template: str = "") -> Scenario:
    """A draft scenario (off until published and switched on)."""
    if not visibility.can_create(actor, "scenarios"):
        raise PermissionError(_("You cannot create scenarios."))
    scenario = Scenario(
        created_by=actor if getattr(actor, "pk", None) else None, template=template, reentry_days=0
    )
    _apply(actor, scenario, {"trigger": {}, "steps": [], **data})
    scenario.save()
    return scenario


@transaction.atomic
def scenario_update(
    *,
    actor: Any,
    scenario: Scenario,
    data: dict[str, Any],
    expected_updated_at: dt.datetime | None = None,
) -> Scenario:
    """Change the draft; what runs changes only when it is published. With
    `expected_updated_at` (the version the editor started from), a save over a newer draft
    (someone else saved meanwhile) is refused instead of overwriting their work."""
    if not may_change(actor, scenario):
        raise PermissionError(_("You cannot change scenarios."))
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if expected_updated_at is not None and scenario.updated_at != expected_updated_at:
        raise ValidationError(
            {
                "updated_at": [
                    _(
                        "Someone else saved this scenario after you opened it: reload the page "
                        "to see their changes, then make yours again."
                    )
                ]
            }
        )
    _apply(actor, scenario, {k: v for k, v in data.items() if k in FIELDS})
    scenario.save()
    return scenario


def draft_differs(scenario: Scenario) -> bool:
    """Whether the draft has changes not published yet."""
    version = scenario.published
    if version is None:
        return True
    return json.dumps([version.trigger, version.steps], sort_keys=True) != json.dumps(
        [scenario.trigger, scenario.steps], sort_keys=True
    )


@transaction.atomic
def scenario_publish(*, actor: Any, scenario: Scenario) -> Scenario:
    """Make the draft the version new runs take; runs in flight finish on theirs."""
    if not may_change(actor, scenario):
        raise PermissionError(_("You cannot change scenarios."))
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    validation.check(scenario.trigger, scenario.steps, actor)
    if not scenario.steps:
        raise ValidationError({"steps": [_("Add at least one step before publishing.")]})
    if not draft_differs(scenario):
        return scenario
    number = (scenario.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    scenario.published = ScenarioVersion.objects.create(
        scenario=scenario,
        number=number,
        trigger=scenario.trigger,
        steps=scenario.steps,
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    scenario.save(update_fields=["published", "updated_at"])
    return scenario


_MOVES = {
    "activate": {ScenarioStatus.DRAFT, ScenarioStatus.PAUSED},
    "pause": {ScenarioStatus.ACTIVE},
    "archive": {ScenarioStatus.DRAFT, ScenarioStatus.ACTIVE, ScenarioStatus.PAUSED},
}
_TARGET = {
    "activate": ScenarioStatus.ACTIVE,
    "pause": ScenarioStatus.PAUSED,
    "archive": ScenarioStatus.ARCHIVED,
}


@transaction.atomic
def scenario_move(
    *, actor: Any, scenario: Scenario, action: str, now: dt.datetime | None = None
) -> Scenario:
    """Switch on (from draft or paused), pause (runs stop where they are, and go on when it
    is switched on again) or archive (runs in flight are cancelled)."""
    if not may_change(actor, scenario):
        raise PermissionError(_("You cannot change scenarios."))
    now = now or timezone.now()
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status not in _MOVES[action]:
        raise ValidationError(
            {
                "status": [
                    _("A scenario that is %(status)s cannot be moved this way.")
                    % {"status": scenario.get_status_display()}
                ]
            }
        )
    if action == "activate" and scenario.published_id is None:
        raise ValidationError({"status": [_("Publish the scenario before switching it on.")]})
    if action == "activate" and scenario.status == ScenarioStatus.DRAFT:
        scenario.active_since = now
    if action == "archive":
        Run.objects.filter(scenario=scenario, status=RunStatus.ACTIVE).update(
            status=RunStatus.CANCELLED,
            exit_reason="archived",
            finished_at=now,
            due_at=None,
            lease_owner="",
            lease_until=None,
        )
    scenario.status = _TARGET[action]
    scenario.save(update_fields=["status", "active_since", "updated_at"])
    return scenario


class AlreadyInstalled(Exception):
    """The ready-made scenario is installed already (as `scenario_id`)."""

    def __init__(self, scenario_id: int) -> None:
        super().__init__(scenario_id)
        self.scenario_id = scenario_id


def installed_from_library() -> dict[str, int]:
    """The scenarios made from the library and not archived, by key."""
    return dict(
        Scenario.objects.exclude(template="")
        .exclude(status=ScenarioStatus.ARCHIVED)
        .values_list("template", "pk")
    )


def scenario_from_library(*, actor: Any, key: str) -> Scenario:
    """Make the ready-made scenario `key` (KeyError: no such one): an editable scenario,
    published, off until someone switches it on. One per key: AlreadyInstalled when it
    exists (an archived one gives its key up to the new one)."""
    if not visibility.can_create(actor, "scenarios"):
        raise PermissionError(_("You cannot create scenarios."))
    data = library.scenario_data(key)
    try:
        with transaction.atomic():
            existing = Scenario.objects.select_for_update().filter(template=key).first()
            if existing is not None and existing.status != ScenarioStatus.ARCHIVED:
                raise AlreadyInstalled(existing.pk)
            if existing is not None:
                existing.template = ""
                existing.save(update_fields=["template", "updated_at"])
            scenario = scenario_create(actor=actor, data=data, template=key)
            return scenario_publish(actor=actor, scenario=scenario)
    except IntegrityError:  # another request installed it meanwhile
        found = Scenario.objects.filter(template=key).values_list("pk", flat=True).first()
        if found is None:
            raise
        raise AlreadyInstalled(found) from None


def event_record(
    *,
    actor: Any,
    contact: Contact,
    name: str,
    properties: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> Event:
    """A custom event from an integrator, that scenarios with a "custom event" trigger of
    that name react to."""
    if not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot record events for this contact."))
    errors: dict[str, list[str]] = {}
    clean = clean_text(name or "", max_length=60)
    if not clean:
        errors["name"] = [_("Give the event a name.")]
    props = properties or {}
    if len(json.dumps(props, ensure_ascii=False, default=str)) > MAX_PROPERTIES_CHARS:
        errors["properties"] = [
            _("Keep properties under %(n)s characters.") % {"n": MAX_PROPERTIES_CHARS}
        ]
    now = timezone.now()
    at = occurred_at or now
    if at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("An event cannot happen in the future.")]
    if errors:
        raise ValidationError(errors)
    return Event.objects.create(
        source=Event.Source.API,
        contact=contact,
        name="custom." + clean,
        properties=props,
        occurred_at=at,
    )
