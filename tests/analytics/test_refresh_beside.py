"""The refresh's writes beside its computation (`analytics.refresh.write`): on a database
outside any transaction they run in a thread with a connection of its own, staged through
scratch files on SQLite; they must store exactly what the writes one after the other store,
and a failure on either side must leave the old figures and no lock behind.

The SQLite case needs a database in a file (the test database is in memory), so it runs in a
child process on a fresh home with the tiny demo; the other case runs on the test database
(on PostgreSQL, outside a transaction, the writes go beside the computation)."""

import inspect
import json
from pathlib import Path

import pytest
from django.db import connection, transaction

from rapport.analytics.labels import REFRESH_STEPS
from rapport.analytics.models import AnalyticsRun, CustomerMetrics
from rapport.analytics.refresh import refresh_customers
from rapport.analytics.refresh.write import beside_allowed
from tests.analytics import stored_rows
from tests.analytics.stored_rows import stored
from tests.analytics.test_refresh import AS_OF, world  # noqa: F401 (a fixture)
from tests.core.subprocess_env import rapport_env, run_python, run_rapport

STORED = inspect.getsource(stored_rows)  # the same helpers in the child processes


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh home with a SQLite database file holding the tiny demo (refreshed once)."""
    home = tmp_path_factory.mktemp("beside")
    env = rapport_env(home)
    for command in (("migrate", "--no-input"), ("demo", "--size", "tiny")):
        result = run_rapport(*command, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    return home


def run_child(home: Path, code: str) -> dict:
    return json.loads(run_python(STORED + code, env=rapport_env(home)).splitlines()[-1])


def test_sqlite_file_writes_beside_store_what_the_writes_in_turn_store(demo_home):
    answer = run_child(
        demo_home,
        """
import json
from django.db import transaction
from rapport.analytics.refresh import refresh_customers
from rapport.analytics.refresh.write import beside_allowed
beside_mode = beside_allowed()
run = refresh_customers()
beside = stored()
with transaction.atomic():
    in_turn_mode = beside_allowed()
    refresh_customers()
print(json.dumps({
    "modes": [beside_mode, in_turn_mode],
    "same": beside == stored(),
    "sizes": {k: len(v) for k, v in beside.items()},
    "customers": run.customers,
    "steps": [s["step"] for s in run.steps],
}))
""",
    )
    assert answer["modes"] == [True, False]
    assert answer["same"] is True
    sizes = answer["sizes"]
    assert sizes["metrics"] == answer["customers"] == 32
    # (pairs staged after the transaction began were once read as an empty table)
    assert sizes["pairs"] > 0
    assert sizes["products"] > 0
    assert sizes["reports"] > 0
    assert [step for step in answer["steps"] if step not in REFRESH_STEPS] == []  # all named
    for step in (
        "stage metrics, products for writing",
        "stage pairs for writing",
        "wait for the customer rows (writing beside the computation)",
        "commit",
    ):
        assert step in answer["steps"]


@pytest.mark.parametrize(
    ("broken", "side"),
    [
        ("rapport.analytics.refresh.report_snapshots", "computation"),
        ("rapport.analytics.writers.record_segment_history", "writer"),
        ("rapport.analytics.staging._ingest", "staging"),
    ],
)
def test_sqlite_file_a_failure_on_either_side_keeps_the_old_figures_and_no_lock(
    demo_home, broken, side
):
    module, name = broken.rsplit(".", 1)
    answer = run_child(
        demo_home,
        f"""
import importlib, json, os, tempfile
from django.db import connection
from rapport.analytics import staging
from rapport.analytics.models import AnalyticsRun
from rapport.analytics.refresh import refresh_customers
scratch = tempfile.mkdtemp()  # this run's own (another suite may stage beside it)
staging.scratch_dir = lambda: scratch
before = stored()

def broken(*args, **kwargs):
    raise MemoryError("no room on the {side} side")

setattr(importlib.import_module("{module}"), "{name}", broken)
try:
    refresh_customers()
    error = None
except MemoryError as exc:
    error = str(exc)
run = AnalyticsRun.objects.filter(kind="customers").latest("started_at")
with connection.cursor() as cursor:  # nobody holds the write lock any more: this is at once
    cursor.execute("PRAGMA busy_timeout = 0")
    AnalyticsRun.objects.filter(pk=run.pk).update(note=run.note + " (seen)")
print(json.dumps({{
    "error": error,
    "status": run.status,
    "same": stored() == before,
    "left_behind": sorted(os.listdir(scratch)),
}}))
""",
    )
    assert answer == {
        "error": f"no room on the {side} side",
        "status": "failed",
        "same": True,
        "left_behind": [],
    }


@pytest.mark.django_db(transaction=True)
def test_writes_outside_a_transaction_store_what_the_writes_in_turn_store(world):  # noqa: F811
    # on PostgreSQL they run beside the computation; an in-memory SQLite writes in turn
    assert beside_allowed() is (connection.vendor == "postgresql")
    beside_run = refresh_customers(as_of=AS_OF)
    beside = stored()
    with transaction.atomic():
        assert beside_allowed() is False
        refresh_customers(as_of=AS_OF)

    assert stored() == beside
    assert beside_run.customers == len(beside["metrics"]) == 3
    assert [s["step"] for s in beside_run.steps if s["step"] not in REFRESH_STEPS] == []


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_writes_began_keeps_the_old_figures(world, monkeypatch):  # noqa: F811
    refresh_customers(as_of=AS_OF)
    before = sorted(CustomerMetrics.objects.values_list("contact_id", "computed_at"))

    def broken(*args, **kwargs):
        raise MemoryError("no room for the reports")

    monkeypatch.setattr("rapport.analytics.refresh.report_snapshots", broken)
    with pytest.raises(MemoryError, match="no room for the reports"):
        refresh_customers(as_of=AS_OF)

    assert AnalyticsRun.objects.filter(kind="customers").latest("started_at").status == "failed"
    assert sorted(CustomerMetrics.objects.values_list("contact_id", "computed_at")) == before
