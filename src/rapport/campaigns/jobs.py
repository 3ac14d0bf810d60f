"""The campaigns app's periodic jobs (core/schedule.py), imported from CampaignsConfig.ready()."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from rapport.campaigns.outbox import deliver_due
from rapport.core.schedule import periodic


# Every ten seconds: a queued message waits at most that long before its first attempt. A run
# sends until the queue is empty (or for 50 s); several workers' runs of other deliveries
# (tasks, `deliver_due` anywhere) share the queue safely through the outbox's claims.
@periodic("campaigns.deliver", every=dt.timedelta(seconds=10), title=_("Send queued messages"))
def deliver_messages() -> dict[str, Any]:
    """Recover expired claims, then send what is due; exactly once per message."""
    return deliver_due().as_dict()
