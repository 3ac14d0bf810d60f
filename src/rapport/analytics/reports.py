"""The stored reports of a customer-metrics refresh, per audience (no Django here).

A refresh computes every report once for the whole business (scope "all") and once for each
audience a sales manager belongs to: "team:<id>" (the customers whose owner is in that team
at the refresh) or "user:<id>" (a manager without a team: their own customers). Pages and
the API then only read the payload of the viewer's scope — reports that are not sums (ABC
classes of products, cross-sell lift, forecasts) could not be cut by team on read, and the
sums are as cheap to store per scope as to recompute.

Payloads are JSON-ready dicts; money is a float in the run's currency (the API formats it).
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl

ALL = "all"


def scope_column(owners: pl.DataFrame, teams: pl.DataFrame) -> pl.DataFrame:
    """contact_id, scope: the audience each customer belongs to beside "all" (owners:
    contact_id, owner_id; teams: owner_id, team_id)."""
    return owners.join(teams, on="owner_id", how="left").select(
        "contact_id",
        pl.when(pl.col("team_id").is_not_null())
        .then(pl.format("team:{}", pl.col("team_id")))
        .when(pl.col("owner_id").is_not_null())
        .then(pl.format("user:{}", pl.col("owner_id")))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("scope"),
    )


def scoped(frame: pl.DataFrame, scopes: list[str]) -> Iterator[tuple[str, pl.DataFrame]]:
    """("all", frame), then (scope, its rows — maybe none) for each of `scopes`."""
    yield ALL, frame
    parts = (
        frame.filter(pl.col("scope").is_not_null()).partition_by(
            "scope", as_dict=True, maintain_order=False
        )
        if len(frame)
        else {}
    )
    empty = frame.clear()
    for scope in scopes:
        yield scope, parts.get((scope,), empty)


def scopes_of(frame: pl.DataFrame) -> list[str]:
    """The audiences present in `frame`'s scope column, sorted."""
    return sorted(frame["scope"].drop_nulls().unique().to_list()) if len(frame) else []


def records(frame: pl.DataFrame, digits: int = 6) -> list[dict[str, Any]]:
    """Rows as dicts: dates as ISO text, floats rounded, NaN as None."""
    out = []
    for row in frame.iter_rows(named=True):
        out.append({k: _plain(v, digits) for k, v in row.items()})
    return out


def _plain(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return (
            None
            if value != value or value in (float("inf"), float("-inf"))
            else round(value, digits)
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def histogram(values: pl.Series, bins: int = 20) -> list[dict[str, Any]]:
    """Up to `bins` equal-width bins over the non-null values (money): [{"from", "to",
    "count"}], a bin holding from ≤ value < to. Bounds are whole cents and the values are
    binned in cents, so a list filtered on [from, to) finds exactly a bin's rows (the
    dashboards link each bin to the contact list that way)."""
    clean = values.drop_nulls()
    if clean.is_empty():
        return []
    cents = (clean * 100).round(0).cast(pl.Int64)
    lowest, high = int(cents.min()), int(cents.max())  # type: ignore[arg-type]
    width, low = _round_bins(lowest, high, bins)
    index = ((cents - low) // width).alias("bin")
    counts = index.value_counts()
    found = dict(zip(counts["bin"].to_list(), counts["count"].to_list(), strict=True))
    return [
        {
            "from": (low + k * width) / 100,
            "to": (low + (k + 1) * width) / 100,
            "count": int(found.get(k, 0)),
        }
        for k in range((high - low) // width + 1)
    ]


def _round_bins(low: int, high: int, bins: int) -> tuple[int, int]:
    """(width, start) in cents: the narrowest width of 1, 2 or 5 × 10^k cents, with the
    start a multiple of it at or below `low`, that covers [low, high] in `bins` bins."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            width = step * scale
            start = low // width * width
            if (high - start) // width < bins:
                return width, start
        scale *= 10
