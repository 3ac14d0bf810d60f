"""The API's periodic jobs (core/schedule.py), imported from ApiConfig.ready()."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from rapport.api import idempotency
from rapport.core.schedule import periodic


@periodic(
    "api.purge_idempotency_keys",
    every=dt.timedelta(hours=1),
    title=_("Forget answers to Idempotency-Key requests older than a day"),
)
def purge_idempotency_keys() -> dict[str, int]:
    """Each API write prunes a batch; this empties the table of old answers when none come."""
    return {"answers": idempotency.purge_expired()}
