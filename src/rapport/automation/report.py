"""What a scenario achieved, every figure read in bulk (a query per figure group, never one
per run or contact):

- runs: entered (every run started, held out or not), held out (the baseline: they entered
  but took no step), and how the others stand: active, finished, exited, failed, cancelled;
- messages: the outbox rows its runs queued (source "scenario:<id>:<run>"): all of them,
  those still waiting to go, sent (handed to the provider), delivered, failed, to review (a
  worker died while handing it over), and skipped by reason (no_consent, capped…); opened
  and clicked: contacts who opened / clicked its tracked e-mails (as in a campaign's report);
- conversions and revenue: entrants who placed an order that counts (booked or paid) within
  the attribution window after entering (campaigns.attribution; exposure = the run's start),
  the treated ones against the held-out ones, and the uplift with its 95 % interval;
- promo codes its promo steps issued, and how many of them were redeemed (used at least once);
- surveys its survey steps made: asked, answered, the average score (1–5) and NPS (0–10) of
  the answers, and the exit survey's answers by reason.
"""

from typing import Any

from django.db.models import Avg, BigIntegerField, Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from rapport.automation.models import Run, RunStatus, RunStep, Scenario
from rapport.campaigns import attribution, config, uplift
from rapport.campaigns.models import Message, MessageStatus, PromoCode
from rapport.campaigns.report import engaged
from rapport.core import permissions
from rapport.service.models import Survey


def messages_of(scenario: Scenario) -> QuerySet[Message]:
    return Message.objects.filter(
        campaign__isnull=True, source__startswith=f"scenario:{scenario.pk}:"
    )


def detail_ids(scenario: Scenario, kind: str, key: str) -> QuerySet[Any]:
    """The ids its steps of `kind` recorded under `key` of their detail, as a subquery."""
    return (
        RunStep.objects.filter(run__scenario=scenario, kind=kind, outcome=RunStep.Outcome.DONE)
        .annotate(_id=Cast(KT(f"detail__{key}"), BigIntegerField()))
        .values("_id")
    )


def _runs(scenario: Scenario) -> dict[str, int]:
    took_part = Q(holdout=False)
    counts = Run.objects.filter(scenario=scenario).aggregate(
        entered=Count("pk"),
        held_out=Count("pk", filter=Q(holdout=True)),
        active=Count("pk", filter=took_part & Q(status=RunStatus.ACTIVE)),
        finished=Count("pk", filter=took_part & Q(status=RunStatus.DONE)),
        exited=Count("pk", filter=took_part & Q(status=RunStatus.EXITED)),
        failed=Count("pk", filter=took_part & Q(status=RunStatus.FAILED)),
        cancelled=Count("pk", filter=took_part & Q(status=RunStatus.CANCELLED)),
    )
    return {key: int(value) for key, value in counts.items()}


def _messages(scenario: Scenario) -> dict[str, Any]:
    messages = messages_of(scenario)
    counts = messages.aggregate(
        queued=Count("pk"),
        waiting=Count("pk", filter=Q(status__in=(MessageStatus.QUEUED, MessageStatus.SENDING))),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        delivered=Count("pk", filter=Q(status=MessageStatus.DELIVERED)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        to_review=Count("pk", filter=Q(status=MessageStatus.REVIEW)),
        **engaged(),
    )
    skipped = (
        messages.filter(status=MessageStatus.SKIPPED)
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    return {
        **{key: int(value) for key, value in counts.items()},
        "skipped": {str(reason): int(n) for reason, n in sorted(skipped)},
    }


TREATED, HOLDOUT = "treated", "holdout"
DIGITS = 4


def _exposures(scenario: Scenario) -> QuerySet[Any]:
    """(contact, entered at, group) of every run: held out or treated."""
    group = Case(When(holdout=True, then=Value(HOLDOUT)), default=Value(TREATED))
    return (
        Run.objects.filter(scenario=scenario)
        .order_by()
        .annotate(_at=attribution.Epoch("started_at"), _group=Cast(group, CharField()))
        .values_list("contact_id", "_at", "_group")
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _group_json(group: uplift.Group) -> dict[str, Any]:
    return {
        "contacts": group.contacts,
        "conversions": group.conversions,
        "rate": _rate(group.rate),
        "revenue": str(group.revenue.quantize(uplift.CENT)),
    }


def _conversions(scenario: Scenario) -> dict[str, Any]:
    days = config.attribution_days()
    measured = attribution.measure(_exposures(scenario), days=days)
    treated, held = measured.group(TREATED), measured.group(HOLDOUT)
    compared = uplift.uplift(treated, held)
    return {
        "attribution_days": days,
        "currency": measured.currency,
        "left_out": measured.left_out,
        "treated": _group_json(treated),
        "holdout": _group_json(held),
        "uplift": {
            "rate": _rate(compared.rate) if compared else None,
            "low": _rate(compared.low) if compared else None,
            "high": _rate(compared.high) if compared else None,
            "incremental_revenue": str(compared.incremental_revenue) if compared else None,
        },
    }


def _promo_codes(scenario: Scenario) -> dict[str, int]:
    counts = PromoCode.objects.filter(pk__in=detail_ids(scenario, "promo", "promo_code")).aggregate(
        issued=Count("pk"), redeemed=Count("pk", filter=Q(used__gt=0))
    )
    return {key: int(value) for key, value in counts.items()}


def _average(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _surveys(scenario: Scenario) -> dict[str, Any]:
    surveys = Survey.objects.filter(pk__in=detail_ids(scenario, "survey", "survey"))
    answered = Q(answered_at__isnull=False)
    counts = surveys.aggregate(
        asked=Count("pk"),
        answered=Count("pk", filter=answered),
        average_score=Avg("score", filter=answered),
        average_nps=Avg("nps", filter=answered),
    )
    reasons = (
        surveys.filter(answered)
        .exclude(reason="")
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    return {
        "asked": int(counts["asked"]),
        "answered": int(counts["answered"]),
        "average_score": _average(counts["average_score"]),
        "average_nps": _average(counts["average_nps"]),
        "exit_reasons": {str(reason): int(n) for reason, n in sorted(reasons)},
    }


def may_read_report(user: Any) -> bool:
    """The report's conversions and revenue are business-wide figures: for the roles whose
    figures reach everything (administrator, marketer, analyst), not those who read their
    team's (sales managers) or none (service agents)."""
    return permissions.reach(user, "analytics", "view") == "all"


def scenario_report(scenario: Scenario) -> dict[str, Any]:
    """The report's figures (the module docstring says what each counts)."""
    return {
        "runs": _runs(scenario),
        "messages": _messages(scenario),
        "conversions": _conversions(scenario),
        "promo_codes": _promo_codes(scenario),
        "surveys": _surveys(scenario),
    }
