"""The churn risk's and next-best offer's reasons as columns instead of JSON texts
(`CustomerMetrics.churn_reason` says why). Stored reasons are copied into the new columns,
so that the pages keep showing them until the next refresh (and back again, when the migration
is reversed; the JSON held the usual interval rounded to a tenth of a day, so until the next
refresh an overdue ratio worked out from it may differ in its second decimal). On SQLite the
table is rebuilt without the JSON columns, which drops the index of 0004: it is made again."""

from django.db import migrations, models

INDEX = "custmetrics_contact_churn_idx"

# One statement per database: a million rows are copied by the database, not by Python.
COPY = {
    "sqlite": """
        UPDATE analytics_customermetrics SET
            churn_reason_code = COALESCE(json_extract(churn_reason, '$.code'), ''),
            usual_interval_days = json_extract(churn_reason, '$.params.usual_interval_days'),
            interval_source = COALESCE(json_extract(churn_reason, '$.params.interval_source'), ''),
            offer_label = COALESCE(json_extract(next_best_offer_reason, '$.params.offer_label'), ''),
            offer_because_of = COALESCE(
                json_extract(next_best_offer_reason, '$.params.because_of_label'), ''),
            offer_confidence = json_extract(next_best_offer_reason, '$.params.confidence'),
            offer_lift = json_extract(next_best_offer_reason, '$.params.lift'),
            offer_customers = json_extract(next_best_offer_reason, '$.params.customers')
        WHERE churn_reason IS NOT NULL OR next_best_offer_reason IS NOT NULL
    """,
    "postgresql": """
        UPDATE analytics_customermetrics SET
            churn_reason_code = COALESCE(churn_reason ->> 'code', ''),
            usual_interval_days = (churn_reason -> 'params' ->> 'usual_interval_days')::float,
            interval_source = COALESCE(churn_reason -> 'params' ->> 'interval_source', ''),
            offer_label = COALESCE(next_best_offer_reason -> 'params' ->> 'offer_label', ''),
            offer_because_of = COALESCE(
                next_best_offer_reason -> 'params' ->> 'because_of_label', ''),
            offer_confidence = (next_best_offer_reason -> 'params' ->> 'confidence')::float,
            offer_lift = (next_best_offer_reason -> 'params' ->> 'lift')::float,
            offer_customers = (next_best_offer_reason -> 'params' ->> 'customers')::integer
        WHERE churn_reason IS NOT NULL OR next_best_offer_reason IS NOT NULL
    """,
}


# Back: the JSON reasons as the refresh wrote them (figures rounded as `churn_reason` shows).
COPY_BACK = {
    "sqlite": """
        UPDATE analytics_customermetrics SET
            churn_reason = CASE WHEN churn_reason_code <> '' THEN json_object(
                'code', churn_reason_code,
                'params', json_object(
                    'days_since_last', recency_days,
                    'usual_interval_days', round(usual_interval_days, 1),
                    'interval_source', NULLIF(interval_source, ''),
                    'overdue_ratio', CASE WHEN usual_interval_days > 0
                        THEN round(recency_days / usual_interval_days, 2) END,
                    'p_alive', round(p_alive, 3))) END,
            next_best_offer_reason = CASE WHEN offer_lift IS NOT NULL THEN json_object(
                'code', 'also_bought',
                'params', json_object(
                    'because_of_label', offer_because_of,
                    'offer_label', offer_label,
                    'confidence', round(offer_confidence, 4),
                    'lift', round(offer_lift, 3),
                    'customers', offer_customers)) END
    """,
    "postgresql": """
        UPDATE analytics_customermetrics SET
            churn_reason = CASE WHEN churn_reason_code <> '' THEN jsonb_build_object(
                'code', churn_reason_code,
                'params', jsonb_build_object(
                    'days_since_last', recency_days,
                    'usual_interval_days', round(usual_interval_days::numeric, 1),
                    'interval_source', NULLIF(interval_source, ''),
                    'overdue_ratio', CASE WHEN usual_interval_days > 0
                        THEN round((recency_days / usual_interval_days)::numeric, 2) END,
                    'p_alive', round(p_alive::numeric, 3))) END,
            next_best_offer_reason = CASE WHEN offer_lift IS NOT NULL THEN jsonb_build_object(
                'code', 'also_bought',
                'params', jsonb_build_object(
                    'because_of_label', offer_because_of,
                    'offer_label', offer_label,
                    'confidence', round(offer_confidence::numeric, 4),
                    'lift', round(offer_lift::numeric, 3),
                    'customers', offer_customers)) END
    """,
}


def copy_reasons(apps, schema_editor):
    sql = COPY.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def copy_reasons_back(apps, schema_editor):
    sql = COPY_BACK.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def index_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON analytics_customermetrics "
            "(contact_id, churn_risk)"
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_customer_metrics_churn_cover_sqlite")]

    operations = [
        migrations.AddField(
            model_name="customermetrics",
            name="churn_reason_code",
            field=models.CharField(blank=True, db_default="", max_length=12),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="interval_source",
            field=models.CharField(blank=True, db_default="", max_length=8),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="offer_because_of",
            field=models.CharField(blank=True, db_default="", max_length=200),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="offer_confidence",
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="offer_customers",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="offer_label",
            field=models.CharField(blank=True, db_default="", max_length=200),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="offer_lift",
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name="customermetrics",
            name="usual_interval_days",
            field=models.FloatField(null=True),
        ),
        migrations.RunPython(copy_reasons, copy_reasons_back, elidable=False),
        migrations.RemoveField(
            model_name="customermetrics",
            name="churn_reason",
        ),
        migrations.RemoveField(
            model_name="customermetrics",
            name="next_best_offer_reason",
        ),
        migrations.RunPython(index_again, migrations.RunPython.noop, elidable=False),
    ]
