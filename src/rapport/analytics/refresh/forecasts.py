"""The refresh's forecasts: monthly revenue and orders per audience and product category, and
the pipeline-weighted forecast of open deals, as report snapshot rows.
"""

import datetime as dt
from typing import Any

import polars as pl

from rapport.analytics import config, reports, writers
from rapport.analytics.currency import convert
from rapport.analytics.maths import forecast, money
from rapport.analytics.refresh.snapshots import snapshot_frame


def history_end(as_of: dt.date) -> dt.date:
    """The first day after the forecasts' history: the as-of month is not complete."""
    return as_of.replace(day=1)


MONTH = pl.col("ordered_at").dt.truncate("1mo").alias("month")
SERIES = ("revenue", "orders")


def _monthly(sums: pl.DataFrame, series: str, end: dt.date) -> pl.DataFrame:
    """month, value of one series (a column of `sums`: month → value) from the first month
    with a row to the month before `end`, months without a row as 0 (so the forecast starts
    at `end`'s month, not after the last sale)."""
    first = sums["month"].min()
    last = end - dt.timedelta(days=1)
    months = pl.DataFrame(
        {"month": pl.date_range(first, last, interval="1mo", eager=True)}  # type: ignore[arg-type]
    )
    return months.join(
        sums.select("month", pl.col(series).cast(pl.Float64).alias("value")), on="month", how="left"
    ).with_columns(pl.col("value").fill_null(0.0))


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


def monthly_sums(orders: pl.DataFrame, lines: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Every series' monthly sums at once, one group-by per frame instead of a filter and a
    group-by per audience and category (each pass over ten million lines):
      "orders": [scope,] month, revenue, orders — the audience's orders;
      "categories": [scope,] category_id, month, revenue, orders (distinct orders) — its
      lines with a category.
    Audiences are disjoint (a customer, so an order and its lines, has one), so the whole
    business's sums are its audiences' (and the orders without one) added up: exactly, as
    revenue is summed in integer cents."""
    cents = money.cents("value").sum().alias("cents")
    by_scope = orders.group_by("scope", MONTH).agg(cents, pl.len().alias("orders"))
    line_sums = (
        lines.filter(pl.col("category_id").is_not_null())
        .group_by("scope", "category_id", MONTH)
        .agg(cents, pl.col("order_id").n_unique().alias("orders"))
    )
    whole = [pl.col("cents").sum(), pl.col("orders").sum()]

    def revenue(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
        return frame.select(
            *keys, (pl.col("cents") / money.CENTS).alias("revenue"), pl.col("orders")
        )

    scoped = pl.col("scope").is_not_null()
    return {
        "all:orders": revenue(by_scope.group_by("month").agg(whole), "month"),
        "all:categories": revenue(
            line_sums.group_by("category_id", "month").agg(whole), "category_id", "month"
        ),
        "orders": revenue(by_scope.filter(scoped), "scope", "month"),
        "categories": revenue(line_sums.filter(scoped), "scope", "category_id", "month"),
    }


def forecast_payloads(
    totals: pl.DataFrame, categories: pl.DataFrame, *, end: dt.date, months: int, fit: bool
) -> list[tuple[str, dict[str, Any]]]:
    """(variant "<series>:<category id or empty>", payload) of one audience's forecasts from
    its monthly sums (`monthly_sums`: totals month, revenue, orders; categories category_id,
    month, revenue, orders): revenue and orders in total and per product category — the
    categories' fitted only with `fit` (else their payload holds the history alone, fitted
    when asked for)."""
    out: list[tuple[str, dict[str, Any]]] = []
    if totals.is_empty():
        return out
    for series in SERIES:
        out.append((f"{series}:", forecast_payload(_monthly(totals, series, end), months)))
    for (category,), part in (
        categories.sort("category_id")
        .partition_by("category_id", as_dict=True, maintain_order=True)
        .items()
    ):
        for series in SERIES:
            history = _monthly(part, series, end)
            payload = (
                forecast_payload(history, months)
                if fit
                else {"history": reports.records(history, 2)}
            )
            out.append((f"{series}:{category}", payload))
    return out


def forecast_snapshots(
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
    past_lines = (
        lines.select("order_id", "product_id", "ordered_at", "value", "scope").filter(
            pl.col("ordered_at") < end
        )
    ).join(products.select("product_id", "category_id"), on="product_id", how="left")
    sums = monthly_sums(past, past_lines)
    orders_by = sums["orders"].partition_by("scope", as_dict=True, include_key=False)
    categories_by = sums["categories"].partition_by("scope", as_dict=True, include_key=False)
    rows = []
    for scope in [reports.ALL, *scopes]:
        whole = scope == reports.ALL
        totals = (
            sums["all:orders"] if whole else orders_by.get((scope,), sums["all:orders"].clear())
        )
        categories = (
            sums["all:categories"]
            if whole
            else categories_by.get((scope,), sums["all:categories"].clear())
        )
        for variant, payload in forecast_payloads(
            totals, categories, end=end, months=settings.forecast_months, fit=whole
        ):
            rows.append(("forecast", variant, scope, writers.as_json(payload)))
    return snapshot_frame(rows)


def pipeline_snapshots(
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
