"""Batch refreshes that turn raw sales data into stored analytics."""

import datetime as dt
import time
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.analytics import acquisition
from rapport.analytics.loaders import frame
from rapport.analytics.models import AcquisitionMonth, AnalyticsRun
from rapport.sales.models import Deal, Lead, Order, OrderStatus, SourceSpend, Stage

# Orders that did not fall through count as revenue.
REVENUE_STATUSES = [OrderStatus.BOOKED, OrderStatus.PAID]


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def load_acquisition_inputs(as_of: dt.date, currency: str) -> dict[str, pl.DataFrame]:
    until = _end_of_day(as_of)
    lead = Lead._meta.db_table
    leads = frame(
        f"SELECT id, contact_id, created_at, source_id, utm_campaign, owner_id, status "  # noqa: S608
        f"FROM {lead} WHERE created_at <= %s",
        [until],
        {
            "lead_id": pl.Int64,
            "contact_id": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
            "source_id": pl.Int64,
            "campaign": pl.String,
            "owner_id": pl.Int64,
            "status": pl.String,
        },
    )
    deals = frame(
        f"SELECT d.lead_id, s.kind = 'won' FROM {Deal._meta.db_table} d "  # noqa: S608
        f"JOIN {Stage._meta.db_table} s ON s.id = d.stage_id WHERE d.lead_id IS NOT NULL",
        [],
        {"lead_id": pl.Int64, "won": pl.Boolean},
    )
    orders = frame(
        f"SELECT id, contact_id, order_date, total FROM {Order._meta.db_table} "  # noqa: S608
        "WHERE order_date <= %s AND currency = %s AND status IN (%s, %s)",
        [until, currency, *REVENUE_STATUSES],
        {
            "order_id": pl.Int64,
            "contact_id": pl.Int64,
            "order_date": pl.Datetime("us", "UTC"),
            "total": pl.Float64,
        },
    )
    return {"leads": leads, "deals": deals, "orders": orders}


def load_spend(currency: str) -> pl.DataFrame:
    return frame(
        f"SELECT source_id, period_start, period_end, amount FROM {SourceSpend._meta.db_table} "  # noqa: S608
        "WHERE currency = %s",
        [currency],
        {
            "source_id": pl.Int64,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "amount": pl.Float64,
        },
    )


def refresh_acquisition(*, as_of: dt.date | None = None) -> AnalyticsRun:
    """Recompute the monthly acquisition cells from leads, deals and orders up to `as_of`."""
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    currency = settings.RAPPORT_DEFAULT_CURRENCY
    inputs = load_acquisition_inputs(as_of, currency)
    facts = acquisition.monthly_facts(inputs["leads"], inputs["deals"], inputs["orders"])
    # Polars sums money as float64 (exact to the cent far beyond any agency's revenue);
    # each stored cell is rounded back to a Decimal of cents.
    cents = Decimal("0.01")
    rows = [
        AcquisitionMonth(
            month=r["month"],
            source_id=r["source_id"],
            campaign=r["campaign"] or "",
            owner_id=r["owner_id"],
            currency=currency,
            leads=r["leads"],
            qualified=r["qualified"],
            converted=r["converted"],
            deals_won=r["deals_won"],
            new_customers=r["new_customers"],
            revenue_first_touch=Decimal(str(r["revenue_first_touch"])).quantize(cents),
            revenue_last_touch=Decimal(str(r["revenue_last_touch"])).quantize(cents),
            revenue_linear=Decimal(str(r["revenue_linear"])).quantize(cents),
        )
        for r in facts.iter_rows(named=True)
    ]
    with transaction.atomic():
        AcquisitionMonth.objects.all().delete()
        AcquisitionMonth.objects.bulk_create(rows, batch_size=5000)
        run, _created = AnalyticsRun.objects.update_or_create(
            kind="acquisition",
            defaults={
                "as_of": as_of,
                "computed_at": timezone.now(),
                "seconds": time.perf_counter() - started,
                "rows_read": sum(len(f) for f in inputs.values()),
                "note": currency,
            },
        )
    return run
