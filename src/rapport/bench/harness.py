"""The benchmark registry, timing helpers and the result table. No Django imports."""

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One row: a metric, Rapport's figure, the baseline's, and what it must not exceed."""

    metric: str
    rapport: float
    baseline: float | None
    unit: str
    target: float | None = None  # the maximum allowed for Rapport's figure
    at_least: bool = False  # the target is a minimum instead (throughput)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.rapport / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.rapport >= self.target if self.at_least else self.rapport <= self.target


@dataclass
class Bench:
    """What benchmarks share: the data set size and anything set up once."""

    contacts: int
    facts: dict[str, Any] = field(default_factory=dict)


Benchmark = Callable[[Bench], Iterable[Result]]
_REGISTRY: list[Benchmark] = []
_SERVED: list[Benchmark] = []


def benchmark(fn: Benchmark) -> Benchmark:
    _REGISTRY.append(fn)
    return fn


def served_benchmark(fn: Benchmark) -> Benchmark:
    """A benchmark that talks to server processes over HTTP. It runs outside the transaction
    the others are rolled back in (a server must see what it sets up, and an open write
    transaction would lock it out of SQLite), so it removes what it creates itself."""
    _SERVED.append(fn)
    return fn


def registry() -> list[Benchmark]:
    return list(_REGISTRY)


def served_registry() -> list[Benchmark]:
    return list(_SERVED)


def timings_ms(
    fn: Callable[[Any], Any], inputs: Iterable[Any], *, warmup: bool = True
) -> list[float]:
    """Milliseconds per call of `fn(x)` for each input (after one untimed pass when `warmup`)."""
    inputs = list(inputs)
    if warmup:
        for x in inputs:
            fn(x)
    out = []
    for x in inputs:
        start = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1-99) of `values`."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(results: list[Result]) -> str:
    header = ("metric", "Rapport", "baseline", "ratio", "target", "")
    rows = [header]
    for r in results:
        rows.append(
            (
                r.metric,
                _fmt(r.rapport, r.unit),
                _fmt(r.baseline, r.unit),
                "—" if r.ratio is None else f"{r.ratio:.2f}×",
                "—"
                if r.target is None
                else f"{'≥' if r.at_least else '≤'} {_fmt(r.target, r.unit)}",
                {True: "ok", False: "SLOW", None: ""}[r.passed],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
