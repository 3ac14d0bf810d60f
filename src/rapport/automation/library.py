"""Ready-made scenarios a travel agency starts from: each is data (trigger, steps with their
messages in en, ru, uk and lt), installed by `services.scenario_from_library` as an editable
scenario that is published but off until an administrator switches it on.

Names and descriptions are interface strings (translated in the catalogs, shown in the
viewer's language); the messages are per-language data (library_trips.py, library_care.py).
Words a step carries besides its messages (a task's subject, a tag) are worded in the
installer's language when the scenario is made."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.automation.library_care import CARE
from rapport.automation.library_trips import TRIPS

LANGUAGES = ("en", "ru", "uk", "lt")
MESSAGES = {**TRIPS, **CARE}
# Everything a library message may name: what actions.template_context gives a template.
PLACEHOLDERS = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "manager_name",
        "last_trip",
        "next_best_offer",
        "promo_code",
        "promo_value",
        "promo_valid_to",
        "survey_url",
        "unsubscribe_url",
    }
)


@dataclass(frozen=True)
class ReadyMade:
    key: str
    name: Promise
    description: Promise
    trigger: Mapping[str, Any]
    steps: tuple[Mapping[str, Any], ...]
    reentry_days: int | None = 0
    holdout_percent: int = 0


def templates(message: str) -> list[dict[str, str]]:
    """A message's templates, one per language."""
    return [
        {"language": language, "subject": subject, "body_text": "\n\n".join(paragraphs)}
        for language, (subject, paragraphs) in MESSAGES[message].items()
    ]


# Scans start runs around midnight: no message goes out in the customer's night.
QUIET_HOURS = {"from": "21:00", "to": "09:00"}


def _send(message: str, purpose: str = "marketing") -> dict[str, Any]:
    return {
        "type": "send",
        "channel": "email",
        "purpose": purpose,
        "templates": templates(message),
        "quiet_hours": QUIET_HOURS,
    }


def _wait(**how: Any) -> dict[str, Any]:
    return {"type": "wait", **how}


READY: dict[str, ReadyMade] = {
    r.key: r
    for r in (
        ReadyMade(
            "welcome",
            _("Welcome series for new customers"),
            _(
                "Thanks a customer for their first order at once, and three days later sends "
                "tips for the trip."
            ),
            {
                "type": "order_placed",
                "filter": {"field": "orders.count", "op": "eq", "value": 1},
            },
            (
                _send("welcome_thanks", "service"),
                _wait(days=3, at_time="10:00"),
                _send("welcome_tips"),
            ),
            reentry_days=None,
        ),
        ReadyMade(
            "pre_trip",
            _("Pre-trip checklist"),
            _(
                "A week before departure, sends the traveller a checklist of documents and "
                "things to take."
            ),
            {"type": "trip_departing", "days_before": 7},
            (_send("pre_trip", "service"),),
        ),
        ReadyMade(
            "post_trip",
            _("Post-trip follow-up"),
            _(
                "Three days after the return, asks how the trip went (a feedback survey); four "
                "days later suggests the next trip from the customer's next-best offer."
            ),
            {"type": "trip_returned", "days_after": 3},
            (
                {"type": "survey", "kind": "trip_feedback"},
                _send("trip_feedback", "service"),
                _wait(days=4, at_time="10:00"),
                _send("trip_next"),
            ),
        ),
        ReadyMade(
            "win_back",
            _("Win back lapsed customers"),
            _(
                "For a customer with no purchase for 540 days and a churn risk of at least 70%: "
                "a personal promo code and a short survey on why they left; two weeks later a "
                "reminder, unless they have booked."
            ),
            {
                "type": "no_purchase",
                "days": 540,
                "filter": {"field": "metrics.churn_risk", "op": "gte", "value": 0.7},
            },
            (
                {
                    "type": "promo",
                    "discount": "percent",
                    "value": 10,
                    "valid_days": 30,
                    "prefix": "BACK",
                },
                {"type": "survey", "kind": "exit"},
                _send("win_back"),
                _wait(days=14, at_time="10:00"),
                {
                    "type": "condition",
                    "rule": {"field": "orders.last_date", "op": "within_last_days", "value": 14},
                    "then": [{"type": "tag_add", "tag": _("won back")}],
                    "else": [_send("win_back_reminder")],
                },
            ),
            reentry_days=365,
            holdout_percent=10,
        ),
        ReadyMade(
            "birthday",
            _("Birthday greeting with a gift"),
            _(
                "On the customer's birthday at 10:00 in their time zone, a greeting with a "
                "personal discount code."
            ),
            {"type": "birthday", "days_before": 0},
            (
                _wait(at_time="10:00"),
                {
                    "type": "promo",
                    "discount": "percent",
                    "value": 7,
                    "valid_days": 60,
                    "prefix": "BDAY",
                },
                _send("birthday"),
            ),
        ),
        ReadyMade(
            "new_baby",
            _("New baby in the family"),
            _(
                "Congratulates a customer on the birth of a child; three months later offers "
                "family tours with a child seat in every transfer."
            ),
            {"type": "life_event", "kind": "child_born"},
            (_send("baby_congrats"), _wait(days=90, at_time="10:00"), _send("baby_family_tours")),
        ),
        ReadyMade(
            "complaint_follow_up",
            _("Complaint follow-up"),
            _("Two days after a complaint is resolved, asks the customer whether all is well now."),
            {"type": "complaint_resolved"},
            (_wait(days=2, at_time="11:00"), _send("complaint_check", "service")),
        ),
        ReadyMade(
            "vip_at_risk",
            _("High-value customer at risk"),
            _(
                "When an A-class customer (the top of revenue) moves to the RFM segment “At "
                "risk”, plans a call for their manager the same day."
            ),
            {
                "type": "rfm_segment_changed",
                "to": "at_risk",
                "filter": {"field": "metrics.abc_class", "op": "eq", "value": "A"},
            },
            (
                {
                    "type": "task",
                    "kind": "call",
                    "due_in_hours": 4,
                    "subject": _("Call a high-value customer who is at risk of leaving"),
                    "notes": _(
                        "The customer has moved to the RFM segment “At risk”. Ask how their last "
                        "trip went, what they are planning next, and what would bring them back."
                    ),
                },
            ),
            reentry_days=90,
        ),
    )
}


def _worded(value: Any) -> Any:
    """The data with its interface strings worded in the active language."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _worded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_worded(v) for v in value]
    return value


def scenario_data(key: str) -> dict[str, Any]:
    """What scenario_create takes to make the ready-made scenario `key` (KeyError if none)."""
    ready = READY[key]
    return {
        "name": str(ready.name),
        "description": str(ready.description),
        "trigger": _worded(ready.trigger),
        "steps": _worded(ready.steps),
        "reentry_days": ready.reentry_days,
        "holdout_percent": ready.holdout_percent,
    }
