"""The customer-metrics refresh: read in bulk, compute with the pure maths, write in bulk.

`refresh_customers(as_of=)` reads the counted orders and their lines (`inputs`), converts
them to the reporting currency (`currency`), computes each customer's purchase summary, RFM
scores and segment, ABC/XYZ classes, lifetime value, cross-sell offer and the reports
(`analytics.maths`), then replaces the stored metrics, product metrics, report snapshots and
cross-sell pairs and records the RFM segment changes, all in one transaction. Each step's
time and row count, what was left out and how the models fitted go to an `AnalyticsRun`.
"""

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.analytics import config, inputs, reports
from rapport.analytics.currency import convert
from rapport.analytics.loaders import bulk_method
from rapport.analytics.maths import abcxyz, churn, forecast, money, purchases, referrals, rfm
from rapport.analytics.maths.lookup import lookup
from rapport.analytics.models import AnalyticsRun
from rapport.analytics.refresh.classes import abc_xyz_classes, product_frame
from rapport.analytics.refresh.forecasts import forecast_snapshots, pipeline_snapshots
from rapport.analytics.refresh.lifetime import fit_record, jsonable, lifetime_value
from rapport.analytics.refresh.messages import warning
from rapport.analytics.refresh.metrics import metrics_frame, segment_frame, with_offers
from rapport.analytics.refresh.offers import next_best_offers, pair_tables
from rapport.analytics.refresh.progress import Announce, Progress, Recorder
from rapport.analytics.refresh.snapshots import referrer_snapshots, report_snapshots
from rapport.analytics.refresh.write import Writing, begin_writing

KIND = "customers"


class FutureDate(ValueError):
    """A refresh as of a day that has not come yet."""


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
    # statsmodels (the forecasts) loads while the reads below wait on their child processes:
    # its import took 4-8 s of wall time (1 s of CPU) on the busy benchmark machine
    threading.Thread(target=forecast.load_library, name="load-statsmodels", daemon=True).start()
    beside = bulk_method() == "arrow"  # one process per table: the lines read beside the rest
    with ExitStack() as reading:
        read = reading.enter_context(inputs.bulk_reading(as_of))
        if beside:
            with rec.step("read orders, owners, referrals (arrow, beside the order lines)") as s:
                orders, owners, links = read("orders"), read("owners"), read("referrals")
                s["rows"] = len(orders) + len(owners) + len(links)
        else:
            with rec.step(f"read orders ({bulk_method()})") as s:
                orders = read("orders")
                s["rows"] = len(orders)
            with rec.step("read order lines") as s:
                lines = read("lines")
                s["rows"] = len(lines)
        with rec.step("read products, owners, rates") as s:
            if not beside:
                owners, links = read("owners"), read("referrals")
            products = inputs.load_products()
            teams = inputs.load_teams()
            rates = inputs.load_rates()
            s["rows"] = len(products) + len(owners) + len(teams) + len(rates) + len(links)
        rows_read = len(orders) + s["rows"]  # and the lines, once read

        with rec.step("convert currencies") as s:
            conversion = convert(orders, rates, currency=settings.currency)
            orders = conversion.orders
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
        # the writes begin with the segment changes, beside what follows (see refresh.write)
        writing = begin_writing(
            rec,
            warnings,
            as_of=as_of,
            currency=settings.currency,
            segments=segment_frame(summary, scored),
        )
        try:
            if beside:
                with rec.step("wait for the order lines (read beside the steps above)") as s:
                    lines = read("lines")
                    s["rows"] = len(lines)
            reading.close()  # the reads' scratch files go
            rows_read += len(lines)
            with rec.step("join order lines to their orders") as s:
                lines = lookup(
                    lines, orders.select("order_id", "contact_id", "ordered_at", "rate"), "order_id"
                )
                if conversion.uses:  # some orders are in another currency (else every rate is 1)
                    lines = lines.with_columns(money.converted("value", "rate").alias("value"))
                s["rows"] = len(lines)
            customers, fits = _analyse_and_write(
                rec,
                writing,
                settings,
                as_of,
                warnings,
                orders=orders,
                lines=lines,
                owners=owners,
                links=links,
                products=products,
                teams=teams,
                rates=rates,
                summary=summary,
                scored=scored,
            )
        except BaseException:
            writing.abandon()
            raise
    return {
        "rows_read": rows_read,
        "customers": customers,
        "warnings": warnings,
        "fits": fits,
        "rates": used_rates,
    }


def _analyse_and_write(
    rec: Recorder,
    writing: Writing,
    settings: config.AnalyticsSettings,
    as_of: dt.date,
    warnings: list[dict[str, Any]],
    *,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    owners: pl.DataFrame,
    links: pl.DataFrame,
    products: pl.DataFrame,
    teams: pl.DataFrame,
    rates: pl.DataFrame,
    summary: pl.DataFrame,
    scored: pl.DataFrame,
) -> tuple[int, dict[str, Any]]:
    """Everything after the RFM scores, each part handed to `writing` as it is known: the
    customers written and the model fits."""
    start, end = abcxyz.complete_window(
        as_of, months=settings.window_months, period=settings.xyz_period
    )
    product_lines = lines.filter(pl.col("product_id").is_not_null())
    scope = reports.scope_column(owners, teams)
    product_lines = lookup(product_lines, scope, "contact_id", how="left")
    scopes = reports.scopes_of(summary.join(scope, on="contact_id", how="left"))
    # The cross-sell (a quarter of the refresh's CPU) needs only the lines and the audiences:
    # it runs in a thread beside the classes, lifetime value, churn and forecasts below, whose
    # work (Polars, NumPy, SciPy) mostly runs outside the GIL too, so two cores share it. The
    # next-best offers come first: the customer rows, whose writing begins once they are known
    # (`begin_writing`), need them; the pair tables are written last.
    crossing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cross-sell")
    offered = crossing.submit(
        _beside,
        rec,
        "next-best offers",
        lambda: next_best_offers(product_lines, products, settings, as_of),
        len,
    )
    paired = crossing.submit(
        _beside,
        rec,
        "cross-sell pairs",
        lambda: pair_tables(product_lines, settings, scopes),
        lambda tables: sum(len(t) for t in tables.values()),
    )
    crossing.shutdown(wait=False)
    with rec.step("ABC/XYZ classes") as s:
        customer_classes = abc_xyz_classes(
            orders,
            "contact_id",
            "customers",
            settings,
            start,
            end,
            items=summary.select("contact_id"),
        )
        items = products.select("product_id")
        product_classes = abc_xyz_classes(
            product_lines, "product_id", "products", settings, start, end, items=items
        )
        s["rows"] = len(customer_classes) + len(product_classes)
    with rec.step("lifetime value (BG/NBD, Gamma-Gamma)") as s:
        value = lifetime_value(summary, settings)
        s["rows"] = len(value.predictions)
    fits = {fit.model: fit_record(fit) for fit in (value.bgnbd, value.gamma_gamma)}
    for fit in (value.bgnbd, value.gamma_gamma):
        if not fit.ok:
            warnings.append(
                warning(
                    "model",
                    model=fit.model,
                    reason=fit.reason,
                    reason_params={k: jsonable(v) for k, v in fit.reason_params.items()},
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
    with rec.step("referral value") as s:
        referred = referrals.referral_value(links, summary.select("contact_id", "total_revenue"))
        s["rows"] = len(referred)
    metrics = metrics_frame(summary, scored, customer_classes, value.predictions, risk).join(
        referred, on="contact_id", how="left"
    )
    metrics = metrics.with_columns(
        pl.col("referred_customers").fill_null(0),
        pl.col("referred_revenue").fill_null(0.0).round(2),
    )
    with rec.step("wait for the next-best offers") as s:
        offers = offered.result()
    writing.customers(
        with_offers(metrics, offers), product_frame(product_classes, product_lines, start, end)
    )
    snapshots = _reports(
        rec,
        as_of,
        settings,
        orders=orders,
        product_lines=product_lines,
        products=products,
        rates=rates,
        teams=teams,
        scope=scope,
        scopes=scopes,
        metrics=metrics,
        customer_classes=customer_classes,
        product_classes=product_classes,
        referred=referred,
        fits=fits,
        window=(start, end),
    )
    with rec.step("wait for the cross-sell pairs") as s:
        pairs = paired.result()
    writing.finish(snapshots, pairs)
    return len(metrics), fits


def _reports(
    rec: Recorder,
    as_of: dt.date,
    settings: config.AnalyticsSettings,
    *,
    orders: pl.DataFrame,
    product_lines: pl.DataFrame,
    products: pl.DataFrame,
    rates: pl.DataFrame,
    teams: pl.DataFrame,
    scope: pl.DataFrame,
    scopes: list[str],
    metrics: pl.DataFrame,
    customer_classes: pl.DataFrame,
    product_classes: pl.DataFrame,
    referred: pl.DataFrame,
    fits: dict[str, Any],
    window: tuple[dt.date, dt.date],
) -> pl.DataFrame:
    """The report snapshots of the whole business and each team: the forecasts, the open
    pipeline, the reports over the customer rows, and the referrers."""
    start, end = window
    scoped_orders = lookup(orders, scope, "contact_id", how="left")
    with rec.step("forecasts") as s:
        deals = inputs.load_open_deals()
        pipeline_rows = pipeline_snapshots(deals, rates, teams, settings, as_of)
        forecasts = forecast_snapshots(
            scoped_orders, product_lines, products, scopes, settings, as_of
        )
        s["rows"] = len(forecasts) + len(pipeline_rows)
    with rec.step("reports per team") as s:
        snapshots = report_snapshots(
            as_of,
            metrics.join(scope, on="contact_id", how="left"),
            customer_classes.join(scope, on="contact_id", how="left"),
            scoped_orders,
            product_lines,
            products,
            settings,
            start,
            end,
            fits,
            product_classes,
        )
        snapshots = pl.concat(
            [snapshots, forecasts, pipeline_rows, referrer_snapshots(referred, scope, scopes)]
        )
        s["rows"] = len(snapshots)
    return snapshots


def _beside[T](rec: Recorder, name: str, compute: Callable[[], T], rows: Callable[[T], int]) -> T:
    """A cross-sell step in its thread (see _analyse_and_write): its CPU figure is the whole
    process's over that time, the other threads' work included."""
    with rec.step(f"{name} (beside the steps below)") as s:
        result = compute()
        s["rows"] = rows(result)
    return result
