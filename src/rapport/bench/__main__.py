"""`python -m rapport.bench`: build the benchmark data set once, run every benchmark, print."""

import importlib
import os
import sys
from pathlib import Path


def main() -> int:
    from rapport.bench import dataset

    home = Path(os.environ.get("RAPPORT_HOME", Path.cwd())).resolve()
    os.environ["RAPPORT_HOME"] = str(home)
    os.environ["DATABASE_URL"] = dataset.database_url(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("RAPPORT_HTTPS", "0")
    # The Django test client calls itself "testserver"; the default hosts refuse it (400).
    os.environ.setdefault("RAPPORT_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
    build = dataset.ensure_database(home)

    import django

    django.setup()
    from django.db import transaction

    from rapport.bench import MODULES, Bench, harness
    from rapport.contacts.models import Contact

    for module in MODULES:
        importlib.import_module(module)
    bench = Bench(contacts=Contact.objects.count(), facts={"build": build})
    results: list[harness.Result] = []
    # RAPPORT_BENCH_ONLY=reminders runs the benchmarks whose module or name contains it.
    only = os.environ.get("RAPPORT_BENCH_ONLY", "")

    def chosen(fns: list[harness.Benchmark]) -> list[harness.Benchmark]:
        return [fn for fn in fns if only in f"{fn.__module__}.{getattr(fn, '__name__', '')}"]

    # Benchmarks may create rows (API tokens); nothing of a run stays in the data set.
    with transaction.atomic():
        for fn in chosen(harness.registry()):
            results.extend(fn(bench))
        transaction.set_rollback(True)
    for fn in chosen(harness.served_registry()):  # they clean up after themselves
        results.extend(fn(bench))
    print(f"\nRapport benchmarks on {dataset.backend_name()}, {bench.contacts:,} contacts\n")
    print(harness.table(results))
    return 1 if any(r.passed is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
