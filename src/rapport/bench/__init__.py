"""`make bench`: Rapport's speed next to a baseline measured in the same run.

Each benchmark is a function registered with `@benchmark`; it receives the `Bench` (database
facts, users) and returns rows for the table. Later apps add their own modules to `MODULES`.
"""

from rapport.bench.harness import Bench, Result, benchmark, registry

MODULES = [
    "rapport.bench.dataset",
    "rapport.bench.contacts",
    "rapport.bench.analytics",
    "rapport.bench.clv",
    "rapport.bench.crosssell",
    "rapport.bench.forecast",
    "rapport.bench.imports",
    "rapport.bench.serving",
    "rapport.bench.activities",
    "rapport.bench.reminders",
    "rapport.bench.segments",
    "rapport.bench.birthdays",
    "rapport.bench.campaigns",
    "rapport.bench.delivery_kills",
    "rapport.bench.launch",
    "rapport.bench.automation",
]

__all__ = ["MODULES", "Bench", "Result", "benchmark", "registry"]
