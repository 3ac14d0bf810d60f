"""The demo's trigger scenarios: every ready-made one from the library, published and off,
and two switched on (welcome series, birthday greeting), so the scenario pages show runs
from the first day: today's birthdays start theirs at once. Made once: a scenario that
exists is left as it is (switched off, edited or archived by whoever tried the demo)."""

import datetime as dt

from django.utils import translation

from rapport.accounts.models import User
from rapport.automation import library, scans, services
from rapport.automation.runner import run_due

SWITCHED_ON = ("welcome", "birthday")


def ensure_scenarios(*, admin: User, now: dt.datetime) -> list[str]:
    """Install the ready-made scenarios not made yet; the keys installed now."""
    installed = set(services.installed_from_library())
    made = []
    with translation.override("en"):  # the demo's own words are English
        for key in library.READY:
            if key in installed:
                continue
            scenario = services.scenario_from_library(actor=admin, key=key)
            if key in SWITCHED_ON:
                services.scenario_move(actor=admin, scenario=scenario, action="activate", now=now)
            made.append(key)
    if any(key in SWITCHED_ON for key in made):
        scans.scan(now)  # today's birthdays enter now, not at the next scan
        run_due(clock=lambda: now, budget=30.0)
    return made
