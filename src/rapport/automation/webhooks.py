"""The webhook step: a signed JSON POST to an integrator (core/outbound.py), made by the runner
before the step's transaction and recorded in it, so that no database lock is held while the
receiver takes its time (SQLite would keep every other writer waiting).

The call may happen twice for one run × step — a worker killed between the answer and the
commit, or an answer lost to a timeout — so every attempt carries the same delivery id,
`run<run id>-<step path>`, and a receiver acts once per id. A refusal (a private address, a
redirect, a 4xx, no secret configured) fails the step, visibly, and the run goes on; a
failure worth retrying (a timeout, a 5xx) raises, and the runner retries with backoff until
it fails the run after MAX_ATTEMPTS.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from rapport.automation.models import Run, RunStep
from rapport.core.outbound import OutboundRefused, post_json

TIMEOUT = 10.0  # seconds a receiver has to answer, all told


@dataclass(frozen=True)
class Answer:
    """What the call came to, kept until the step's transaction records it."""

    delivery: str
    status: int | None = None
    elapsed_ms: int = 0
    refused: str = ""  # a reason code of core.outbound
    message: str = ""


def delivery_id(run: Run) -> str:
    return f"run{run.pk}-{run.position}"


def payload(run: Run, step: dict[str, Any]) -> dict[str, Any]:
    """What the receiver gets: whom and what the run is about, then the step's own fields."""
    contact = run.contact
    event = run.event
    return {
        "scenario": {"id": run.scenario_id, "name": run.scenario.name},
        "run": {"id": run.pk, "step": run.position, "version": run.version.number},
        "contact": {
            "id": contact.pk,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "phone": contact.phone,
        },
        "event": None
        if event is None
        else {
            "id": event.pk,
            "name": event.name,
            "properties": event.properties,
            "occurred_at": event.occurred_at,
        },
        **(step.get("payload") or {}),
    }


def call(run: Run, step: dict[str, Any]) -> Answer:
    """Make the call (outside any transaction); OutboundFailed propagates for a retry."""
    delivery = delivery_id(run)
    try:
        result = post_json(
            step["url"],
            payload(run, step),
            secret=settings.RAPPORT_WEBHOOK_SECRET,
            delivery_id=delivery,
            timeout=TIMEOUT,
        )
    except OutboundRefused as exc:
        return Answer(delivery, exc.status, refused=exc.reason_code, message=exc.message)
    return Answer(delivery, result.status, result.elapsed_ms)


def record(answer: Answer) -> tuple[str, dict[str, Any]]:
    """The step's outcome and detail for its RunStep row."""
    if answer.refused:
        return RunStep.Outcome.FAILED, {
            "reason": answer.refused,
            "status": answer.status,
            "error": answer.message,
            "delivery": answer.delivery,
        }
    return RunStep.Outcome.DONE, {
        "status": answer.status,
        "elapsed_ms": answer.elapsed_ms,
        "delivery": answer.delivery,
    }
