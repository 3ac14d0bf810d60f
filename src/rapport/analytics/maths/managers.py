"""Manager performance over a period, and its trend against the period before.

Inputs (each optional: a frame not given, because its app does not exist yet or the caller
skips it, gives null figures; rows without an owner belong to no manager and are left out):
  leads       owner_id, created_at (Datetime), first_response_at (Datetime, nullable: the
              first call, e-mail or status change after creation), converted (Boolean)
  deals       owner_id, created_at (Datetime), closed_at (Datetime, nullable), won (Boolean),
              amount (Decimal or Float64, reporting currency)
  activities  owner_id (the assignee), due_at (Datetime, nullable), done_at (Datetime,
              nullable), status ("planned", "done" or "cancelled")
  complaints  owner_id (the assignee), resolved_at (Datetime, nullable)
  managers    owner_id (+ any other columns, such as team_id, passed through): the rows of
              the table; without it, every owner with a figure in either period
All datetimes in one time zone; `start` and `end` bound the period as [start, end).

`manager_figures(start=, end=, ...)` → one row per manager, the figures INTERFACES.md lists for
GET analytics/managers:
  leads                          Int64    leads created in the period
  first_response_minutes_median  Float64  median minutes from creation to first response,
                                          of those leads that had one
  conversion_rate                Float64  converted / leads (of the period's leads)
  deals_won                      Int64    deals won and closed in the period
  revenue                        Float64  their amounts
  average_deal                   Float64  revenue / deals_won
  cycle_days_median              Float64  median days from creation to close of those deals
  activities_done                Int64    activities done in the period
  activities_overdue             Int64    activities due in the period (up to `as_of`, when
                                          the period is not over) and not done by their due
                                          time: done late or still open; cancelled ones
                                          are not counted
  complaints_resolved            Int64    complaints resolved in the period
Counts are 0 and ratios and medians null where a manager has nothing to count.
`manager_performance(...)` → the same for the period and the one of equal length before it,
with `<figure>_previous` and `<figure>_change` (current − previous) beside each figure.
"""

import datetime as dt
from functools import partial

import polars as pl

from rapport.analytics.maths.inputs import ANY, MONEY, checked

FIGURES = {
    "leads": pl.Int64,
    "first_response_minutes_median": pl.Float64,
    "conversion_rate": pl.Float64,
    "deals_won": pl.Int64,
    "revenue": pl.Float64,
    "average_deal": pl.Float64,
    "cycle_days_median": pl.Float64,
    "activities_done": pl.Int64,
    "activities_overdue": pl.Int64,
    "complaints_resolved": pl.Int64,
}
COUNTS = ["leads", "deals_won", "revenue", "activities_done", "activities_overdue",
          "complaints_resolved"]  # fmt: skip
SOURCES = {
    "leads": ["leads", "first_response_minutes_median", "conversion_rate"],
    "deals": ["deals_won", "revenue", "average_deal", "cycle_days_median"],
    "activities": ["activities_done", "activities_overdue"],
    "complaints": ["complaints_resolved"],
}
COLUMNS = {
    "leads": {"owner_id": ANY, "created_at": ANY, "first_response_at": ANY, "converted": ANY},
    "deals": {"owner_id": ANY, "created_at": ANY, "closed_at": ANY, "won": ANY, "amount": MONEY},
    "activities": {"owner_id": ANY, "due_at": ANY, "done_at": ANY, "status": ANY},
    "complaints": {"owner_id": ANY, "resolved_at": ANY},
}
NULLABLE = ["owner_id", "first_response_at", "closed_at", "due_at", "done_at", "resolved_at",
            "amount"]  # fmt: skip


def _within(column: str, start: dt.datetime, end: dt.datetime) -> pl.Expr:
    return (pl.col(column) >= start) & (pl.col(column) < end)


def _lead_figures(leads: pl.DataFrame, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    minutes = (pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 60
    return (
        leads.filter(_within("created_at", start, end))
        .group_by("owner_id")
        .agg(
            pl.len().cast(pl.Int64).alias("leads"),
            minutes.median().alias("first_response_minutes_median"),
            pl.col("converted").fill_null(False).mean().alias("conversion_rate"),
        )
    )


def _deal_figures(deals: pl.DataFrame, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    days = (pl.col("closed_at") - pl.col("created_at")).dt.total_seconds() / 86400
    return (
        deals.filter(pl.col("won").fill_null(False) & _within("closed_at", start, end))
        .group_by("owner_id")
        .agg(
            pl.len().cast(pl.Int64).alias("deals_won"),
            pl.col("amount").fill_null(0.0).sum().alias("revenue"),
            days.median().alias("cycle_days_median"),
        )
        .with_columns((pl.col("revenue") / pl.col("deals_won")).alias("average_deal"))
    )


def _activity_figures(
    activities: pl.DataFrame, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime
) -> pl.DataFrame:
    late = pl.col("done_at").is_null() | (pl.col("done_at") > pl.col("due_at"))
    overdue = (pl.col("status") != "cancelled") & _within("due_at", start, cutoff) & late
    done = (pl.col("status") == "done") & _within("done_at", start, end)
    return (
        activities.filter(overdue | done)
        .group_by("owner_id")
        .agg(
            done.sum().cast(pl.Int64).alias("activities_done"),
            overdue.sum().cast(pl.Int64).alias("activities_overdue"),
        )
    )


def _complaint_figures(
    complaints: pl.DataFrame, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    return (
        complaints.filter(_within("resolved_at", start, end))
        .group_by("owner_id")
        .agg(pl.len().cast(pl.Int64).alias("complaints_resolved"))
    )


def manager_figures(
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime | None = None,
    leads: pl.DataFrame | None = None,
    deals: pl.DataFrame | None = None,
    activities: pl.DataFrame | None = None,
    complaints: pl.DataFrame | None = None,
    managers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The period's figures per manager (module docstring)."""
    if start >= end:
        raise ValueError("the period must start before it ends")
    cutoff = end if as_of is None else max(start, min(end, as_of))
    given = {"leads": leads, "deals": deals, "activities": activities, "complaints": complaints}
    parts = []
    for name, frame in given.items():
        if frame is None:
            continue
        rows = checked(frame, name, COLUMNS[name], nullable=NULLABLE).filter(
            pl.col("owner_id").is_not_null()
        )
        if name == "leads":
            parts.append(_lead_figures(rows, start, end))
        elif name == "deals":
            parts.append(_deal_figures(rows, start, end))
        elif name == "activities":
            parts.append(_activity_figures(rows, start, end, cutoff))
        else:
            parts.append(_complaint_figures(rows, start, end))
    if managers is not None:
        checked(managers, "managers", {"owner_id": ANY})
        table = managers.unique("owner_id", maintain_order=True)
    elif parts:
        table = pl.concat([p.select("owner_id") for p in parts], how="vertical_relaxed").unique()
    else:
        table = pl.DataFrame(schema={"owner_id": pl.Int64})
    for part in parts:
        table = table.join(part, on="owner_id", how="left")
    present = {figure for name, frame in given.items() if frame is not None
               for figure in SOURCES[name]}  # fmt: skip
    passed_through = [c for c in table.columns if c not in FIGURES]
    return table.select(
        *passed_through,
        *[
            (pl.col(f).fill_null(0) if f in COUNTS else pl.col(f)).cast(dtype)
            if f in present
            else pl.lit(None, dtype=dtype).alias(f)
            for f, dtype in FIGURES.items()
        ],
    ).sort("owner_id")


def manager_performance(
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime | None = None,
    leads: pl.DataFrame | None = None,
    deals: pl.DataFrame | None = None,
    activities: pl.DataFrame | None = None,
    complaints: pl.DataFrame | None = None,
    managers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The period's figures with the previous period's and the change (module docstring)."""
    figures = partial(
        manager_figures, leads=leads, deals=deals, activities=activities, complaints=complaints
    )
    previous_start = start - (end - start)
    if managers is None:  # everyone with a figure in either period
        managers = pl.concat(
            [
                figures(start=start, end=end, as_of=as_of).select("owner_id"),
                figures(start=previous_start, end=start).select("owner_id"),
            ],
            how="vertical_relaxed",
        ).unique()
    current = figures(start=start, end=end, as_of=as_of, managers=managers)
    previous = figures(start=previous_start, end=start, managers=managers)
    before = previous.select("owner_id", *[pl.col(f).alias(f"{f}_previous") for f in FIGURES])
    joined = current.join(before, on="owner_id", how="left")
    ordered = [c for c in current.columns if c not in FIGURES]
    for figure in FIGURES:
        ordered += [figure, f"{figure}_previous", f"{figure}_change"]
    return (
        joined.with_columns(
            (pl.col(f) - pl.col(f"{f}_previous")).alias(f"{f}_change") for f in FIGURES
        )
        .select(ordered)
        .sort("owner_id")
    )
