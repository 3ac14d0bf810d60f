"""PostgreSQL answers `term LIKE 'abc%'` from a B-tree only with the pattern operator class
(unless the database collation is C); SQLite uses the plain index through a range instead."""

from django.db import migrations

INDEX = "searchterm_term_pattern_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON contacts_searchterm (term varchar_pattern_ops, contact_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
