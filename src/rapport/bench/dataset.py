"""The benchmark database (var/bench.sqlite3) and the demo generation time it took."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

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


def _record_path(home: Path) -> Path:
    return database_path(home).with_suffix(".json")


def _count(path: Path, table: str) -> int:
    import sqlite3

    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        try:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
        except sqlite3.OperationalError:
            return 0


def is_complete(path: Path, size: str) -> bool:
    """All the customers are there, and their sales (a set built before the demo generated
    orders has none, so it is built again)."""
    return _count(path, "contacts_contact") >= SIZES[size] and _count(path, "sales_order") > 0


def ensure_database(home: Path) -> dict[str, float | str]:
    """Build the data set once (a fresh file, timed) unless it is there and complete."""
    size = bench_size()
    path = database_path(home)
    record = _record_path(home)
    if record.exists() and is_complete(path, size):
        return json.loads(record.read_text())
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    rapport = [sys.executable, "-m", "rapport"]
    subprocess.run([*rapport, "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
    print(f"Building the {size} benchmark data set in {path} (once)…", flush=True)
    start = time.monotonic()
    subprocess.run([*rapport, "demo", "--size", size, "-v1"], env=env, check=True)  # noqa: S603
    facts: dict[str, float | str] = {
        "size": size,
        "generation_s": time.monotonic() - start,
        "built_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    record.write_text(json.dumps(facts))
    return facts


@benchmark
def demo_generation(bench: Bench) -> list[Result]:
    facts = bench.facts["build"]
    size = str(facts["size"])
    return [
        Result(
            metric=f"demo --size {size} ({SIZES[size]:,} customers), built {facts['built_at']}",
            rapport=float(facts["generation_s"]),
            baseline=None,
            unit="s",
            target=GENERATION_TARGET_S[size],
        )
    ]
