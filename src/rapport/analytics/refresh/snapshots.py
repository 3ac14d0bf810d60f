"""The refresh's stored reports per audience: RFM grid, ABC/XYZ matrices, CLV distribution,
cohorts and top referrers, as report snapshot rows.
"""

import datetime as dt
from typing import Any

import polars as pl

from rapport.analytics import config, reports, writers
from rapport.analytics.maths import abcxyz, cohorts, money, referrals, rfm
from rapport.analytics.refresh.classes import abc_xyz_classes

TOP_REFERRERS = 100  # referrers kept in each audience's stored list
SNAPSHOT_SCHEMA = {"report": pl.String, "variant": pl.String, "scope": pl.String,
                   "payload": pl.String}  # fmt: skip


def snapshot_frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    """Report snapshot rows (report, variant, scope, payload as JSON text) as a frame."""
    return pl.DataFrame(rows, schema=SNAPSHOT_SCHEMA, orient="row")


def referrer_snapshots(
    referred: pl.DataFrame, scope: pl.DataFrame, scopes: list[str]
) -> pl.DataFrame:
    """report "referrers", one payload per audience: its TOP_REFERRERS referrers (the
    referrer's owner decides the audience, as for every report), how many referrers and
    referred customers it has, and their revenue."""
    rows = []
    with_scope = referred.join(scope, on="contact_id", how="left")
    audiences = sorted(set(scopes) | set(reports.scopes_of(with_scope)))
    for audience, part in reports.scoped(with_scope, audiences):
        top = referrals.top_referrers(part, limit=TOP_REFERRERS)
        payload = {
            "referrers": len(part),
            "referred_customers": int(part["referred_customers"].sum()),
            "referred_revenue": part.select(money.money_sum("referred_revenue")).item(),
            "top": reports.records(
                top.select("rank", "contact_id", "referred_customers", "referred_revenue"), 2
            ),
        }
        rows.append(("referrers", "", audience, writers.as_json(payload)))
    return snapshot_frame(rows)


def report_snapshots(
    as_of: dt.date,
    metrics: pl.DataFrame,
    customer_classes: pl.DataFrame,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    products: pl.DataFrame,
    settings: config.AnalyticsSettings,
    start: dt.date,
    end: dt.date,
    fits: dict[str, Any],
    product_classes: pl.DataFrame,
) -> pl.DataFrame:
    """report, variant, scope, payload: every stored report for every scope.
    `product_classes` are the whole business's (`abc_xyz_classes` of all `lines`), computed
    before: classifying ten million lines again would give the same frame."""
    rows: list[tuple[str, str, str, dict[str, Any]]] = []
    items = products.select("product_id")
    scopes = reports.scopes_of(metrics)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    segments = list(settings.rfm_map if settings.rfm_map is not None else rfm.DEFAULT_SEGMENT_MAP)
    scored = metrics.filter(pl.col("r_score").is_not_null())
    for scope, part in reports.scoped(scored, scopes):
        totals = part.group_by("rfm_segment").agg(
            pl.len().cast(pl.Int64).alias("count"),
            money.money_sum("total_revenue").alias("revenue"),
        )
        names = pl.DataFrame({"rfm_segment": segments})
        rows.append(
            (
                "rfm",
                "",
                scope,
                {
                    "cells": reports.records(rfm.rfm_grid(part), 2),
                    "segments": reports.records(
                        names.join(totals, on="rfm_segment", how="left", maintain_order="left")
                        .with_columns(pl.col("count").fill_null(0), pl.col("revenue").fill_null(0))
                        .select("rfm_segment", "count", "revenue"),
                        2,
                    ),
                },
            )
        )
    for scope, part in reports.scoped(customer_classes, scopes):
        payload = _matrix_payload(part, window, settings, "customers")
        rows.append(("abc-xyz", "customers", scope, payload))
    for scope, part in reports.scoped(metrics, scopes):
        dist = reports.histogram(part["clv_365d"]) if len(part) else []
        rows.append(
            ("clv", "", scope, {"fits": fits, "customers": len(part), "distribution": dist})
        )
    for scope, part in reports.scoped(monthly_sales(lines, start, end), scopes):
        classes = (
            product_classes
            if scope == reports.ALL
            else abc_xyz_classes(part, "product_id", "products", settings, start, end, items=items)
        )
        payload = _matrix_payload(classes, window, settings, "products")
        rows.append(("abc-xyz", "products", scope, payload))
    # each customer's months summed once for every audience (a customer has one)
    whole, by_scope = cohorts.monthly_cohorts_by(
        orders.select("contact_id", "ordered_at", "value", "scope"), as_of=as_of, by="scope"
    )
    for scope in [reports.ALL, *scopes]:
        table = whole if scope == reports.ALL else by_scope.get(scope, whole.clear())
        rows.append(("cohorts", "month", scope, {"cells": reports.records(table, 4)}))
    return snapshot_frame([(r, v, s, writers.as_json(p)) for r, v, s, p in rows])


def monthly_sales(lines: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """product_id, ordered_at (the month's first day), value, scope: each audience's sales of
    each product in each month of the window [start, end], from the order lines. Classifying
    these sums gives each audience's product classes exactly as its lines would (a window
    holds whole months, and the sums are of whole cents), and splitting a few hundred
    thousand sums by audience is much cheaper than splitting ten million lines."""
    month = pl.col("ordered_at").dt.truncate("1mo")
    return (
        lines.filter(pl.col("scope").is_not_null() & pl.col("ordered_at").is_between(start, end))
        .group_by("scope", "product_id", month)
        .agg(money.money_sum("value").alias("value"))
        .select("product_id", "ordered_at", "value", "scope")
    )


def _matrix_payload(
    classes: pl.DataFrame, window: dict[str, str], settings: config.AnalyticsSettings, entity: str
) -> dict[str, Any]:
    x = getattr(settings, f"xyz_x_{entity}")
    y = getattr(settings, f"xyz_y_{entity}")
    if x is None:
        x, y = abcxyz.xyz_thresholds(entity, settings.xyz_period)
    if classes.is_empty():
        cells = abcxyz.matrix(
            pl.DataFrame(
                schema={
                    "abc": pl.String,
                    "xyz": pl.String,
                    "revenue": pl.Float64,
                    "revenue_share": pl.Float64,
                }
            )
        )
    else:
        # the cells' shares are of this audience's positive revenue (`matrix` sums it exactly)
        cells = abcxyz.matrix(classes)
    return {
        "window": window,
        "thresholds": {"a": settings.abc_a, "b": settings.abc_b, "x": x, "y": y},
        "period": settings.xyz_period,
        "cells": reports.records(
            cells.select("abc", "xyz", "count", "revenue", "revenue_share"), 6
        ),
    }
