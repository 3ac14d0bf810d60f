"""How a refresh tells its caller what it is doing: each step's time and row count as it
ends (`Recorder`), and the rows written so far of a long write.
"""

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[str, int, int], None]  # (step, done, total)
# a finished step: {"step", "seconds", "cpu_seconds", "rows"}
Announce = Callable[[dict[str, Any]], None]


def cpu_clock() -> float:
    """CPU seconds of this process (every thread) and of its waited-for children: the
    refresh reads through child processes (`loaders.arrow_reads`), whose work would be
    invisible in `time.process_time`. Beside the wall time, it tells work from waiting."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Recorder:
    """Times each step (wall and CPU) and keeps its row count; tells the caller as each one
    ends."""

    announce: Announce | None = None
    progress: Progress | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        entry: dict[str, Any] = {"step": name, "seconds": 0.0, "cpu_seconds": 0.0, "rows": 0}
        started = self.clock()
        yield entry
        self.record(entry, started)

    def clock(self) -> tuple[float, float]:
        """(wall, CPU) now: the start of a step that is not one block (`record`)."""
        return time.perf_counter(), cpu_clock()

    def record(self, entry: dict[str, Any], started: tuple[float, float]) -> None:
        """Close the step `entry` begun at `started` (`clock`) and tell the caller."""
        entry["seconds"] = round(time.perf_counter() - started[0], 3)
        entry["cpu_seconds"] = round(cpu_clock() - started[1], 3)
        self.steps.append(entry)
        if self.announce:
            self.announce(entry)

    def report_progress(self, step: str) -> Callable[[int, int], None] | None:
        if self.progress is None:
            return None
        tell = self.progress
        return lambda done, total: tell(step, done, total)
