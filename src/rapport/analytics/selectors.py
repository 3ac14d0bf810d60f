"""Reads of stored analytics for pages and the API, scoped to what the viewer may see."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities.models import Activity
from rapport.analytics import acquisition, labels
from rapport.analytics.loaders import frame
from rapport.analytics.models import (
    AcquisitionMonth,
    AnalyticsRun,
    CrossSellPair,
    CustomerMetrics,
    ReportSnapshot,
    RfmSegmentHistory,
)
from rapport.analytics.refresh.forecasts import forecast_payload
from rapport.analytics.services import load_spend
from rapport.catalog.models import Product
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions, visibility
from rapport.sales.models import Deal, DealStageChange, Lead, LeadSource, LeadStatusChange
from rapport.sales.selectors import deals_for
from rapport.service.models import Complaint


def require_reader(user: Any) -> None:
    """Refuse a viewer the rule gives no figures (the web pages and the API alike)."""
    if not permissions.allows(user, "analytics", "view"):
        raise PermissionError(_("Your role cannot read the analytics reports."))


def allowed_owner_ids(user: Any, *, team_id: int | None, owner_id: int | None) -> list[int] | None:
    """The lead owners whose cells the viewer may read (None = everyone's); refuses a viewer
    who may read no figures at all."""
    require_reader(user)
    allowed: list[int] | None = None
    if permissions.reach(user, "analytics", "view") == "team":
        allowed = list(user.colleague_ids)
    if team_id:
        team = list(get_user_model().objects.filter(team_id=team_id).values_list("pk", flat=True))
        allowed = team if allowed is None else [pk for pk in allowed if pk in team]
    if owner_id:
        allowed = [owner_id] if allowed is None or owner_id in allowed else []
    return allowed


def acquisition_report(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    by: str = "source_id",
    model: str = "first_touch",
    team_id: int | None = None,
    owner_id: int | None = None,
) -> dict[str, Any]:
    """The acquisition table from the stored monthly cells, grouped `by` source_id, channel,
    campaign, owner_id or month, with every ratio (`acquisition.with_ratios`), the rows'
    labels, and whether spend is shown (only to those who see the whole business)."""
    owners = allowed_owner_ids(user, team_id=team_id, owner_id=owner_id)
    table = AcquisitionMonth._meta.db_table
    sql = (
        "SELECT month, source_id, campaign, owner_id, leads, qualified, converted, deals_won, "  # noqa: S608
        "new_customers, revenue_first_touch, revenue_last_touch, revenue_linear "
        f"FROM {table} WHERE month >= %s AND month <= %s"
    )
    params: list[Any] = [start.replace(day=1), end]
    if owners is not None:
        if not owners:
            sql += " AND 1 = 0"
        else:
            sql += f" AND owner_id IN ({', '.join(['%s'] * len(owners))})"
            params += owners
    facts = frame(
        sql,
        params,
        {
            "month": pl.Date,
            "source_id": pl.Int64,
            "campaign": pl.String,
            "owner_id": pl.Int64,
            "leads": pl.Int64,
            "qualified": pl.Int64,
            "converted": pl.Int64,
            "deals_won": pl.Int64,
            "new_customers": pl.Int64,
            "revenue_first_touch": pl.Float64,
            "revenue_last_touch": pl.Float64,
            "revenue_linear": pl.Float64,
        },
    )
    # Spend belongs to a source, not to a manager: it is shown only for the whole business.
    spend = (
        load_spend(settings.RAPPORT_DEFAULT_CURRENCY)
        if owners is None
        else pl.DataFrame(
            schema={
                "source_id": pl.Int64,
                "period_start": pl.Date,
                "period_end": pl.Date,
                "amount": pl.Float64,
            }
        )
    )
    if by == "channel":  # the report by source, summed per kind of source
        by_source = acquisition.report(
            facts, spend, start=start, end=end, by="source_id", model=model
        )
        kinds = dict(LeadSource.objects.values_list("pk", "kind"))
        rows = acquisition.by_channel(by_source, kinds)
        labels: dict[Any, str] = {k: str(v) for k, v in LeadSource.Kind.choices}
    else:
        rows = acquisition.report(facts, spend, start=start, end=end, by=by, model=model)
        labels = _labels(by, rows)
    run = AnalyticsRun.objects.filter(kind="acquisition").first()
    return {
        "rows": rows,
        "labels": labels,
        "currency": settings.RAPPORT_DEFAULT_CURRENCY,
        "computed_at": run.computed_at if run else None,
        "spend_shown": owners is None,
    }


def _labels(by: str, rows: pl.DataFrame) -> dict[Any, str]:
    keys = [k for k in rows[by].to_list() if k is not None] if len(rows) else []
    if by == "source_id":
        return dict(LeadSource.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "owner_id":
        users = get_user_model().objects.filter(pk__in=keys)
        return {u.pk: str(u) for u in users}
    return {k: str(k) for k in keys}


@dataclass
class Funnel:
    deals: int  # deals of the pipeline counted (those the viewer may see, created in the period)
    stages: list[dict[str, Any]]  # acquisition.stage_funnel's rows


def pipeline_funnel(
    user: Any, pipeline: Any, *, start: dt.date | None = None, end: dt.date | None = None
) -> Funnel:
    """How far the viewer's deals of `pipeline` created between `start` and `end` (days,
    both included, either open) got, stage by stage: the one funnel of the page and the API."""
    deals = deals_for(user).filter(pipeline=pipeline)
    if start:
        deals = deals.filter(created_at__date__gte=start)
    if end:
        deals = deals.filter(created_at__date__lte=end)
    changes_qs = DealStageChange.objects.filter(deal__in=deals.values("pk")).values_list(
        "deal_id", "from_stage_id", "to_stage_id", "seconds_in_previous"
    )
    sql, params = changes_qs.query.sql_with_params()
    changes = frame(
        sql,
        list(params),
        {
            "deal_id": pl.Int64,
            "from_stage_id": pl.Int64,
            "to_stage_id": pl.Int64,
            "seconds_in_previous": pl.Int64,
        },
    )
    stages = pl.DataFrame(
        [  # a built-in stage's name in the reader's language (Stage.label)
            (s.pk, s.label, s.position, s.kind) for s in pipeline.stages.order_by("position", "id")
        ],
        schema={"stage_id": pl.Int64, "name": pl.String, "position": pl.Int64, "kind": pl.String},
        orient="row",
    )
    if stages.is_empty():
        return Funnel(deals=0, stages=[])
    table = acquisition.stage_funnel(changes, stages)
    return Funnel(deals=changes["deal_id"].n_unique(), stages=list(table.iter_rows(named=True)))


# --- customer analytics ----------------------------------------------------------------------


def report_scope(user: Any, *, team_id: int | None = None) -> str | None:
    """The stored reports' audience the viewer reads (reports.scope_column): "all", a team's
    or, for a sales manager without a team, their own; None when the `team` they ask for is
    not theirs (an empty report). Refuses a viewer who may read no figures."""
    require_reader(user)
    if permissions.reach(user, "analytics", "view") == "all":
        return f"team:{team_id}" if team_id else "all"
    own = f"team:{user.team_id}" if user.team_id else f"user:{user.pk}"
    if team_id and f"team:{team_id}" != own:
        return None
    return own


def last_customer_run() -> AnalyticsRun | None:
    """The last customer-metrics refresh that finished."""
    return (
        AnalyticsRun.objects.filter(kind="customers", status=AnalyticsRun.Status.DONE)
        .order_by("-computed_at", "-pk")
        .first()
    )


@dataclass
class StoredReport:
    payload: dict[str, Any] | None  # None: not computed (no refresh yet, or nobody in scope)
    run: AnalyticsRun | None

    @property
    def currency(self) -> str:
        return (
            self.run.currency
            if self.run and self.run.currency
            else settings.RAPPORT_DEFAULT_CURRENCY
        )


def stored_report(
    user: Any, report: str, *, variant: str = "", team_id: int | None = None
) -> StoredReport:
    """The viewer's copy of a report the last refresh stored."""
    scope = report_scope(user, team_id=team_id)
    run = last_customer_run()
    if scope is None or run is None:
        return StoredReport(None, run)
    snapshot = (
        ReportSnapshot.objects.filter(report=report, variant=variant, scope=scope)
        .values_list("payload", flat=True)
        .first()
    )
    return StoredReport(snapshot, run)


def cross_sell(
    user: Any,
    *,
    product_id: int | None,
    basis: str,
    team_id: int | None = None,
    limit: int = 200,
    min_lift: float | None = None,
    min_customers: int | None = None,
) -> list[dict[str, Any]]:
    """Pairs "customers who bought X also bought Y" of the viewer's scope, best lift first
    (optionally only those with at least `min_lift` and `min_customers`)."""
    scope = report_scope(user, team_id=team_id)
    if scope is None:
        return []
    pairs = CrossSellPair.objects.filter(scope=scope, basis=basis)
    if product_id is not None:
        pairs = pairs.filter(product_id=product_id)
    if min_lift is not None:
        pairs = pairs.filter(lift__gte=min_lift)
    if min_customers is not None:
        pairs = pairs.filter(customers__gte=min_customers)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in pairs.order_by("-lift", "-confidence", "product_id", "also_bought_id").values(
            "product_id", "also_bought_id", "support", "confidence", "lift", "customers"
        )[:limit]
    ]
    ids = {r["product_id"] for r in rows} | {r["also_bought_id"] for r in rows}
    names = dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
    for row in rows:
        row["product_name"] = names.get(row["product_id"], "")
        row["also_bought_name"] = names.get(row["also_bought_id"], "")
    return rows


def cross_sell_products(user: Any, *, basis: str, team_id: int | None = None) -> list[Any]:
    """The products that start at least one pair of the viewer's scope (the pairs' filter)."""
    scope = report_scope(user, team_id=team_id)
    if scope is None:
        return []
    starting = CrossSellPair.objects.filter(scope=scope, basis=basis).values("product_id")
    return list(Product.objects.filter(pk__in=starting).order_by("name", "pk"))


def customer_runs(limit: int = 10) -> list[AnalyticsRun]:
    """The last customer-metrics refreshes, newest first, whatever their status (running,
    done, failed): what the refresh page shows."""
    return list(
        AnalyticsRun.objects.filter(kind="customers").order_by("-computed_at", "-pk")[:limit]
    )


def customer_metrics(contact: Any) -> tuple[CustomerMetrics | None, AnalyticsRun | None]:
    """A visible contact's stored metrics (None: no counted purchase as of the last run)."""
    row = CustomerMetrics.objects.filter(contact=contact).select_related("next_best_offer").first()
    return row, last_customer_run()


@dataclass
class Referrers:
    """The viewer's top referrers as the last refresh stored them (`rows`: rank, contact,
    referred_customers, referred_revenue — only contacts the viewer may see) and their
    audience's totals (None: not computed)."""

    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None
    stored: StoredReport


def top_referrers(user: Any, *, team_id: int | None = None) -> Referrers:
    from rapport.contacts.selectors import contacts_for

    stored = stored_report(user, "referrers", team_id=team_id)
    payload = stored.payload or {}
    top = payload.get("top", [])
    people = contacts_for(user).filter(pk__in=[r["contact_id"] for r in top])
    visible = {c.pk: c for c in people}
    rows = [{**r, "contact": visible[r["contact_id"]]} for r in top if r["contact_id"] in visible]
    totals = {k: v for k, v in payload.items() if k != "top"} if stored.payload else None
    computed = stored.run is not None and any(
        step.get("step") == "referral value" for step in stored.run.steps
    )  # a refresh from before referrals were counted stored none
    if totals is None and computed:
        totals = {"referrers": 0, "referred_customers": 0, "referred_revenue": 0.0}
    return Referrers(rows, totals, stored)


def segment_history(contact: Any) -> list[RfmSegmentHistory]:
    return list(RfmSegmentHistory.objects.filter(contact=contact).order_by("entered_on", "pk"))


def forecast(
    user: Any, *, series: str, category_id: int | None, team_id: int | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, StoredReport]:
    """The viewer's stored forecast of `series` (total or one category's) and pipeline. A
    team's category forecast is stored as its history and fitted here, when asked for."""
    variant = f"{series}:{category_id or ''}"
    stored = stored_report(user, "forecast", variant=variant, team_id=team_id)
    payload = stored.payload
    if payload is not None and "points" not in payload and stored.run is not None:
        history = pl.DataFrame(
            payload["history"], schema={"month": pl.String, "value": pl.Float64}
        ).with_columns(pl.col("month").str.to_date())
        months = int(stored.run.settings.get("forecast_months", 12))
        payload = forecast_payload(history, months)
    pipeline = stored_report(user, "forecast", variant="pipeline", team_id=team_id).payload
    return payload, pipeline, stored


def reporting_currency() -> str:
    return str(settings.RAPPORT_DEFAULT_CURRENCY)


MANAGER_FIGURES = [
    "leads",
    "first_response_minutes_median",
    "conversion_rate",
    "deals_won",
    "revenue",
    "average_deal",
    "cycle_days_median",
    "activities_done",
    "activities_overdue",
    "complaints_resolved",
]


def manager_report(
    user: Any, *, start: dt.date, end: dt.date, team_id: int | None = None
) -> list[dict[str, Any]]:
    """Each sales manager's figures over [start, end] (days, both included) and the period of
    equal length before, computed now from their leads, deals, activities (assigned to them)
    and complaints (resolved by them). A sales manager sees their team's managers only."""
    from rapport.analytics.currency import convert
    from rapport.analytics.inputs import load_rates
    from rapport.analytics.maths import managers

    owners = allowed_owner_ids(user, team_id=team_id, owner_id=None)
    people = get_user_model().objects.filter(visibility.sellers_q())
    if owners is not None:
        people = people.filter(pk__in=owners)
    users = list(people.order_by("first_name", "last_name", "pk"))
    if not users:
        return []
    ids = [u.pk for u in users]
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    period_start = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    period_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    since = period_start - (period_end - period_start)
    leads = Lead.objects.filter(owner_id__in=ids, created_at__gte=since, created_at__lt=period_end)
    first_response = (
        LeadStatusChange.objects.filter(lead=OuterRef("pk"))
        .exclude(from_status="")
        .order_by("at")
        .values("at")[:1]
    )
    lead_rows = leads.annotate(first_response_at=Subquery(first_response)).values_list(
        "owner_id", "created_at", "first_response_at", "status"
    )
    lead_frame = pl.DataFrame(
        [(o, c, f, s == "converted") for o, c, f, s in lead_rows],
        schema={
            "owner_id": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
            "first_response_at": pl.Datetime("us", "UTC"),
            "converted": pl.Boolean,
        },
        orient="row",
    )
    deal_rows = (
        Deal.objects.filter(owner_id__in=ids)
        .filter(Q(created_at__lt=period_end) & (Q(closed_at__gte=since) | Q(closed_at=None)))
        .values_list("owner_id", "created_at", "closed_at", "stage__kind", "amount", "currency")
    )
    deal_frame = pl.DataFrame(
        [(o, c, x, k == "won", float(a), cur) for o, c, x, k, a, cur in deal_rows],
        schema={
            "owner_id": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
            "closed_at": pl.Datetime("us", "UTC"),
            "won": pl.Boolean,
            "value": pl.Float64,
            "currency": pl.String,
        },
        orient="row",
    )
    # amounts in the reporting currency at the rate of the day the deal closed (or today)
    priced = convert(
        deal_frame.with_columns(
            pl.coalesce("closed_at", pl.lit(timezone.now().astimezone(dt.UTC)))
            .dt.convert_time_zone(settings.TIME_ZONE)
            .dt.date()
            .alias("ordered_at")
        ),
        load_rates(),
        currency=settings.RAPPORT_DEFAULT_CURRENCY,
    ).orders.rename({"value": "amount"})
    in_period = Q(due_at__gte=since, due_at__lt=period_end) | Q(
        completed_at__gte=since, completed_at__lt=period_end
    )
    activity_rows = (
        Activity.objects.filter(assignee_id__in=ids)
        .filter(in_period)
        .values_list("assignee_id", "due_at", "completed_at", "status")
    )
    activity_frame = pl.DataFrame(
        [(a, due, done if status == "done" else None, status)
         for a, due, done, status in activity_rows],
        schema={"owner_id": pl.Int64, "due_at": pl.Datetime("us", "UTC"),
                "done_at": pl.Datetime("us", "UTC"), "status": pl.String},
        orient="row",
    )  # fmt: skip
    complaint_rows = Complaint.objects.filter(
        assignee_id__in=ids, resolved_at__gte=since, resolved_at__lt=period_end
    ).values_list("assignee_id", "resolved_at")
    complaint_frame = pl.DataFrame(
        list(complaint_rows),
        schema={"owner_id": pl.Int64, "resolved_at": pl.Datetime("us", "UTC")},
        orient="row",
    )
    table = managers.manager_performance(
        start=period_start.astimezone(dt.UTC),
        end=period_end.astimezone(dt.UTC),
        as_of=timezone.now().astimezone(dt.UTC),
        leads=lead_frame,
        deals=priced.select("owner_id", "created_at", "closed_at", "won", "amount"),
        activities=activity_frame,
        complaints=complaint_frame,
        managers=pl.DataFrame({"owner_id": ids}, schema={"owner_id": pl.Int64}),
    )
    by_id = {row["owner_id"]: row for row in table.iter_rows(named=True)}
    rows = []
    for person in users:
        row = by_id.get(person.pk, {})
        rows.append(
            {
                "manager": person.pk,
                "name": person.get_full_name() or person.get_username(),
                "team": person.team_id,
                **{f: row.get(f) for f in MANAGER_FIGURES},
                "previous": {f: row.get(f"{f}_previous") for f in MANAGER_FIGURES},
                "change": {f: row.get(f"{f}_change") for f in MANAGER_FIGURES},
            }
        )
    return rows


def at_risk_customers(
    user: Any, *, team_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The viewer's customers with the most value at risk — lifetime value × churn risk, as
    of the last refresh — highest first, with the churn risk's reason in words. A team's
    customers are those whose owner is in it now (the contact list's `team` filter)."""
    if report_scope(user, team_id=team_id) is None:
        return []
    visible = contacts_for(user)
    if team_id:
        visible = visible.filter(owner__team_id=team_id)
    value_at_risk = ExpressionWrapper(
        Cast("clv_365d", FloatField()) * F("churn_risk"), output_field=FloatField()
    )
    metrics = CustomerMetrics.objects.filter(clv_365d__gt=0, churn_risk__gt=0)
    if visible.query.has_filters():  # no semi-join over every contact for the whole business
        metrics = metrics.filter(contact__in=visible.values("pk"))
    metrics = (
        metrics.annotate(value_at_risk=value_at_risk)
        .select_related("contact", "contact__owner")
        .order_by("-value_at_risk", "contact_id")[:limit]
    )
    return [
        {
            "contact": row.contact,
            "clv": row.clv_365d,
            "churn_risk": row.churn_risk,
            "value_at_risk": row.value_at_risk,
            "reason": labels.churn_text(row.churn_reason),
            "last_purchase": row.last_purchase,
            "rfm_segment": labels.segment_label(row.rfm_segment),
            "currency": row.currency,
        }
        for row in metrics
    ]
