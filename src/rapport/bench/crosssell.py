"""Cross-sell pairs over ≈ 10M order lines: `crosssell.item_pairs` by basket and by customer.

Both sides get the same synthetic travel order lines (`analytics.maths.synthetic`: 1,000,000
customers ≈ 11M lines at the `large` size; no database, as the issue's figure is the
computation alone). Rapport computes every pair held by at least MIN_COUNT transactions, with
its support, confidence, lift and customers, once by order and once by customer's history.
The baseline is DuckDB counting the same pairs with SQL self-joins over the lines written to
Parquet (the write untimed). Before a figure is reported, both must find the same pairs with
the same counts, or the benchmark fails.

`python -m rapport.bench.crosssell [CUSTOMERS]` runs it alone; `make bench` with the rest.
"""

import dataclasses
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from rapport.analytics.maths import crosssell
from rapport.analytics.maths.synthetic import travel_lines
from rapport.bench.harness import Bench, Result, benchmark, table

TARGET_S = 3.0  # the budget for 10M lines
AS_OF = dt.date(2026, 3, 15)
BASES = ("basket", "customer")
# The pairs of items held together by at least MIN_COUNT transactions (orders, or customers),
# and the distinct customers behind them: what item_pairs counts before its ratios.
PAIRS_SQL = """
WITH t AS (SELECT DISTINCT {tx} AS tx, contact_id, product_id FROM read_parquet(?))
SELECT a.product_id AS item, b.product_id AS other, COUNT(*) AS pair_count,
       COUNT(DISTINCT a.contact_id) AS customers
FROM t a JOIN t b ON a.tx = b.tx AND a.product_id < b.product_id
GROUP BY 1, 2 HAVING COUNT(*) >= ?
"""


def rapport_pairs(lines: pl.DataFrame) -> tuple[float, dict[str, pl.DataFrame]]:
    """Seconds for both bases' pairs (with their ratios), and each basis's pairs."""
    start = time.perf_counter()
    found = {basis: crosssell.item_pairs(lines, by=basis) for basis in BASES}
    return time.perf_counter() - start, found


def duckdb_pairs(path: Path) -> tuple[float, dict[str, pl.DataFrame]]:
    import duckdb

    found = {}
    start = time.perf_counter()
    with duckdb.connect() as db:
        for basis in BASES:
            sql = PAIRS_SQL.format(tx=crosssell.BY[basis])
            # fetchnumpy: DuckDB's Arrow and Polars exports need pyarrow, which Rapport does not
            found[basis] = pl.DataFrame(
                dict(db.execute(sql, [str(path), crosssell.MIN_COUNT]).fetchnumpy())
            )
    return time.perf_counter() - start, found


def _counted(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.select(
        pl.col(c).cast(pl.Int64) for c in ("item", "other", "pair_count", "customers")
    ).sort("item", "other")


def same_pairs(ours: pl.DataFrame, theirs: pl.DataFrame) -> bool:
    """Rapport's rows (both directions, each checked) against the baseline's (item < other)."""
    forward = ours.filter(pl.col("item") < pl.col("also_bought")).rename({"also_bought": "other"})
    backward = ours.filter(pl.col("item") > pl.col("also_bought")).select(
        pl.col("also_bought").alias("item"),
        pl.col("item").alias("other"),
        "pair_count",
        "customers",
    )
    want = _counted(theirs)
    return len(ours) == 2 * len(theirs) and all(
        _counted(way).equals(want) for way in (forward, backward)
    )


def measure(customers: int) -> list[Result]:
    lines = travel_lines(customers, as_of=AS_OF, seed=1).select(
        "order_id", "contact_id", "product_id"
    )
    crosssell.item_pairs(lines.head(10_000), by="basket")  # imports and caches warmed
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "lines.parquet"
        lines.write_parquet(path)
        baseline, theirs = duckdb_pairs(path)
    seconds, ours = rapport_pairs(lines)
    for basis in BASES:
        if not same_pairs(ours[basis], theirs[basis]):
            raise AssertionError(f"Rapport's {basis} pairs differ from DuckDB's")
    found = ", ".join(f"{len(theirs[b]):,} by {b}" for b in BASES)
    return [
        Result(
            metric=f"cross-sell pairs over {len(lines):,} order lines ({found})",
            rapport=seconds,
            baseline=baseline,
            unit="s",
            target=TARGET_S,
        )
    ]


@benchmark
def cross_sell_pairs(bench: Bench) -> list[Result]:
    """In a process of its own, so that its 11M-line frames (2.5 GB) do not stay in the
    benchmark process where the customer-metrics refresh runs later (whole runs: 21.6 s with
    them there, 19.0 s with them in a child, 16.2 s before this benchmark existed; the
    refresh varies that much between runs by itself too)."""
    customers = str(bench.contacts or 1_000_000)
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "rapport.bench.crosssell", customers, "--json"],
        capture_output=True,
        check=True,
        text=True,
    )
    return [Result(**row) for row in json.loads(done.stdout)]


def main(argv: list[str]) -> int:
    customers = int(argv[1]) if len(argv) > 1 else 1_000_000
    results = measure(customers)
    if "--json" in argv:
        print(json.dumps([dataclasses.asdict(r) for r in results]))
        return 0
    print(table(results))
    return 1 if any(r.passed is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
