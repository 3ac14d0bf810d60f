"""The customer-metrics refresh: read in bulk, compute with the pure maths, write in bulk.

`refresh_customers(as_of=)` reads the counted orders and their lines (`inputs`), converts
them to the reporting currency (`currency`), computes each customer's purchase summary, RFM
scores and segment, ABC/XYZ classes, lifetime value, cross-sell offer and the reports
(`analytics.maths`), then replaces the stored metrics, product metrics, report snapshots and
cross-sell pairs and records the RFM segment changes, all in one transaction. Each step's
time and row count, what was left out and how the models fitted go to an `AnalyticsRun`.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics import config, inputs, labels, reports, writers
from rapport.analytics.currency import convert
from rapport.analytics.loaders import bulk_method
from rapport.analytics.maths import (
    abcxyz,
    churn,
    clv,
    cohorts,
    crosssell,
    forecast,
    purchases,
    referrals,
    rfm,
)
from rapport.analytics.models import (
    AnalyticsRun,
    CrossSellPair,
    CustomerMetrics,
    ProductMetrics,
    ReportSnapshot,
)

KIND = "customers"
OFFER_SLICE_ROWS = 500_000  # purchase-history rows per next-best-offer slice
OFFER_RULES_PER_ITEM = 5  # one offer per customer needs only the best few rules of an item
TOP_REFERRERS = 100  # referrers kept in each audience's stored list
Progress = Callable[[str, int, int], None]  # (step, done, total)
Announce = Callable[[dict[str, Any]], None]  # a finished step: {"step", "seconds", "rows"}


class FutureDate(ValueError):
    """A refresh as of a day that has not come yet."""


@dataclass
class Recorder:
    """Times each step and keeps its row count; tells the caller as each one ends."""

    announce: Announce | None = None
    progress: Progress | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        entry: dict[str, Any] = {"step": name, "seconds": 0.0, "rows": 0}
        start = time.perf_counter()
        yield entry
        entry["seconds"] = round(time.perf_counter() - start, 3)
        self.steps.append(entry)
        if self.announce:
            self.announce(entry)

    def report_progress(self, step: str) -> Callable[[int, int], None] | None:
        if self.progress is None:
            return None
        tell = self.progress
        return lambda done, total: tell(step, done, total)


def warning(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def describe_warning(item: dict[str, Any]) -> str:
    """A run's warning in the reader's language."""
    code, p = item.get("code"), item.get("params", {})
    if code == "no_rate":
        first = p.get("first_rate_from")
        if first:
            return _(
                "%(orders)s orders in %(currency)s before its first exchange rate "
                "(valid from %(first)s) were left out."
            ) % {"orders": p["orders"], "currency": p["currency"], "first": first}
        return _("%(orders)s orders in %(currency)s were left out: it has no exchange rate.") % {
            "orders": p["orders"],
            "currency": p["currency"],
        }
    if code == "no_orders":
        return _("There are no booked or paid orders up to %(as_of)s: nothing to compute.") % p
    if code == "model":
        fit = {"ok": False, **p}
        return _("%(model)s: %(message)s") % {
            "model": labels.MODELS.get(p.get("model"), p.get("model")),
            "message": labels.model_reason(fit),
        }
    if code == "history_backdated":
        return (
            _(
                "The RFM segment history already has changes after %(as_of)s; a refresh as of an "
                "earlier day leaves it as it is."
            )
            % p
        )
    return str(code)


def today() -> dt.date:
    return timezone.localdate()


def refresh_customers(
    *,
    as_of: dt.date | None = None,
    announce: Announce | None = None,
    progress: Progress | None = None,
) -> AnalyticsRun:
    """Recompute and store every customer and product metric and report as of `as_of`
    (default: today). A future day is refused (FutureDate)."""
    settings = config.current()
    as_of = as_of or today()
    if as_of > today():
        raise FutureDate(
            _("%(day)s is in the future; metrics can be computed up to today (%(today)s).")
            % {"day": as_of.isoformat(), "today": today().isoformat()}
        )
    started = timezone.now()
    clock = time.perf_counter()
    run = AnalyticsRun.objects.create(
        kind=KIND,
        as_of=as_of,
        computed_at=started,
        started_at=started,
        seconds=0,
        status=AnalyticsRun.Status.RUNNING,
        currency=settings.currency,
        settings=settings.as_json(),
    )
    recorder = Recorder(announce=announce, progress=progress)
    try:
        outcome = _compute_and_write(run, settings, recorder)
    except Exception as exc:
        AnalyticsRun.objects.filter(pk=run.pk).update(
            status=AnalyticsRun.Status.FAILED,
            finished_at=timezone.now(),
            seconds=time.perf_counter() - clock,
            steps=recorder.steps,
            note=f"{type(exc).__name__}: {exc}"[:300],
        )
        raise
    run.status = AnalyticsRun.Status.DONE
    run.finished_at = timezone.now()
    run.computed_at = run.finished_at
    run.seconds = time.perf_counter() - clock
    run.steps = recorder.steps
    run.rows_read = outcome["rows_read"]
    run.customers = outcome["customers"]
    run.warnings = outcome["warnings"]
    run.fits = outcome["fits"]
    run.rates = outcome["rates"]
    run.save()
    return run


def _compute_and_write(
    run: AnalyticsRun, settings: config.AnalyticsSettings, rec: Recorder
) -> dict[str, Any]:
    as_of = run.as_of
    warnings: list[dict[str, Any]] = []
    with rec.step(f"read orders ({bulk_method()})") as s:
        orders = inputs.load_orders(as_of)
        s["rows"] = len(orders)
    with rec.step("read order lines") as s:
        lines = inputs.load_lines()
        s["rows"] = len(lines)
    with rec.step("read products, owners, rates") as s:
        products = inputs.load_products()
        owners = inputs.load_owners()
        teams = inputs.load_teams()
        rates = inputs.load_rates()
        links = inputs.load_referrals()
        s["rows"] = len(products) + len(owners) + len(teams) + len(rates) + len(links)
    rows_read = len(orders) + len(lines) + s["rows"]

    with rec.step("convert currencies") as s:
        conversion = convert(orders, rates, currency=settings.currency)
        orders = conversion.orders
        lines = lines.join(
            orders.select("order_id", "contact_id", "ordered_at", "rate"), on="order_id"
        ).with_columns(pl.col("value") * pl.col("rate"))
        s["rows"] = len(orders)
    used_rates = []
    for use in conversion.uses:
        used_rates += [
            {"currency": use.currency, "valid_from": day.isoformat(), "rate": rate, "orders": n}
            for day, rate, n in use.rates
        ]
        if use.left_out:
            first = use.first_rate_from.isoformat() if use.first_rate_from else None
            warnings.append(
                warning(
                    "no_rate",
                    currency=use.currency,
                    orders=use.left_out,
                    value=round(use.left_out_value, 2),
                    first_rate_from=first,
                )
            )
    if orders.is_empty():
        warnings.append(warning("no_orders", as_of=as_of.isoformat()))

    with rec.step("purchase summary") as s:
        summary = purchases.customer_summary(orders, as_of=as_of)
        s["rows"] = len(summary)
    with rec.step("RFM scores") as s:
        scored = rfm.rfm_scores(summary, segment_map=settings.rfm_map)
        s["rows"] = len(scored)
    start, end = abcxyz.complete_window(
        as_of, months=settings.window_months, period=settings.xyz_period
    )
    with rec.step("ABC/XYZ classes") as s:
        customer_classes = _classes(
            orders,
            "contact_id",
            "customers",
            settings,
            start,
            end,
            items=summary.select("contact_id"),
        )
        items = products.select("product_id")
        product_lines = lines.filter(pl.col("product_id").is_not_null())
        product_classes = _classes(
            product_lines, "product_id", "products", settings, start, end, items=items
        )
        s["rows"] = len(customer_classes) + len(product_classes)
    with rec.step("lifetime value (BG/NBD, Gamma-Gamma)") as s:
        value = _lifetime_value(summary, settings)
        s["rows"] = len(value.predictions)
    fits = {fit.model: _fit_record(fit) for fit in (value.bgnbd, value.gamma_gamma)}
    for fit in (value.bgnbd, value.gamma_gamma):
        if not fit.ok:
            warnings.append(
                warning(
                    "model",
                    model=fit.model,
                    reason=fit.reason,
                    reason_params={k: _jsonable(v) for k, v in fit.reason_params.items()},
                    message=fit.message or "",
                )
            )
    with rec.step("churn risk") as s:
        risk = churn.churn_risk(
            summary.select("contact_id", "recency_days", "frequency", "first_to_last_days").join(
                value.predictions.select("contact_id", "p_alive"), on="contact_id", how="left"
            )
        )
        s["rows"] = len(risk)
    scope = reports.scope_column(owners, teams)
    product_lines = product_lines.join(scope, on="contact_id", how="left")
    scopes = reports.scopes_of(summary.join(scope, on="contact_id", how="left"))
    with rec.step("cross-sell pairs and next-best offers") as s:
        offers, pair_tables = _cross_sell(product_lines, products, settings, scopes, as_of)
        s["rows"] = len(offers) + sum(len(t) for t in pair_tables.values())

    with rec.step("referral value") as s:
        referred = referrals.referral_value(links, summary.select("contact_id", "total_revenue"))
        s["rows"] = len(referred)
    metrics = _metrics_frame(
        summary, scored, customer_classes, value.predictions, risk, offers
    ).join(referred, on="contact_id", how="left")
    metrics = metrics.with_columns(
        pl.col("referred_customers").fill_null(0),
        pl.col("referred_revenue").fill_null(0.0).round(2),
    )
    with rec.step("reports per team") as s:
        snapshots = _snapshots(
            as_of,
            metrics.join(scope, on="contact_id", how="left"),
            customer_classes.join(scope, on="contact_id", how="left"),
            orders.join(scope, on="contact_id", how="left"),
            product_lines,
            products,
            settings,
            start,
            end,
            fits,
        )
        s["rows"] = len(snapshots)

    with rec.step("forecasts") as s:
        deals = inputs.load_open_deals()
        pipeline_rows = _pipeline(deals, rates, teams, settings, as_of)
        forecasts = _forecasts(orders.join(scope, on="contact_id", how="left"), product_lines,
                               products, scopes, settings, as_of)  # fmt: skip
        snapshots = pl.concat(
            [snapshots, forecasts, pipeline_rows, _referrer_snapshots(referred, scope, scopes)]
        )
        s["rows"] = len(forecasts) + len(pipeline_rows)

    computed_at = timezone.now()
    constants = {"as_of": as_of, "computed_at": computed_at, "currency": settings.currency}
    with transaction.atomic():
        with rec.step("write customer metrics") as s:
            s["rows"] = writers.replace_rows(
                CustomerMetrics,
                metrics,
                constants=constants,
                json_columns=["churn_reason", "next_best_offer_reason"],
                progress=rec.report_progress("write customer metrics"),
            )
        with rec.step("write product metrics") as s:
            s["rows"] = writers.replace_rows(
                ProductMetrics,
                _product_frame(product_classes, product_lines, start, end),
                constants=constants,
            )
        with rec.step("write segment history") as s:
            latest = writers.latest_history_day()
            if latest is not None and latest > as_of:
                warnings.append(warning("history_backdated", as_of=as_of.isoformat()))
            else:
                changed = writers.record_segment_history(
                    metrics.select("contact_id", "rfm_segment"), as_of
                )
                s["rows"] = changed["entered"] + changed["left"]
        with rec.step("write reports and cross-sell pairs") as s:
            s["rows"] = writers.replace_rows(
                ReportSnapshot,
                snapshots,
                constants={"as_of": as_of, "computed_at": computed_at},
                json_columns=["payload"],
            )
            for basis, table in pair_tables.items():
                s["rows"] += writers.replace_rows(
                    CrossSellPair,
                    table.with_columns(pl.lit(basis).alias("basis")),
                    where=("basis = %s", [basis]),
                )
    return {
        "rows_read": rows_read,
        "customers": len(metrics),
        "warnings": warnings,
        "fits": fits,
        "rates": used_rates,
    }


def _classes(
    sales: pl.DataFrame,
    id_column: str,
    entity: str,
    settings: config.AnalyticsSettings,
    start: dt.date,
    end: dt.date,
    *,
    items: pl.DataFrame | None = None,
) -> pl.DataFrame:
    x = getattr(settings, f"xyz_x_{entity}")
    y = getattr(settings, f"xyz_y_{entity}")
    return abcxyz.classify(
        sales.select(id_column, "ordered_at", "value"),
        id_column=id_column,
        start=start,
        end=end,
        items=items,
        entity=entity,
        period=settings.xyz_period,
        a=settings.abc_a,
        b=settings.abc_b,
        x=x,
        y=y,
    )


def _lifetime_value(summary: pl.DataFrame, settings: config.AnalyticsSettings) -> Any:
    frame = purchases.lifetimes_frame(summary, unit_days=1.0).rename({"monetary_value": "monetary"})
    return clv.customer_lifetime_values(
        frame,
        clv.ClvSettings(
            period_days=1.0,
            horizons_days=(90, 365),
            clv_months=settings.clv_months,
            monthly_discount_rate=settings.monthly_discount_rate,
            min_repeat_buyers=settings.min_repeat_buyers,
        ),
    )


def _fit_record(fit: Any) -> dict[str, Any]:
    return {
        "ok": fit.ok,
        "params": fit.params,
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "rows": fit.rows,
        "seconds": round(fit.seconds, 4),
        "optimizer": fit.optimizer,
        "reason": fit.reason,
        "reason_params": {k: _jsonable(v) for k, v in fit.reason_params.items()},
        "message": fit.message,
    }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _cross_sell(
    lines: pl.DataFrame,
    products: pl.DataFrame,
    settings: config.AnalyticsSettings,
    scopes: list[str],
    as_of: dt.date,
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Next-best offers per customer and the product pair tables per basis, per scope."""
    thresholds: dict[str, Any] = {}
    if settings.cross_sell_min_count is not None:
        thresholds["min_count"] = settings.cross_sell_min_count
    if settings.cross_sell_min_support is not None:
        thresholds["min_support"] = settings.cross_sell_min_support
    tables: dict[str, list[pl.DataFrame]] = {"basket": [], "customer": []}
    for scope, part in reports.scoped(lines, scopes):
        basket = part.select("order_id", "contact_id", "product_id")
        for basis, parts in tables.items():
            pairs = crosssell.item_pairs(basket, by=basis, item_column="product_id", **thresholds)
            best = (
                pairs.sort(
                    ["item", "lift", "confidence", "also_bought"],
                    descending=[False, True, True, False],
                )
                .group_by("item", maintain_order=True)
                .head(settings.cross_sell_pairs_per_product)
            )
            parts.append(
                best.select(
                    pl.lit(scope).alias("scope"),
                    pl.col("item").alias("product_id"),
                    pl.col("also_bought").alias("also_bought_id"),
                    "support",
                    "confidence",
                    "lift",
                    "customers",
                )
            )
    offers = _next_best_offers(lines, products, thresholds, as_of)
    return offers, {basis: pl.concat(parts) for basis, parts in tables.items()}


def offer_items(products: pl.DataFrame) -> pl.DataFrame:
    """product_id, item, label: what a next-best offer is about. A tour is one dated
    departure among many of its destination, so tours are offered by destination (a
    customer who went to Crete is offered Cyprus, not the 12 June departure someone else
    took); any other product is its own item."""
    by_destination = (pl.col("kind") == "tour") & (pl.col("destination") != "")
    keyed = products.with_columns(
        pl.when(by_destination)
        .then(pl.format("d:{}", pl.col("destination")))
        .otherwise(pl.format("p:{}", pl.col("product_id")))
        .alias("key"),
        pl.when(by_destination)
        .then(pl.col("destination"))
        .otherwise(pl.col("name"))
        .alias("label"),
    )
    return keyed.with_columns(pl.col("key").rank("dense").cast(pl.Int64).alias("item")).select(
        "product_id", "item", "label"
    )


def _next_best_offers(
    lines: pl.DataFrame, products: pl.DataFrame, thresholds: dict[str, Any], as_of: dt.date
) -> pl.DataFrame:
    """contact_id, offer (a product on sale: for a destination, its next departure after
    as_of), because_of, confidence, lift, customers, offer_label, because_of_label."""
    items = offer_items(products)
    history = lines.join(items, on="product_id").select("order_id", "contact_id", "item").unique()
    rules = crosssell.item_pairs(history, by="customer", item_column="item", **thresholds)
    on_sale = products.filter(
        (pl.col("is_active") == 1)
        & (pl.col("departure_date").is_null() | (pl.col("departure_date") > as_of))
    ).join(items, on="product_id")
    # the product offered for an item: the earliest departure, then the cheapest
    offered = on_sale.sort("item", "departure_date", "price", "product_id", nulls_last=True).unique(
        "item", keep="first", maintain_order=True
    )
    active = offered.select("item")
    bought = history.select("contact_id", "item").unique()
    # Customers are independent: offered in slices, so that the candidates (each customer's
    # items × the rules from them) never all sit in memory at once.
    slices = max(1, -(-len(bought) // OFFER_SLICE_ROWS))
    parts = (
        bought.with_columns((pl.col("contact_id") % slices).alias("_slice")).partition_by(
            "_slice", include_key=False
        )
        if len(bought)
        else [bought]
    )
    offers = pl.concat(
        [
            crosssell.next_best_offer(
                part, rules, active=active, top=1, rules_per_item=OFFER_RULES_PER_ITEM
            )
            for part in parts
        ]
    )
    labels = items.unique("item").select("item", "label")
    return (
        offers.join(offered.select("item", "product_id"), left_on="offer", right_on="item")
        .join(labels.rename({"label": "offer_label"}), left_on="offer", right_on="item")
        .join(labels.rename({"label": "because_of_label"}), left_on="because_of", right_on="item")
        .select(
            "contact_id",
            pl.col("product_id").alias("offer"),
            "confidence",
            "lift",
            "customers",
            "offer_label",
            "because_of_label",
        )
    )


def _metrics_frame(
    summary: pl.DataFrame,
    scored: pl.DataFrame,
    classes: pl.DataFrame,
    predictions: pl.DataFrame,
    risk: pl.DataFrame,
    offers: pl.DataFrame,
) -> pl.DataFrame:
    """One row per customer, named as CustomerMetrics' columns."""
    why = pl.struct(
        pl.col("reason").alias("code"),
        pl.struct(
            "days_since_last",
            pl.col("usual_interval_days").round(1),
            "interval_source",
            pl.col("overdue_ratio").round(2),
            pl.col("p_alive").round(3),
        ).alias("params"),
    )
    reason = pl.struct(
        pl.lit("also_bought").alias("code"),
        pl.struct(
            "because_of_label",
            "offer_label",
            pl.col("confidence").round(4),
            pl.col("lift").round(3),
            "customers",
        ).alias("params"),
    )
    return (
        summary.select(
            "contact_id",
            "orders",
            "first_purchase",
            "last_purchase",
            "recency_days",
            "frequency",
            "T_days",
            pl.col("total_revenue").round(2),
            pl.col("monetary").round(2),
        )
        .join(
            scored.select("contact_id", "r_score", "f_score", "m_score", "rfm_segment"),
            on="contact_id",
            how="left",
        )
        .join(
            classes.select(
                "contact_id", pl.col("abc").alias("abc_class"), pl.col("xyz").alias("xyz_class")
            ),
            on="contact_id",
            how="left",
        )
        .join(
            predictions.select(
                "contact_id",
                "p_alive",
                "expected_purchases_90d",
                "expected_purchases_365d",
                pl.col("expected_order_value").round(2),
                pl.col(predictions.columns[-1]).round(2).alias("clv_365d"),
            ),
            on="contact_id",
            how="left",
        )
        .join(
            risk.select("contact_id", "churn_risk", why.alias("churn_reason")),
            on="contact_id",
            how="left",
        )
        .join(
            offers.select(
                "contact_id",
                pl.col("offer").alias("next_best_offer_id"),
                reason.alias("next_best_offer_reason"),
            ),
            on="contact_id",
            how="left",
        )
        .with_columns(
            pl.col("rfm_segment").fill_null(""),
            pl.col("abc_class").fill_null(""),
            pl.col("xyz_class").fill_null(""),
        )
    )


SNAPSHOT_SCHEMA = {"report": pl.String, "variant": pl.String, "scope": pl.String,
                   "payload": pl.String}  # fmt: skip


def snapshot_frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    """Report snapshot rows (report, variant, scope, payload as JSON text) as a frame."""
    return pl.DataFrame(rows, schema=SNAPSHOT_SCHEMA, orient="row")


def _referrer_snapshots(
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
            "referred_revenue": round(float(part["referred_revenue"].sum()), 2),
            "top": reports.records(
                top.select("rank", "contact_id", "referred_customers", "referred_revenue"), 2
            ),
        }
        rows.append(("referrers", "", audience, writers.as_json(payload)))
    return snapshot_frame(rows)


def _product_frame(
    classes: pl.DataFrame, lines: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """One row per product, named as ProductMetrics' columns: its sales in the window."""
    window = lines.filter(pl.col("ordered_at").is_between(start, end))
    counts = window.group_by("product_id").agg(
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("contact_id").n_unique().alias("customers"),
    )
    return (
        classes.select(
            "product_id",
            pl.col("revenue").round(2),
            pl.col("abc").alias("abc_class"),
            pl.col("xyz").alias("xyz_class"),
            pl.col("cv").alias("variation"),
        )
        .join(counts, on="product_id", how="left")
        .with_columns(pl.col("orders").fill_null(0), pl.col("customers").fill_null(0))
    )


def _snapshots(
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
) -> pl.DataFrame:
    """report, variant, scope, payload: every stored report for every scope."""
    rows: list[tuple[str, str, str, dict[str, Any]]] = []
    items = products.select("product_id")
    scopes = reports.scopes_of(metrics)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    segments = list(settings.rfm_map if settings.rfm_map is not None else rfm.DEFAULT_SEGMENT_MAP)
    scored = metrics.filter(pl.col("r_score").is_not_null())
    for scope, part in reports.scoped(scored, scopes):
        totals = part.group_by("rfm_segment").agg(
            pl.len().cast(pl.Int64).alias("count"), pl.col("total_revenue").sum().alias("revenue")
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
    for scope, part in reports.scoped(lines, scopes):
        classes = _classes(part, "product_id", "products", settings, start, end, items=items)
        payload = _matrix_payload(classes, window, settings, "products")
        rows.append(("abc-xyz", "products", scope, payload))
    for scope, part in reports.scoped(orders, scopes):
        table = cohorts.monthly_cohorts(
            part.select("contact_id", "ordered_at", "value"), as_of=as_of
        )
        rows.append(("cohorts", "month", scope, {"cells": reports.records(table, 4)}))
    return pl.DataFrame(
        [(r, v, s, writers.as_json(p)) for r, v, s, p in rows],
        schema={
            "report": pl.String,
            "variant": pl.String,
            "scope": pl.String,
            "payload": pl.String,
        },
        orient="row",
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
        total = classes["revenue"].clip(lower_bound=0).sum()
        shares = classes.with_columns(
            (pl.col("revenue").clip(lower_bound=0) / total if total else pl.lit(0.0)).alias(
                "revenue_share"
            )
        )
        cells = abcxyz.matrix(shares)
    return {
        "window": window,
        "thresholds": {"a": settings.abc_a, "b": settings.abc_b, "x": x, "y": y},
        "period": settings.xyz_period,
        "cells": reports.records(
            cells.select("abc", "xyz", "count", "revenue", "revenue_share"), 6
        ),
    }


def history_end(as_of: dt.date) -> dt.date:
    """The first day after the forecasts' history: the as-of month is not complete."""
    return as_of.replace(day=1)


def _monthly(frame: pl.DataFrame, value: pl.Expr, end: dt.date) -> pl.DataFrame:
    """month, value from the first month with a row to the month before `end`, months
    without a row as 0 (so the forecast starts at `end`'s month, not after the last sale)."""
    sums = frame.group_by(pl.col("ordered_at").dt.truncate("1mo").alias("month")).agg(
        value.alias("value")
    )
    first = sums["month"].min()
    last = end - dt.timedelta(days=1)
    months = pl.DataFrame(
        {"month": pl.date_range(first, last, interval="1mo", eager=True)}  # type: ignore[arg-type]
    )
    return months.join(sums, on="month", how="left").with_columns(pl.col("value").fill_null(0.0))


def forecast_payload(history: pl.DataFrame, months: int) -> dict[str, Any]:
    """A stored forecast: the fit on `history` (month, value) and the history itself."""
    result = forecast.forecast_series(history, months=months)
    return {
        "ok": result.ok,
        "method": result.method,
        "points": reports.records(result.points, 2),
        "backtest": result.backtest.as_dict(),
        "notes": [{"code": n.code, "params": n.params, "message": n.message}
                  for n in (*result.notes, *result.backtest.notes)],
        "reason": result.reason,
        "message": result.message,
        "history": reports.records(history, 2),
    }  # fmt: skip


def forecast_payloads(
    orders: pl.DataFrame, lines: pl.DataFrame, *, end: dt.date, months: int, categories: bool
) -> list[tuple[str, dict[str, Any]]]:
    """(variant "<series>:<category id or empty>", payload) of one audience's forecasts:
    revenue and orders in total and per product category — the categories' fitted only with
    `categories` (else their payload holds the history alone, fitted when asked for)."""
    out: list[tuple[str, dict[str, Any]]] = []
    if orders.is_empty():
        return out
    total = {
        "revenue": _monthly(orders, pl.col("value").sum(), end),
        "orders": _monthly(orders, pl.len().cast(pl.Float64), end),
    }
    for series, history in total.items():
        out.append((f"{series}:", forecast_payload(history, months)))
    with_category = lines.filter(pl.col("category_id").is_not_null())
    for (category,), part in with_category.partition_by("category_id", as_dict=True).items():
        per = {
            "revenue": _monthly(part, pl.col("value").sum(), end),
            "orders": _monthly(part, pl.col("order_id").n_unique().cast(pl.Float64), end),
        }
        for series, history in per.items():
            payload = (
                forecast_payload(history, months)
                if categories
                else {"history": reports.records(history, 2)}
            )
            out.append((f"{series}:{category}", payload))
    return out


def _forecasts(
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    products: pl.DataFrame,
    scopes: list[str],
    settings: config.AnalyticsSettings,
    as_of: dt.date,
) -> pl.DataFrame:
    """Forecast snapshots: every series for the whole business; the totals per team (a team's
    category forecast is computed when asked, `selectors.forecast`)."""
    end = history_end(as_of)
    past = orders.filter(pl.col("ordered_at") < end)
    past_lines = lines.filter(pl.col("ordered_at") < end).join(
        products.select("product_id", "category_id"), on="product_id", how="left"
    )
    rows = []
    for scope, part in reports.scoped(past, scopes):
        whole = scope == reports.ALL
        scoped_lines = past_lines if whole else past_lines.filter(pl.col("scope") == scope)
        for variant, payload in forecast_payloads(
            part, scoped_lines, end=end, months=settings.forecast_months, categories=whole
        ):
            rows.append(("forecast", variant, scope, writers.as_json(payload)))
    return snapshot_frame(rows)


def _pipeline(
    deals: pl.DataFrame,
    rates: pl.DataFrame,
    teams: pl.DataFrame,
    settings: config.AnalyticsSettings,
    as_of: dt.date,
) -> pl.DataFrame:
    """The pipeline-weighted forecast per audience: open deals × their stage's probability
    by expected close month, from the as-of month on (deals in other currencies converted
    at today's rate; a deal whose currency has no rate is left out and counted)."""
    first = history_end(as_of)
    priced = convert(
        deals.with_columns(
            pl.lit(as_of).alias("ordered_at"),
            pl.col("amount").alias("value"),
            pl.int_range(pl.len()).alias("order_id"),
        ),
        rates,
        currency=settings.currency,
    )
    frame = priced.orders.with_columns(pl.col("value").alias("amount")).join(
        teams, on="owner_id", how="left"
    )
    frame = frame.with_columns(
        pl.when(pl.col("team_id").is_not_null())
        .then(pl.format("team:{}", pl.col("team_id")))
        .otherwise(pl.format("user:{}", pl.col("owner_id")))
        .alias("scope")
    )
    rows = []
    for scope, part in reports.scoped(frame, reports.scopes_of(frame)):
        result = forecast.pipeline_forecast(
            part, first_month=first, months=settings.forecast_months
        )
        payload = {
            "months": reports.records(result.months, 2),
            "overdue": result.overdue,
            "undated": result.undated,
            "beyond": result.beyond,
            "invalid": result.invalid,
            "no_rate": priced.left_out if scope == reports.ALL else None,
        }
        rows.append(("forecast", "pipeline", scope, writers.as_json(payload)))
    return snapshot_frame(rows)
