"""The benchmark database and the demo generation time it took.

SQLite by default (var/bench-<size>.sqlite3); with DATABASE_URL set to a PostgreSQL database,
that database (filled once with the demo set if it is empty), so that `make bench` measures
both side by side, each against raw SQL for its own database.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rapport.bench.harness import Bench, Result, benchmark

SIZES = {"medium": 50_000, "large": 1_000_000}
GENERATION_TARGET_S = {"medium": 20.0, "large": 180.0}


def bench_size() -> str:
    size = os.environ.get("RAPPORT_BENCH_SIZE", "large")
    if size not in SIZES:
        raise SystemExit(f"RAPPORT_BENCH_SIZE must be one of {', '.join(SIZES)}")
    return size


def database_path(home: Path) -> Path:
    return home / "var" / f"bench-{bench_size()}.sqlite3"


def postgresql_url() -> str | None:
    """The PostgreSQL database to measure, when DATABASE_URL names one."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def database_url(home: Path) -> str:
    return postgresql_url() or f"sqlite:///{database_path(home)}"


def backend_name() -> str:
    return "PostgreSQL" if postgresql_url() else "SQLite"


def _record_path(home: Path) -> Path:
    if postgresql_url():
        return home / "var" / f"bench-{bench_size()}-postgresql.json"
    return database_path(home).with_suffix(".json")


def _count(url: str, table: str) -> int:
    """Rows of `table` in the database at `url` (0 when there is no such table or file)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return 0
        with sqlite3.connect(path) as db:
            try:
                return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
            except sqlite3.OperationalError:
                return 0
    import psycopg

    with psycopg.connect(url) as db:
        try:
            row = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def is_complete(url: str, size: str) -> bool:
    """All the customers are there, and their sales (a set built before the demo generated
    orders has none, so it is built again)."""
    return _count(url, "contacts_contact") >= SIZES[size] and _count(url, "sales_order") > 0


def ensure_database(home: Path) -> dict[str, Any]:
    """Build the data set once (timed) unless it is there and complete: a fresh SQLite file,
    or the demo set in the PostgreSQL database of DATABASE_URL if that one holds no contacts
    yet (a partly filled one is refused rather than filled twice)."""
    size = bench_size()
    url = database_url(home)
    record = _record_path(home)
    complete = is_complete(url, size)
    env = {**os.environ, "DATABASE_URL": url}
    rapport = [sys.executable, "-m", "rapport"]
    if complete and not record.exists() and not postgresql_url():
        # a complete set copied without its record (which only holds the build's time):
        # measure it, never delete a million customers to build them again
        record.write_text(json.dumps({"size": size, "generation_s": 0.0, "built_at": "-"}))
    if record.exists() and complete:
        # a set built by an older Rapport gets the newer migrations (an index a benchmark
        # measures), as an installation would
        subprocess.run([*rapport, "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
        return ensure_metrics(url, json.loads(record.read_text()), record)
    if postgresql_url():
        subprocess.run([*rapport, "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
        if complete:  # filled by someone else: measure it, without a generation time
            facts: dict[str, Any] = {"size": size, "generation_s": 0.0, "built_at": "-"}
            record.write_text(json.dumps(facts))
            return ensure_metrics(url, facts, record)
        if _count(url, "contacts_contact"):
            raise SystemExit(
                f"{url} holds part of a data set; drop it and create it empty, then run again."
            )
    else:
        path = database_path(home)
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*rapport, "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
    print(f"Building the {size} benchmark data set in {url} (once)…", flush=True)
    start = time.monotonic()
    subprocess.run([*rapport, "demo", "--size", size, "-v1"], env=env, check=True)  # noqa: S603
    facts = {
        "size": size,
        "generation_s": time.monotonic() - start,
        "built_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    record.write_text(json.dumps(facts))
    return ensure_metrics(url, facts, record)


def ensure_metrics(url: str, facts: dict[str, Any], record: Path) -> dict[str, Any]:
    """The customer metrics, computed once for a set that has none (the demo computes them
    itself only up to the medium size): without them a benchmark over metrics (a segment's
    churn-risk condition) would count nobody and time an empty table. Timed apart from the
    generation; the refresh benchmark recomputes them on its own clock."""
    if _count(url, "analytics_customermetrics"):
        return facts
    print(f"Computing the customer metrics of {url} (once)…", flush=True)
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rapport", "analytics", "refresh"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )
    facts = {**facts, "metrics_s": time.monotonic() - start}
    record.write_text(json.dumps(facts))
    return facts


@benchmark
def demo_generation(bench: Bench) -> list[Result]:
    facts = bench.facts["build"]
    size = str(facts["size"])
    if not facts["generation_s"]:
        return []  # a database filled before this run: no generation time to show
    return [
        Result(
            metric=f"demo --size {size} ({SIZES[size]:,} customers), built {facts['built_at']}",
            rapport=float(facts["generation_s"]),
            baseline=None,
            unit="s",
            # The target is SQLite's (the one-machine default); PostgreSQL's load is shown.
            target=None if postgresql_url() else GENERATION_TARGET_S[size],
        )
    ]
