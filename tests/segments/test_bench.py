"""The segments benchmark's hand-written SQL means what the rule means: same count."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.analytics.models import CustomerMetrics
from rapport.bench import dataset
from rapport.bench import segments as bench_segments
from rapport.bench.harness import Bench
from rapport.contacts.models import ConsentEvent
from rapport.sales.models import Order
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


def _customer(owner, name: str, *, consent: str | None, ordered_days_ago: int | None,
              churn: float | None):  # fmt: skip
    contact = make_contact(owner, first_name=name, lifecycle_stage="customer")
    now = timezone.now()
    if consent:
        ConsentEvent.objects.create(contact=contact, channel="email", purpose="marketing",
                                    status=consent, at=now, source="test")  # fmt: skip
    if ordered_days_ago is not None:
        Order.objects.create(contact=contact, order_date=now - dt.timedelta(days=ordered_days_ago),
                             total=Decimal(100), currency="EUR")  # fmt: skip
    if churn is not None:
        day = now.date()
        CustomerMetrics.objects.create(
            contact=contact, as_of=day, computed_at=now, currency="EUR", first_purchase=day,
            last_purchase=day, recency_days=1, frequency=0, T_days=1, total_revenue=0,
            monetary=0, churn_risk=churn,
        )  # fmt: skip
    return contact


def test_the_benchmark_counts_the_same_members_both_ways(users):
    owner = users["manager"]
    _customer(owner, "Match", consent="granted", ordered_days_ago=10, churn=0.2)
    _customer(owner, "Old order", consent="granted", ordered_days_ago=400, churn=0.2)
    _customer(owner, "Withdrawn", consent="withdrawn", ordered_days_ago=10, churn=0.2)
    _customer(owner, "Churning", consent="granted", ordered_days_ago=10, churn=0.9)
    _customer(owner, "Match too", consent="granted", ordered_days_ago=1, churn=0.0)

    rows = bench_segments.segment_count(Bench(contacts=5))

    assert len(rows) == 1
    assert rows[0].metric.startswith("segment count, 4 conditions (2 members")


def test_the_benchmark_refuses_a_data_set_without_customer_metrics(users):
    _customer(users["manager"], "Match", consent="granted", ordered_days_ago=10, churn=None)

    with pytest.raises(AssertionError, match="the data set has no customer metrics"):
        bench_segments.segment_count(Bench(contacts=1))


def test_a_data_set_without_customer_metrics_gets_them_once(tmp_path, monkeypatch):
    stored = {"analytics_customermetrics": 0}
    refreshes: list[list[str]] = []

    def run(args, **kwargs):
        refreshes.append(args[-2:])
        stored["analytics_customermetrics"] = 3

    monkeypatch.setattr(dataset, "_count", lambda url, table: stored[table])
    monkeypatch.setattr(dataset.subprocess, "run", run)
    record = tmp_path / "bench-large.json"

    facts = dataset.ensure_metrics("sqlite:///set", {"size": "large"}, record)
    again = dataset.ensure_metrics("sqlite:///set", facts, record)

    assert refreshes == [["analytics", "refresh"]]
    assert sorted(facts) == ["metrics_s", "size"]
    assert json.loads(record.read_text()) == facts == again


def test_a_complete_set_copied_without_its_record_is_measured_not_rebuilt(tmp_path, monkeypatch):
    home = tmp_path
    database = dataset.database_path(home)
    database.parent.mkdir(parents=True)
    database.write_bytes(b"the copied set")
    commands: list[list[str]] = []
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RAPPORT_BENCH_SIZE", "large")
    monkeypatch.setattr(dataset, "is_complete", lambda url, size: True)
    monkeypatch.setattr(dataset, "_count", lambda url, table: 5)  # metrics are there
    monkeypatch.setattr(dataset.subprocess, "run", lambda args, **kw: commands.append(args[-3:]))

    facts = dataset.ensure_database(home)

    assert database.read_bytes() == b"the copied set"
    assert commands == [["migrate", "--no-input", "-v0"]]
    assert facts == {"size": "large", "generation_s": 0.0, "built_at": "-"}
