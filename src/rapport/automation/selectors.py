"""Reads of scenarios and runs, scoped to what the viewer may see."""

from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet

from rapport.automation import flow
from rapport.automation.models import Run, RunStatus, RunStep, Scenario
from rapport.core import visibility
from rapport.core.visibility import Action


def scenarios_for(user: Any, action: Action = "view") -> QuerySet[Scenario]:
    return visibility.scope(Scenario.objects.all(), user, action)


def runs_for(user: Any) -> QuerySet[Run]:
    """Runs of scenarios the user may see, of contacts the user may see."""
    contact_reach = visibility.condition(user, "contacts", owner_field="contact__owner")
    runs = Run.objects.filter(scenario__in=scenarios_for(user))
    return runs if contact_reach is None else runs.filter(contact_reach)


def step_counts(scenario: Scenario) -> list[dict[str, Any]]:
    """For each step of the published version (top to bottom): how many runs of that
    version entered it, wait at it now, passed it, and ended there."""
    version = scenario.published
    if version is None:
        return []
    runs = Run.objects.filter(version=version)
    passed = Counter(
        dict(
            RunStep.objects.filter(run__version=version)
            .values_list("position")
            .annotate(n=Count("id"))
            .values_list("position", "n")
        )
    )
    at = Counter(
        dict(
            runs.filter(status=RunStatus.ACTIVE)
            .values_list("position")
            .annotate(n=Count("id"))
            .values_list("position", "n")
        )
    )
    exits = Counter(
        dict(
            runs.filter(status__in=(RunStatus.EXITED, RunStatus.FAILED, RunStatus.CANCELLED))
            .values_list("position")
            .annotate(n=Count("id"))
            .values_list("position", "n")
        )
    )
    return [
        {
            "position": path,
            "entered": passed[path] + at[path],
            "waiting": at[path],
            "done": passed[path],
            "exited": exits[path],
        }
        for path, _step in flow.walk(version.steps)
    ]


def describe_source(source: str) -> dict[str, Any]:
    """A scenario message's source ("scenario:<id>:<run>") as timeline params: the scenario
    and its name as it is when the message goes out."""
    parts = source.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return {}
    scenario = int(parts[1])
    name = Scenario.objects.filter(pk=scenario).values_list("name", flat=True).first()
    described: dict[str, Any] = {"scenario": scenario, "scenario_name": name or ""}
    if len(parts) > 2 and parts[2].isdigit():
        described["run"] = int(parts[2])
    return described
