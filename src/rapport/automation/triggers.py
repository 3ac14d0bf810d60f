"""What can start a scenario: the trigger types, their parameters and how an event matches.

Two families:

- **event** triggers fire on an `Event` row (copied by the intake from the timeline, segment
  changes, RFM history and life events, or posted through the API): `names` are the event
  names they listen to and `matches` decides on the event's properties.
- **scan** triggers fire on a date reached (a birthday N days ahead, a trip that ended N days
  ago, no purchase for N days, churn risk above a threshold): `scans.py` finds the contacts
  with an indexed query, and the occasion key (the birthday's year, the order) makes each
  fire once.

Every trigger may also carry `filter`, a segment rule the contact must match when the run
would start (the segment compiler decides it, in the same query for a whole batch).
"""

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import LifeEvent

CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class Param:
    """One parameter of a trigger or step: its type and limits."""

    kind: str  # "int", "number", "text", "choice", "segment", "date_field", "rfm_segment"
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # the words for `choices` where the shared ones (wording.CHOICE_LABELS) would be wrong
    labels: Mapping[str, Promise] | None = None


@dataclass(frozen=True)
class TriggerType:
    key: str
    label: Promise
    family: str  # "event" or "scan"
    names: tuple[str, ...] = ()
    params: Mapping[str, Param] = field(default_factory=dict)
    matches: Callable[[Mapping[str, Any], Mapping[str, Any]], bool] = lambda props, params: True


LIFE_EVENT_KIND = Param(
    "choice", choices=tuple(LifeEvent.Kind.values), labels=dict(LifeEvent.Kind.choices)
)


def _status_became(status: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
    return lambda props, params: props.get("new") == status


def _stage(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    stage = params.get("stage")
    pipeline = params.get("pipeline")
    if stage is not None and props.get("to_stage") != stage:
        return False
    return pipeline is None or props.get("pipeline") == pipeline


def _segment(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    return bool(props.get("segment") == params.get("segment"))


def _rfm(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    wanted = params.get("to")
    return not wanted or props.get("to") == wanted


def _life_event(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    wanted = params.get("kind")
    return not wanted or props.get("kind") == wanted


def _survey(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    kind = params.get("kind")
    if kind and props.get("kind", "complaint_csat") != kind:
        return False
    score = props.get("score")
    below = params.get("score_below")
    at_least = params.get("score_at_least")
    if below is not None and (score is None or score >= below):
        return False
    return at_least is None or (score is not None and score >= at_least)


def _custom(props: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    return True  # the event's name already is the custom name (see names_for)


DAYS = Param("int", required=True, minimum=0, maximum=3650)

TRIGGERS: dict[str, TriggerType] = {
    t.key: t
    for t in (
        TriggerType("order_placed", _("An order is placed"), "event", ("order.placed",)),
        TriggerType(
            "order_paid",
            _("An order is paid"),
            "event",
            ("order.status_changed",),
            matches=_status_became("paid"),
        ),
        TriggerType(
            "order_cancelled",
            _("An order is cancelled"),
            "event",
            ("order.status_changed",),
            matches=_status_became("cancelled"),
        ),
        TriggerType("lead_created", _("A lead comes in"), "event", ("lead.enquiry",)),
        TriggerType(
            "deal_stage_changed",
            _("A deal moves to a stage"),
            "event",
            ("deal.stage_changed", "deal.won", "deal.lost"),
            {"pipeline": Param("int"), "stage": Param("int")},
            _stage,
        ),
        TriggerType(
            "segment_entered",
            _("The contact enters a segment"),
            "event",
            ("segment.entered",),
            {"segment": Param("segment", required=True)},
            _segment,
        ),
        TriggerType(
            "segment_left",
            _("The contact leaves a segment"),
            "event",
            ("segment.left",),
            {"segment": Param("segment", required=True)},
            _segment,
        ),
        TriggerType(
            "rfm_segment_changed",
            _("The customer's RFM segment changes"),
            "event",
            ("rfm.entered",),
            {"to": Param("rfm_segment")},
            _rfm,
        ),
        TriggerType(
            "life_event",
            _("A life event is recorded"),
            "event",
            ("life_event.recorded",),
            {"kind": LIFE_EVENT_KIND},
            _life_event,
        ),
        TriggerType(
            "complaint_resolved", _("A complaint is resolved"), "event", ("complaint.resolved",)
        ),
        TriggerType(
            "survey_answered",
            _("A survey is answered"),
            "event",
            ("survey.answered",),
            {
                "kind": Param("text"),
                "score_below": Param("int", minimum=0, maximum=11),
                "score_at_least": Param("int", minimum=0, maximum=10),
            },
            _survey,
        ),
        TriggerType(
            "custom_event",
            _("A custom event arrives (API)"),
            "event",
            (),
            {"name": Param("text", required=True)},
            _custom,
        ),
        TriggerType(
            "birthday",
            _("Birthday is N days ahead"),
            "scan",
            (),
            {"days_before": Param("int", required=True, minimum=0, maximum=60)},
        ),
        TriggerType(
            "date_ahead",
            _("A date field is N days ahead"),
            "scan",
            (),
            {
                "field": Param("date_field", required=True),
                "days_before": Param("int", required=True, minimum=0, maximum=365),
            },
        ),
        TriggerType(
            "trip_returned",
            _("A trip ended N days ago"),
            "scan",
            (),
            {"days_after": Param("int", required=True, minimum=0, maximum=365)},
        ),
        TriggerType(
            "trip_departing",
            _("A trip starts in N days"),
            "scan",
            (),
            {"days_before": Param("int", required=True, minimum=0, maximum=365)},
        ),
        TriggerType(
            "no_purchase",
            _("No purchase for N days"),
            "scan",
            (),
            {"days": Param("int", required=True, minimum=1, maximum=3650)},
        ),
        TriggerType(
            "churn_risk_above",
            _("Churn risk rises above a threshold"),
            "scan",
            (),
            {"threshold": Param("number", required=True, minimum=0, maximum=1)},
        ),
    )
}


def names_for(trigger: Mapping[str, Any]) -> tuple[str, ...]:
    """The event names a (valid) trigger listens to."""
    kind = TRIGGERS[trigger["type"]]
    if kind.key == "custom_event":
        return (CUSTOM_PREFIX + str(trigger.get("name", "")),)
    return kind.names


def matches(trigger: Mapping[str, Any], name: str, properties: Mapping[str, Any]) -> bool:
    return matcher(trigger)(name, properties)


def matcher(trigger: Mapping[str, Any]) -> Callable[[str, Mapping[str, Any]], bool]:
    """`matches` for one trigger, asked of many events: the trigger is read once."""
    kind = TRIGGERS.get(trigger.get("type", ""))
    if kind is None or kind.family != "event":
        return lambda name, properties: False
    names = frozenset(names_for(trigger))
    decide = kind.matches
    return lambda name, properties: name in names and decide(properties, trigger)


class Properties(Mapping[str, Any]):
    """An event's properties as read from the database (JSON text), decoded when a trigger
    first looks at them: most do not (an order placed is an order placed), and decoding
    every event of a storm cost a tenth of its intake."""

    __slots__ = ("_data", "_raw")

    def __init__(self, raw: str | None) -> None:
        self._raw = raw
        self._data: dict[str, Any] | None = None

    def _decoded(self) -> dict[str, Any]:
        if self._data is None:
            value = json.loads(self._raw) if self._raw else None
            self._data = value if isinstance(value, dict) else {}
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())
