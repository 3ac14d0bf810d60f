"""A campaign's report: what its messages did, who answered or left, and what it earned
compared with its holdout (definitions in docs/campaigns.md).

- sent: messages that went out (`sent_at` set, whatever a receipt said later); delivered
  and failed: their status now; skipped: per reason (holdout included).
- opened, clicked: contacts who opened (loaded the open pixel of, or clicked in) one of its
  tracked e-mails, and who clicked one of their links; each person counts once however often
  they came back (MessageEvent, campaigns/tracking.py). Text-only mail, SMS and messengers
  are not tracked; opens count mail scanners and privacy proxies too (docs/campaigns.md).
- unsubscribed: contacts who withdrew a consent through the unsubscribe link of one of the
  campaign's messages (a ConsentEvent with source "unsubscribe" whose evidence names it).
- replied: contacts who were sent a message and replied on its channel (SMS, messenger; a
  `campaign.reply` on their timeline) within the attribution window after it.
- treated: contacts sent a message, exposed when it went out; holdout: those held out at
  launch, exposed at the launch. Conversions, revenue and uplift: `attribution` and `uplift`.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat

from rapport.analytics.selectors import reporting_currency
from rapport.campaigns import attribution, config, uplift
from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.models import Campaign, Message, MessageEvent, MessageStatus, SkipReason
from rapport.campaigns.unsubscribe import SOURCE as UNSUBSCRIBE
from rapport.contacts.models import ConsentEvent
from rapport.timeline.models import Interaction

HOLDOUT = "holdout"
TREATED = "treated"
DIGITS = 6  # rates and their interval, as fractions


def _variant_group(variant_id: int) -> str:
    return f"variant:{variant_id}"


def _exposures(campaign: Campaign) -> Any:
    """(contact, exposed at, group) of the campaign's treated and held-out contacts: a
    message that went out exposes its contact when it was sent (in its variant's group when
    it has one), a holdout row at the launch that drew it."""
    group = Case(
        When(reason=SkipReason.HOLDOUT, status=MessageStatus.SKIPPED, then=Value(HOLDOUT)),
        When(
            variant__isnull=False,
            then=Concat(Value("variant:"), Cast("variant_id", CharField())),
        ),
        default=Value(TREATED),
        output_field=CharField(),
    )
    return (
        Message.objects.filter(campaign=campaign)
        .filter(Q(sent_at__isnull=False) | Q(status=MessageStatus.SKIPPED, reason=HOLDOUT))
        .order_by()
        .annotate(_at=attribution.Epoch(Coalesce("sent_at", "created_at")), _group=group)
        .values_list("contact_id", "_at", "_group")
    )


def _unsubscribed(campaign: Campaign) -> int:
    named = (
        Message.objects.filter(campaign=campaign, contact_id=OuterRef("contact_id"))
        .annotate(_tag=Concat(Value("message #"), Cast("pk", CharField())))
        .filter(_tag=OuterRef("evidence"))
    )
    return (
        ConsentEvent.objects.filter(source=UNSUBSCRIBE)
        .filter(Exists(named))
        .values("contact_id")
        .distinct()
        .count()
    )


def _replied(campaign: Campaign, days: int) -> int:
    reply = Interaction.objects.filter(
        contact_id=OuterRef("contact_id"),
        kind=kinds.REPLY,
        channel=OuterRef("channel"),
        occurred_at__gte=OuterRef("sent_at"),
        occurred_at__lt=ExpressionWrapper(
            OuterRef("sent_at") + Value(dt.timedelta(days=days)), output_field=DateTimeField()
        ),
    )
    return (
        Message.objects.filter(campaign=campaign, sent_at__isnull=False)
        .filter(Exists(reply))
        .values("contact_id")
        .distinct()
        .count()
    )


def engaged() -> dict[str, Count]:
    """Aggregates over messages: contacts who opened (any event: a click writes its open
    too) and who clicked, each counted once."""
    events = MessageEvent.objects.filter(message=OuterRef("pk"))
    return {
        "opened": Count("contact_id", distinct=True, filter=Exists(events)),
        "clicked": Count(
            "contact_id",
            distinct=True,
            filter=Exists(events.filter(kind=MessageEvent.Kind.CLICK)),
        ),
    }


def _engaged_by_variant(messages: QuerySet[Message]) -> dict[int | None, dict[str, int]]:
    rows = messages.order_by().values_list("variant_id").annotate(**engaged())
    return {variant: {"opened": opened, "clicked": clicked} for variant, opened, clicked in rows}


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _group_json(group: uplift.Group) -> dict[str, Any]:
    return {
        "contacts": group.contacts,
        "conversions": group.conversions,
        "rate": _rate(group.rate),
    }


def cost_json(campaign: Campaign) -> dict[str, str] | None:
    """The campaign's cost as money, in the reporting currency; None when not given."""
    if campaign.cost is None:
        return None
    return {"amount": str(campaign.cost.quantize(uplift.CENT)), "currency": reporting_currency()}


def _romi(gain: Decimal | None, cost: Decimal | None) -> float | None:
    """(gain − cost) / cost: what each unit spent returned over itself."""
    if gain is None or not cost:
        return None
    return round(float((gain - cost) / cost), 4)


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """The report's figures (the module docstring defines each)."""
    days = config.attribution_days()
    messages = Message.objects.filter(campaign=campaign)
    counts = messages.aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        delivered=Count("pk", filter=Q(status=MessageStatus.DELIVERED)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        **engaged(),
    )
    skipped = dict(
        messages.filter(status=MessageStatus.SKIPPED)
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    measured = attribution.measure(_exposures(campaign), days=days)
    variants = list(campaign.variants.order_by("position", "id"))
    treated_groups = [TREATED, *(_variant_group(v.pk) for v in variants)]
    treated = measured.combined(treated_groups)
    holdout = measured.group(HOLDOUT)
    compared = uplift.uplift(treated, holdout)
    by_variant = _engaged_by_variant(messages) if variants else {}
    nothing = {"opened": 0, "clicked": 0}
    return {
        "sent": int(counts["sent"]),
        "delivered": int(counts["delivered"]),
        "failed": int(counts["failed"]),
        "skipped": {str(reason): int(n) for reason, n in sorted(skipped.items())},
        "opened": int(counts["opened"]),
        "clicked": int(counts["clicked"]),
        "unsubscribed": _unsubscribed(campaign),
        "replied": _replied(campaign, days),
        "conversions": treated.conversions,
        "revenue": {
            "amount": str(treated.revenue.quantize(uplift.CENT)),
            "currency": measured.currency,
            "left_out": measured.left_out,
        },
        "holdout": _group_json(holdout),
        "treated": _group_json(treated),
        "uplift": {
            "rate": _rate(compared.rate) if compared else None,
            "low": _rate(compared.low) if compared else None,
            "high": _rate(compared.high) if compared else None,
            "incremental_revenue": str(compared.incremental_revenue) if compared else None,
        },
        "variants": [
            {
                "name": v.name,
                "sent": measured.group(_variant_group(v.pk)).contacts,
                "conversions": measured.group(_variant_group(v.pk)).conversions,
                "rate": _rate(measured.group(_variant_group(v.pk)).rate),
                **by_variant.get(v.pk, nothing),
            }
            for v in variants
        ],
        "attribution_days": days,
        "cost": cost_json(campaign),
        "romi": _romi(treated.revenue, campaign.cost),
        "incremental_romi": _romi(
            compared.incremental_revenue if compared else None, campaign.cost
        ),
    }
