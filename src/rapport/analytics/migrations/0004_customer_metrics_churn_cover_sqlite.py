"""SQLite: a segment's churn-risk condition answered from an index, not from the table row.

A metric condition is an EXISTS over CustomerMetrics for each contact the other conditions
leave (hundreds of thousands at a million contacts). On SQLite `contact_id` is not the rowid
(a `bigint` primary key has its own unique index), so each probe read the wide table row;
with (contact_id, churn_risk) in one index the probe reads the index alone: the four-condition
segment of the benchmark counted in 435 ms of CPU instead of 569 ms (1M contacts, warm cache,
2026-12-02). The compiler writes the probe so that SQLite weighs this index (see
segments.compiler.SameContact). PostgreSQL hash-joins the metrics and needs none of this.
"""

from django.db import migrations

INDEX = "custmetrics_contact_churn_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON analytics_customermetrics "
            "(contact_id, churn_risk)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_customer_metrics_referrals")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
