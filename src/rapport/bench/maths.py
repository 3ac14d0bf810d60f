"""`python -m rapport.bench.maths [--customers N]`: the analytics maths alone, timed on
synthetic travel orders (`analytics.maths.synthetic`; 1,000,000 customers ≈ 11M order lines by
default, the `large` size). No database and no Django: this measures the Polars work of a
refresh, to set beside the end-to-end benchmark that adds the reads and writes.

Prints wall and CPU seconds per step. CPU seconds sum every thread, so on a machine shared
with other work they are the steadier figure; wall seconds are what a user waits.
"""

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from rapport.analytics.maths import abcxyz, churn, cohorts, crosssell, managers, purchases, rfm
from rapport.analytics.maths.synthetic import orders_of, travel_lines

AS_OF = dt.date(2026, 3, 15)


def _timed(rows: list[tuple[str, int, float, float]], label: str, size: int,
           fn: Callable[[], Any]) -> Any:  # fmt: skip
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    rows.append((label, size, time.perf_counter() - wall, time.process_time() - cpu))
    return result


def _staff_frames(customers: int, seed: int) -> dict[str, pl.DataFrame]:
    """Leads, deals, activities and complaints of 50 managers over two months."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-01T00:00:00", "ms")

    def seconds(n: int, low: int, high: int) -> np.ndarray:
        return (rng.integers(low, high, n) * 1000).astype("timedelta64[ms]")

    def owners(n: int) -> np.ndarray:
        return rng.integers(1, 51, n)

    n, deals, day = customers, customers // 3, 86400
    leads_at = start + seconds(n, 0, 59 * day)
    deals_at = start + seconds(deals, 0, 59 * day)
    due = start + seconds(2 * n, 0, 59 * day)
    return {
        "leads": pl.DataFrame({
            "owner_id": owners(n), "created_at": leads_at,
            "first_response_at": leads_at + seconds(n, 60, day), "converted": rng.random(n) < 0.3,
        }),
        "deals": pl.DataFrame({
            "owner_id": owners(deals), "created_at": deals_at,
            "closed_at": deals_at + seconds(deals, 0, 30 * day),
            "won": rng.random(deals) < 0.5, "amount": rng.uniform(100, 5000, deals),
        }),
        "activities": pl.DataFrame({
            "owner_id": owners(2 * n), "due_at": due, "done_at": due + seconds(2 * n, -day, day),
            "status": rng.choice(["planned", "done", "cancelled"], 2 * n),
        }),
        "complaints": pl.DataFrame({
            "owner_id": owners(n // 20), "resolved_at": start + seconds(n // 20, 0, 59 * day),
        }),
    }  # fmt: skip


def run(customers: int, seed: int = 1) -> list[tuple[str, int, float, float]]:
    rows: list[tuple[str, int, float, float]] = []
    lines = travel_lines(customers, as_of=AS_OF, seed=seed)
    orders = orders_of(lines)
    start, end = abcxyz.complete_window(AS_OF)
    t = _timed
    summary = t(
        rows,
        "purchases.customer_summary",
        len(orders),
        lambda: purchases.customer_summary(orders, as_of=AS_OF),
    )
    scored = t(rows, "rfm.rfm_scores", len(summary), lambda: rfm.rfm_scores(summary))
    t(
        rows,
        "rfm.rfm_grid + segment_totals",
        len(scored),
        lambda: (rfm.rfm_grid(scored), rfm.segment_totals(scored)),
    )
    t(
        rows,
        "abcxyz.classify customers",
        len(orders),
        lambda: abcxyz.classify(
            orders, id_column="contact_id", start=start, end=end, items=summary.select("contact_id")
        ),
    )
    products = t(
        rows,
        "abcxyz.classify products",
        len(lines),
        lambda: abcxyz.classify(
            lines, id_column="product_id", entity="products", start=start, end=end
        ),
    )
    t(rows, "abcxyz.matrix", len(products), lambda: abcxyz.matrix(products))
    t(
        rows,
        "cohorts.monthly_cohorts",
        len(orders),
        lambda: cohorts.monthly_cohorts(orders, as_of=AS_OF),
    )
    t(
        rows,
        "crosssell.item_pairs basket",
        len(lines),
        lambda: crosssell.item_pairs(lines, by="basket"),
    )
    rules = t(
        rows,
        "crosssell.item_pairs customer",
        len(lines),
        lambda: crosssell.item_pairs(lines, by="customer"),
    )
    history = lines.select("contact_id", pl.col("product_id").alias("item"))
    active = lines.select(pl.col("product_id").alias("item")).unique()
    t(
        rows,
        "crosssell.next_best_offer top 1",
        len(history),
        lambda: crosssell.next_best_offer(history, rules, active=active),
    )
    rng = np.random.default_rng(seed)
    with_model = summary.with_columns(
        pl.Series("p_alive", rng.random(len(summary))),
        pl.Series("clv", rng.uniform(0, 5000, len(summary))),
    )
    risk = t(rows, "churn.churn_risk", len(with_model), lambda: churn.churn_risk(with_model))
    valued = risk.with_columns(with_model["clv"])
    t(rows, "churn.at_risk", len(valued), lambda: churn.at_risk(valued))
    staff = _staff_frames(customers, seed)
    t(rows, "managers.manager_performance", sum(len(f) for f in staff.values()),
      lambda: managers.manager_performance(
          start=dt.datetime(2026, 2, 1), end=dt.datetime(2026, 3, 1), leads=staff["leads"],
          deals=staff["deals"], activities=staff["activities"],
          complaints=staff["complaints"]))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    rows = run(args.customers, args.seed)
    print(f"{args.customers:,} customers, {pl.thread_pool_size()} Polars threads, "
          f"load average {load:.1f} → {os.getloadavg()[0]:.1f}, "
          f"{time.perf_counter() - started:.0f} s with data generation")  # fmt: skip
    print(f"{'step':<36}{'rows in':>12}{'wall s':>9}{'CPU s':>9}")
    for label, size, wall, cpu in rows:
        print(f"{label:<36}{size:>12,}{wall:>9.2f}{cpu:>9.2f}")
    print(f"{'total':<36}{'':>12}{sum(r[2] for r in rows):>9.2f}{sum(r[3] for r in rows):>9.2f}")


if __name__ == "__main__":
    main()
