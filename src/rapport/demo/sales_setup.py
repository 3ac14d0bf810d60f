"""The agency's sales set-up: sources, tracking numbers, the web form, assignment rules,
pipelines, lost reasons, the tour catalog and marketing spend.

A few thousand ORM rows, created once and found again on the next run (idempotent by name
or product code). `SalesSetup` carries their ids, as plain numbers and numpy arrays, to the
batch generator (which may run in another process).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum

from rapport.accounts.models import Team
from rapport.analytics.models import AcquisitionMonth
from rapport.catalog.models import Category, Product
from rapport.demo import sales_pools as sp
from rapport.sales.models import (
    AssignmentRule,
    BuiltinStage,
    Deal,
    Lead,
    LeadSource,
    LostReason,
    Order,
    Pipeline,
    SourceSpend,
    Stage,
    TrackingNumber,
    WebForm,
)

SATURDAY_EPOCH_DAY = 2  # 1970-01-03 was a Saturday: departures are on Saturdays
WEEKS_AHEAD = 30  # tours on sale for departures up to about seven months ahead


@dataclass
class SalesSetup:
    """Ids the generator needs, indexed like `sales_pools` (picklable, no Django objects)."""

    source_ids: list[int]
    tracking_ids: list[int]  # per source, 0 when it has no tracking number
    leisure_stages: list[int]  # open, open, open, won, lost
    corporate_stages: list[int]
    leisure_id: int
    corporate_id: int
    lost_reason_ids: list[int]
    order_type_id: int
    lead_type_id: int
    deal_type_id: int
    stage_names: dict[int, tuple[str, str]]  # stage id → (name, kind), for timeline params
    lost_reason_names: dict[int, str]
    # The catalog, numbered locally 0..P-1: Django ids, names and prices in cents.
    product_ids: list[int] = field(default_factory=list)
    product_names: list[str] = field(default_factory=list)
    product_cents: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    first_week_day: int = 0  # epoch day of the first departure Saturday
    # tour[week, destination, variant] = local product number, -1 when not on sale
    tour: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2), np.int64))
    # Destinations on sale per week, repeated by popularity (CSR: offsets into `week_list`).
    week_offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    week_list: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    addons: dict[str, int] = field(default_factory=dict)  # sku → local product number


def _stars(code: str, week: int) -> int:
    return 3 + (sum(map(ord, code)) + week) % 2  # 3★ or 4★ standard hotels, varying by week


@transaction.atomic
def ensure_sales_setup(*, now: dt.datetime, start: dt.datetime) -> SalesSetup:
    """Create what is missing; departures cover `start` to about seven months after `now`."""
    sources = {}
    for s in sp.SOURCES:
        sources[s.key], _ = LeadSource.objects.get_or_create(name=s.name, defaults={"kind": s.kind})
    tracking: dict[str, int] = {}
    for number, key, where in sp.TRACKING_NUMBERS:
        tn, _ = TrackingNumber.objects.get_or_create(
            number=number, defaults={"source": sources[key], "description": where}
        )
        tracking.setdefault(key, tn.pk)
    WebForm.objects.get_or_create(
        slug="tours",
        defaults={
            "name": "Tour enquiry",
            "source": sources["website"],
            "success_message": "Thank you! A travel consultant will call you within an hour.",
        },
    )
    if not AssignmentRule.objects.exists():
        teams = {t.name: t for t in Team.objects.all()}
        AssignmentRule.objects.bulk_create(
            AssignmentRule(
                source=sources[key] if key else None, team=teams[team], position=position
            )
            for position, (key, team) in enumerate(sp.ASSIGNMENT)
            if team in teams
        )
    leisure, leisure_stages = _pipeline("Leisure tours", sp.LEISURE_STAGES, 0, default=True)
    corporate, corporate_stages = _pipeline("Corporate travel", sp.CORPORATE_STAGES, 1)
    reasons = [LostReason.objects.get_or_create(name=name)[0].pk for name in sp.LOST_REASONS]
    setup = SalesSetup(
        source_ids=[sources[s.key].pk for s in sp.SOURCES],
        tracking_ids=[tracking.get(s.key, 0) for s in sp.SOURCES],
        leisure_stages=leisure_stages,
        corporate_stages=corporate_stages,
        leisure_id=leisure.pk,
        corporate_id=corporate.pk,
        lost_reason_ids=reasons,
        order_type_id=ContentType.objects.get_for_model(Order).pk,
        lead_type_id=ContentType.objects.get_for_model(Lead).pk,
        deal_type_id=ContentType.objects.get_for_model(Deal).pk,
        stage_names={
            stage.pk: (stage.name, stage.kind)
            for stage in Stage.objects.filter(pipeline__in=[leisure, corporate])
        },
        lost_reason_names=dict(LostReason.objects.filter(pk__in=reasons).values_list("pk", "name")),
    )
    _ensure_catalog(setup, now=now, start=start)
    return setup


def _pipeline(
    name: str, stages: tuple[tuple[str, int, str], ...], position: int, *, default: bool = False
) -> tuple[Pipeline, list[int]]:
    pipeline = Pipeline.objects.filter(name=name).first()
    if pipeline is None:
        if default:
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        pipeline = Pipeline.objects.create(name=name, position=position, is_default=default)
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                key=key,
                name=BuiltinStage.english(key),
                position=i,
                probability=p,
                kind=kind,
            )
            for i, (key, p, kind) in enumerate(stages)
        )
    by_key = dict(pipeline.stages.values_list("key", "pk"))
    return pipeline, [by_key[key] for key, _, _ in stages]


def _ensure_catalog(setup: SalesSetup, *, now: dt.datetime, start: dt.datetime) -> None:
    categories = {}
    for key, name in sp.CATEGORIES:
        categories[key], _ = Category.objects.get_or_create(name=name, parent=None)
    addon_category, _ = Category.objects.get_or_create(name=sp.ADDON_CATEGORY, parent=None)
    first_day = int(start.timestamp()) // 86400 - 7
    first_day += (SATURDAY_EPOCH_DAY - first_day) % 7
    last_day = int(now.timestamp()) // 86400 + 7 * WEEKS_AHEAD
    weeks = (last_day - first_day) // 7 + 1
    wanted: list[Product] = []
    slots: list[tuple[int, int, int, str]] = []  # week, destination, variant, sku
    for w in range(weeks):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=first_day + 7 * w)
        for d, dest in enumerate(sp.DESTINATIONS):
            if day.month not in dest.months:
                continue
            for variant, stars in enumerate((_stars(dest.code, w), 5)):
                sku = f"demo-tour-{dest.code}-{day.isoformat()}-{'sp'[variant]}"
                euros = dest.per_night * dest.nights * sp.SEASON_PRICE[day.month - 1]
                euros *= (1.0, 0.85, 1.0, 1.7)[stars - 2]
                price = Decimal(round(euros / 5.0) * 5)
                wanted.append(
                    Product(
                        kind=Product.Kind.TOUR,
                        name=f"{dest.name}, {dest.nights} nights, {stars}★, {day:%d.%m.%Y}",
                        sku=sku,
                        category=categories[dest.category],
                        destination=dest.name,
                        departure_date=day,
                        return_date=day + dt.timedelta(days=dest.nights),
                        hotel_category=stars,
                        price=price,
                        currency=sp.CURRENCY,
                    )
                )
                slots.append((w, d, variant, sku))
    for sku, name, euros, _per_person in (
        sp.INSURANCE, sp.INSURANCE_PLUS, sp.TRANSFER, sp.CHILD_SEAT, *sp.EXCURSIONS
    ):  # fmt: skip
        wanted.append(
            Product(
                kind=Product.Kind.ADDON,
                name=name,
                sku=sku,
                category=addon_category,
                price=Decimal(euros),
                currency=sp.CURRENCY,
            )
        )
    existing = set(Product.objects.filter(sku__startswith="demo-").values_list("sku", flat=True))
    Product.objects.bulk_create([p for p in wanted if p.sku not in existing], batch_size=2000)
    rows = list(
        Product.objects.filter(sku__startswith="demo-")
        .order_by("id")
        .values_list("sku", "pk", "name", "price")
    )
    local = {sku: i for i, (sku, _, _, _) in enumerate(rows)}
    setup.product_ids = [pk for _, pk, _, _ in rows]
    setup.product_names = [name for _, _, name, _ in rows]
    setup.product_cents = np.array([int(price * 100) for _, _, _, price in rows], np.int64)
    setup.first_week_day = first_day
    tour = np.full((weeks, len(sp.DESTINATIONS), 2), -1, np.int64)
    for w, d, variant, sku in slots:
        tour[w, d, variant] = local[sku]
    setup.tour = tour
    weights = [max(1, int(dest.weight)) for dest in sp.DESTINATIONS]
    lists = [
        [d for d in range(len(sp.DESTINATIONS)) if tour[w, d, 0] >= 0 for _ in range(weights[d])]
        for w in range(weeks)
    ]
    setup.week_offsets = np.cumsum([0] + [len(x) for x in lists]).astype(np.int64)
    setup.week_list = np.array([d for x in lists for d in x], np.int64)
    setup.addons = {
        sku: local[sku]
        for sku, *_ in (sp.INSURANCE, sp.INSURANCE_PLUS, sp.TRANSFER, sp.CHILD_SEAT, *sp.EXCURSIONS)
    }


def monthly_budgets(revenue: list[float], romi_pct: float) -> list[float]:
    """A source's budget per month, sized so that over the whole history its return on
    marketing is `romi_pct`: half follows the month's revenue (campaigns run in season),
    half is an even base (a steady presence), and the sum is revenue / (1 + ROMI)."""
    if not revenue:
        return []
    total = sum(revenue) / (1 + romi_pct / 100)
    whole = sum(revenue)
    even = total / len(revenue)
    return [0.5 * even + 0.5 * (total * r / whole if whole else even) for r in revenue]


def ensure_spend(setup: SalesSetup, *, customers: int, start: dt.date, today: dt.date) -> int:
    """Monthly marketing spend per paid source over the whole period. A budget is sized from
    the revenue the source's customers brought (the stored first-touch cells, so run it after
    the acquisition refresh) for the source's ROMI in `sales_pools.SOURCES`, which keeps CAC
    and ROMI plausible at every data set size; a source without revenue yet gets its cost per
    expected lead. A month's budget covers the whole month, the current one too; reruns write
    the same amounts."""
    months = []
    month = start.replace(day=1)
    while month <= today:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        months.append((month, following - dt.timedelta(days=1)))
        month = following
    revenue: dict[tuple[int | None, dt.date], float] = {}
    for row in (
        AcquisitionMonth.objects.filter(source_id__in=setup.source_ids)
        .values("source_id", "month")
        .annotate(revenue=Sum("revenue_first_touch"))
    ):
        revenue[(row["source_id"], row["month"])] = float(row["revenue"])
    total_weight = sum(s.first_weight for s in sp.SOURCES)
    written = 0
    for s, source_id in zip(sp.SOURCES, setup.source_ids, strict=True):
        if not s.cost_per_lead:
            continue
        earned = [revenue.get((source_id, first), 0.0) for first, _last in months]
        if sum(earned) > 0:
            budgets = monthly_budgets(earned, s.romi_pct)
        else:
            leads = customers * 0.9 * s.first_weight / total_weight / len(months)
            budgets = [leads * s.cost_per_lead] * len(months)
        for (first, last), budget in zip(months, budgets, strict=True):
            _spend, created = SourceSpend.objects.update_or_create(
                source_id=source_id,
                period_start=first,
                period_end=last,
                currency=sp.CURRENCY,
                defaults={"amount": Decimal(max(1, round(budget))), "note": "Demo budget"},
            )
            written += created
    return written
