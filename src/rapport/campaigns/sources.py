"""What queued a message that belongs to no campaign, in words for its timeline entry.

A message's `source` is "<kind>:<rest>" ("scenario:12:345", "test:3:7"). Apps above campaigns
register how to describe their kind (automation names the scenario), so the timeline says
"E-mail from scenario “Win-back”" and a reader sees why the customer got it."""

from collections.abc import Callable
from typing import Any

Describer = Callable[[str], dict[str, Any]]
_describers: dict[str, Describer] = {}


def register_source(kind: str, describe: Describer) -> None:
    """`describe(source)` → extra timeline params for messages of `kind` (e.g.
    {"scenario": 12, "scenario_name": "Win-back"}); registering again replaces."""
    _describers[kind] = describe


def describe(source: str) -> dict[str, Any]:
    kind = source.partition(":")[0]
    describer = _describers.get(kind)
    return describer(source) if describer and source else {}
