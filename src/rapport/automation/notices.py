"""The notifications the automation app sends (core.notifications), worded when read in the
reader's language: runs refused because scenarios seem to trigger each other in a loop."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.core import notifications, visibility

LOOP_SUSPECTED = "automation.loop_suspected"


def _loop(params: Mapping[str, Any]) -> str:
    return _(
        "Scenario “%(name)s” did not start for %(count)s contact(s) who had started "
        "%(limit)s scenario runs within the hour: scenarios seem to trigger each other. "
        "Check what its steps change."
    ) % {"name": params["name"], "count": params["count"], "limit": params["limit"]}


notifications.register(LOOP_SUSPECTED, _loop)


def loop_suspected(*, scenario: Any, count: int, limit: int, now: dt.datetime) -> int:
    """Tell the administrators that `scenario` refused `count` contacts as looping; once per
    scenario and hour (the loop goes on being refused meanwhile); how many were told."""
    hour = now.astimezone(dt.UTC).strftime("%Y%m%d%H")
    told = 0
    for admin in get_user_model().objects.filter(visibility.admins_q()).order_by("pk"):
        sent = notifications.notify(
            user=admin,
            kind=LOOP_SUSPECTED,
            params={"scenario": scenario.pk, "name": scenario.name, "count": count, "limit": limit},
            url=reverse("admin:automation_scenario_change", args=[scenario.pk]),
            key=f"{LOOP_SUSPECTED}:{scenario.pk}:{hour}:{admin.pk}",
        )
        told += sent is not None
    return told
