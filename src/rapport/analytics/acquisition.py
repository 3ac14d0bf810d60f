"""End-to-end acquisition analytics as pure functions over Polars frames (no Django here).

Inputs (one row each):
  leads:  lead_id, contact_id (nullable), created_at (datetime), source_id, campaign, owner_id,
          status
  deals:  lead_id, won (bool)
  orders: contact_id, order_date (datetime), total (float, one currency), order_id
  spend:  source_id, period_start (date), period_end (date), amount (float)

A lead counts in the month it was created. Revenue is attributed to the leads of the same
contact created on or before the order: all to the first of them (first touch), all to the
last (last touch), or split evenly (linear). A contact's first attributed order makes them a
new customer of the first-touch lead's cell.
"""

import datetime as dt

import polars as pl

DIMENSIONS = ["month", "source_id", "campaign", "owner_id"]
QUALIFIED = ["qualified", "converted"]
MODELS = ("first_touch", "last_touch", "linear")
COUNTS = ["leads", "qualified", "converted", "deals_won", "new_customers", "revenue"]


def _month(column: str) -> pl.Expr:
    return pl.col(column).dt.truncate("1mo").cast(pl.Date).alias("month")


def lead_counts(leads: pl.DataFrame, deals: pl.DataFrame) -> pl.DataFrame:
    """Leads, qualified, converted and won deals per month × source × campaign × owner."""
    won = deals.filter(pl.col("won")).group_by("lead_id").agg(pl.len().alias("deals_won"))
    return (
        leads.join(won, on="lead_id", how="left")
        .with_columns(_month("created_at"))
        .group_by(DIMENSIONS)
        .agg(
            pl.len().alias("leads"),
            pl.col("status").is_in(QUALIFIED).sum().alias("qualified"),
            (pl.col("status") == "converted").sum().alias("converted"),
            pl.col("deals_won").fill_null(0).sum().alias("deals_won"),
        )
    )


def attributed_revenue(leads: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Revenue per lead cell under each attribution model, by the month of the *order*
    (columns revenue_first_touch, revenue_last_touch, revenue_linear, new_customers)."""
    touches = leads.filter(pl.col("contact_id").is_not_null()).select(
        "contact_id", "created_at", "source_id", "campaign", "owner_id"
    )
    paired = (
        orders.join(touches, on="contact_id", how="inner")
        .filter(pl.col("created_at") <= pl.col("order_date"))
        .with_columns(
            pl.col("created_at").rank("ordinal").over("order_id").alias("touch_no"),
            pl.len().over("order_id").alias("touches"),
        )
    )
    first_order = paired.group_by("contact_id").agg(
        pl.col("order_date").min().alias("first_order_date")
    )
    paired = paired.join(first_order, on="contact_id").with_columns(
        ((pl.col("order_date") == pl.col("first_order_date")) & (pl.col("touch_no") == 1)).alias(
            "new_customer"
        ),
        _month("order_date"),
    )
    first = paired.filter(pl.col("touch_no") == 1)
    last = paired.filter(pl.col("touch_no") == pl.col("touches"))
    keys = DIMENSIONS
    parts = [
        first.group_by(keys).agg(
            pl.col("total").sum().alias("revenue_first_touch"),
            pl.col("new_customer").sum().alias("new_customers"),
        ),
        last.group_by(keys).agg(pl.col("total").sum().alias("revenue_last_touch")),
        paired.group_by(keys).agg(
            (pl.col("total") / pl.col("touches")).sum().alias("revenue_linear")
        ),
    ]
    result = parts[0]
    for part in parts[1:]:
        result = result.join(part, on=keys, how="full", coalesce=True, nulls_equal=True)
    return result.with_columns(
        pl.col(c).fill_null(0)
        for c in ("revenue_first_touch", "revenue_last_touch", "revenue_linear", "new_customers")
    )


def monthly_facts(leads: pl.DataFrame, deals: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Everything the acquisition report sums, one row per cell."""
    counts = lead_counts(leads, deals)
    revenue = attributed_revenue(leads, orders)
    facts = counts.join(revenue, on=DIMENSIONS, how="full", coalesce=True, nulls_equal=True)
    numeric = [
        "leads", "qualified", "converted", "deals_won", "new_customers",
        "revenue_first_touch", "revenue_last_touch", "revenue_linear",
    ]  # fmt: skip
    return facts.with_columns(pl.col(c).fill_null(0) for c in numeric).sort(DIMENSIONS)


def prorated_spend(spend: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Spend per source inside [start, end], each entry prorated by the days it overlaps."""
    if spend.is_empty():
        return pl.DataFrame(schema={"source_id": pl.Int64, "spend": pl.Float64})
    days = (pl.col("period_end") - pl.col("period_start")).dt.total_days() + 1
    overlap_start = pl.max_horizontal(pl.col("period_start"), pl.lit(start))
    overlap_end = pl.min_horizontal(pl.col("period_end"), pl.lit(end))
    overlap = (overlap_end - overlap_start).dt.total_days() + 1
    return (
        spend.with_columns((pl.col("amount") * overlap.clip(lower_bound=0) / days).alias("spend"))
        .group_by("source_id")
        .agg(pl.col("spend").sum())
    )


def report(
    facts: pl.DataFrame,
    spend: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    by: str,
    model: str = "first_touch",
) -> pl.DataFrame:
    """The acquisition table grouped `by` one of source_id, campaign, owner_id, month:
    leads, qualified, converted, deals won, new customers, revenue, spend, cost per lead,
    customer acquisition cost and ROMI (%). Spend is known per source only, so it appears
    when grouping by source."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}")
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")
    window = facts.filter(pl.col("month").is_between(start.replace(day=1), end))
    table = window.group_by(by).agg(
        pl.col("leads").sum(),
        pl.col("qualified").sum(),
        pl.col("converted").sum(),
        pl.col("deals_won").sum(),
        pl.col("new_customers").sum(),
        pl.col(f"revenue_{model}").sum().alias("revenue"),
    )
    if by == "source_id":
        table = table.join(
            prorated_spend(spend, start, end), on="source_id", how="full", coalesce=True
        )
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.Float64).alias("spend"))
    table = table.with_columns(pl.col(c).fill_null(0) for c in COUNTS)
    return with_ratios(table)


def with_ratios(table: pl.DataFrame) -> pl.DataFrame:
    """The ratios of each row, each named for what it divides, sorted by revenue then leads:
    cost_per_lead = spend / leads; cac = spend / new customers; romi_pct = (revenue − spend)
    / spend × 100; conversion_rate ("leads converted") = converted leads / leads;
    customer_rate ("lead → customer") = new customers / leads. Null where it divides by 0."""
    return table.with_columns(
        _ratio(pl.col("spend"), pl.col("leads")).alias("cost_per_lead"),
        _ratio(pl.col("spend"), pl.col("new_customers")).alias("cac"),
        (_ratio(pl.col("revenue") - pl.col("spend"), pl.col("spend")) * 100).alias("romi_pct"),
        _ratio(pl.col("converted"), pl.col("leads")).alias("conversion_rate"),
        _ratio(pl.col("new_customers"), pl.col("leads")).alias("customer_rate"),
    ).sort("revenue", "leads", descending=True, nulls_last=True)


def by_channel(rows: pl.DataFrame, kinds: dict[int, str]) -> pl.DataFrame:
    """Rows of the report by source summed per channel (`kinds`: source id → its kind), the
    ratios recomputed from the sums. Spend stays unknown (null) for a channel none of whose
    sources has any."""
    keyed = rows.with_columns(
        pl.col("source_id")
        .replace_strict(kinds, default="", return_dtype=pl.String)
        .fill_null("")
        .alias("channel")
    )
    summed = keyed.group_by("channel").agg(
        *[pl.col(c).sum() for c in COUNTS],
        pl.when(pl.col("spend").is_not_null().any()).then(pl.col("spend").sum()).alias("spend"),
    )
    return with_ratios(summed)


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def stage_funnel(changes: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    """Per stage of one pipeline (in order): deals that reached it (entered it or any later
    stage), the share of those that went further, and the median and mean days spent in it.

    changes: deal_id, from_stage_id, to_stage_id, seconds_in_previous
    stages:  stage_id, name, position, kind
    """
    progress = stages.filter(pl.col("kind") != "lost").select("stage_id", "position")
    furthest = (
        changes.join(progress, left_on="to_stage_id", right_on="stage_id", how="inner")
        .group_by("deal_id")
        .agg(pl.col("position").max().alias("furthest"))
    )
    time_in = (
        changes.filter(pl.col("from_stage_id").is_not_null())
        .group_by("from_stage_id")
        .agg(
            (pl.col("seconds_in_previous").median() / 86400).alias("median_days"),
            (pl.col("seconds_in_previous").mean() / 86400).alias("mean_days"),
        )
    )
    lost_counts = changes.group_by("to_stage_id").agg(pl.col("deal_id").n_unique().alias("n"))
    rows = []
    ordered = stages.sort("position")
    positions = furthest["furthest"]
    for stage in ordered.iter_rows(named=True):
        if stage["kind"] == "lost":
            hit = lost_counts.filter(pl.col("to_stage_id") == stage["stage_id"])["n"]
            reached = int(hit[0]) if len(hit) else 0
        else:
            reached = int((positions >= stage["position"]).sum())
        rows.append({**stage, "reached": reached})
    table = pl.DataFrame(
        rows,
        schema={
            "stage_id": pl.Int64,
            "name": pl.String,
            "position": pl.Int64,
            "kind": pl.String,
            "reached": pl.Int64,
        },
    )
    progressing = table.filter(pl.col("kind") != "lost").with_columns(
        _ratio(pl.col("reached").shift(-1), pl.col("reached")).alias("conversion_to_next")
    )
    lost = table.filter(pl.col("kind") == "lost").with_columns(
        pl.lit(None, dtype=pl.Float64).alias("conversion_to_next")
    )
    return (
        pl.concat([progressing, lost], how="vertical_relaxed")
        .join(time_in, left_on="stage_id", right_on="from_stage_id", how="left")
        .sort("position")
        .select(
            "stage_id", "name", "kind", "reached", "conversion_to_next", "median_days", "mean_days"
        )
    )
