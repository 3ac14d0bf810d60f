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

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.rapport / self.baseline

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.rapport <= self.target


@dataclass
class Bench:
    """What benchmarks share: the data set size and anything set up once."""

    contacts: int
    facts: dict[str, Any] = field(default_factory=dict)


Benchmark = Callable[[Bench], Iterable[Result]]
_REGISTRY: list[Benchmark] = []


def benchmark(fn: Benchmark) -> Benchmark:
    _REGISTRY.append(fn)
    return fn


def registry() -> list[Benchmark]:
    return list(_REGISTRY)


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
                "—" if r.target is None else f"≤ {_fmt(r.target, r.unit)}",
                {True: "ok", False: "SLOW", None: ""}[r.passed],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
