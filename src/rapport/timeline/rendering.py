"""Timeline sentences, rendered when shown, in the reader's language.

An interaction written by code stores what happened as data: a `kind` ("order.placed") and
its `params` ({"order": 620, "total": "1420.00", "currency": "EUR"}). A renderer registered
for the kind turns them into a sentence with the active language's gettext and number formats,
so the same row reads "Order #620: 1,420.00 EUR" to one user and "Замовлення №620: 1 420,00 EUR"
to another. Each app registers the kinds it writes (in its AppConfig.ready), so the timeline
never imports the apps above it. Hand-written entries have no kind: their summary is the
author's own words and is shown as written.
"""

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils.translation import pgettext

from rapport.contacts.models import LifecycleStage
from rapport.core.money import format_money

logger = logging.getLogger(__name__)


class Rendered(Protocol):
    """What a renderer may read of an interaction besides its params."""

    kind: str
    params: Any
    summary: str
    direction: str
    duration_seconds: int | None


Renderer = Callable[[Mapping[str, Any], Rendered], str]
RENDERERS: dict[str, Renderer] = {}


def register(kind: str) -> Callable[[Renderer], Renderer]:
    """Declare a kind of timeline event and the function that words it."""

    def decorate(renderer: Renderer) -> Renderer:
        if kind in RENDERERS and RENDERERS[kind] is not renderer:
            raise ValueError(f"Timeline kind {kind!r} is registered twice.")
        RENDERERS[kind] = renderer
        return renderer

    return decorate


def is_known(kind: str) -> bool:
    return kind in RENDERERS


def render_summary(item: Rendered) -> str:
    """The interaction's one-line summary in the active language.

    A structured row whose renderer is missing or whose params do not fit it (a bug, or a
    row from a newer version) falls back to its stored summary or its kind, never to an error
    page: the timeline is shown on every contact's page.
    """
    if not item.kind:
        return item.summary
    renderer = RENDERERS.get(item.kind)
    if renderer is None:
        return item.summary or item.kind
    try:
        return renderer(item.params or {}, item)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        logger.warning("Timeline %s params do not fit its renderer: %r", item.kind, item.params)
        return item.summary or item.kind


def money(params: Mapping[str, Any], amount_key: str = "total") -> str:
    """An amount stored as a string with its currency, in the active locale's format."""
    return format_money(Decimal(str(params[amount_key])), str(params["currency"]))


def choice_label(choices: Any, value: str) -> str:
    """The translated label of a stored choice code; the code itself if it is unknown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register("contact.lifecycle_changed")
def _lifecycle_changed(params: Mapping[str, Any], item: Rendered) -> str:
    new = choice_label(LifecycleStage, params["new"])
    if not params.get("old"):
        return pgettext("lifecycle", "Stage set: %(new)s") % {"new": new}
    return pgettext("lifecycle", "Stage: %(old)s → %(new)s") % {
        "old": choice_label(LifecycleStage, params["old"]),
        "new": new,
    }
