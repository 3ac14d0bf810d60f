"""A metric condition probes CustomerMetrics per contact: on SQLite, a churn-risk condition
reads the covering index on (contact_id, churn_risk) (analytics 0004), never the table row;
other metrics and PostgreSQL keep the plain `=` on the contact."""

import pytest
from django.db import connection
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.segments import selectors

pytestmark = pytest.mark.django_db


def _sql_and_plan(rule: dict) -> tuple[str, str]:
    node = selectors.parse_rule(rule)
    query = Contact.objects.filter(selectors.rule_filter(node, user=None, now=timezone.now()))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        return sql, "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a plan of SQLite's")
@pytest.mark.parametrize("op", ["lt", "gte"])
def test_a_churn_risk_condition_reads_only_the_covering_index_on_sqlite(op):
    sql, plan = _sql_and_plan({"field": "metrics.churn_risk", "op": op, "value": 0.5})

    assert (
        "USING COVERING INDEX custmetrics_contact_churn_idx (contact_id>? AND contact_id<?)" in plan
    ), plan
    assert "sqlite_autoindex_analytics_customermetrics" not in plan, plan
    assert '"contact_id" BETWEEN ("contacts_contact"."id") AND ("contacts_contact"."id")' in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL PostgreSQL gets")
def test_postgresql_probes_the_metrics_by_equality():
    node = selectors.parse_rule({"field": "metrics.churn_risk", "op": "lt", "value": 0.5})
    query = Contact.objects.filter(selectors.rule_filter(node, user=None, now=timezone.now()))
    sql, _ = query.query.sql_with_params()

    assert '"contact_id" = ("contacts_contact"."id")' in sql
    assert "BETWEEN" not in sql


@pytest.mark.parametrize(
    "rule",
    [
        {"field": "metrics.rfm_segment", "op": "eq", "value": "champions"},
        {"field": "metrics.clv_365d", "op": "gt", "value": 100},
    ],
)
def test_a_metric_outside_the_covering_index_probes_by_equality(rule):
    # a one-value range would let SQLite probe that column's own index for every contact
    sql, plan = _sql_and_plan(rule)

    assert '"contact_id" = ("contacts_contact"."id")' in sql
    assert "BETWEEN" not in sql
    if connection.vendor == "sqlite":
        # PostgreSQL's planner may rightly start from a selective metric's own index (a semi-join);
        # SQLite would instead probe that index once per contact, which is what this guards
        assert "custmetrics_segment_idx" not in plan, plan
        assert "custmetrics_clv_idx" not in plan, plan
