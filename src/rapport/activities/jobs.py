"""The activities app's periodic jobs (core.schedule), imported from AppConfig.ready()."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.activities.services.reminders import deliver_due
from rapport.core.schedule import periodic


@periodic(
    "activities.deliver_reminders",
    every=dt.timedelta(minutes=1),
    title=_("Deliver due reminders"),
    max_attempts=5,
    backoff=dt.timedelta(seconds=30),
)
def deliver_reminders() -> dict[str, int]:
    """Deliver every reminder whose time has come (idempotent: a rerun sends nothing twice)."""
    return deliver_due(timezone.now()).as_dict()
