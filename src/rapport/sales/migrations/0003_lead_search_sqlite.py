# ruff: noqa: S608 - fixed SQL of our own, no input in it
"""SQLite: an FTS5 index of each lead's names, e-mail, company and phone (see sales/search.py).

Triggers keep it in step with sales_lead on every path (services, imports, the demo loader),
so no writer has to remember it. PostgreSQL searches the columns themselves.
"""

from django.db import migrations

# The phone goes in as its digits without "+" and without a 1-, 2- or 3-digit country code,
# so that a national number typed without its leading 0 ("67 111…") is a token's prefix.
TERMS = (
    "new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || new.company_name"
    " || ' ' || substr(new.phone, 2) || ' ' || substr(new.phone, 3) || ' ' ||"
    " substr(new.phone, 4) || ' ' || substr(new.phone, 5)"
)
CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS sales_lead_fts USING fts5("
    "terms, prefix='2 3', tokenize='unicode61 remove_diacritics 0', detail=none)",
    "CREATE TRIGGER IF NOT EXISTS sales_lead_fts_insert AFTER INSERT ON sales_lead "
    f"BEGIN INSERT INTO sales_lead_fts (rowid, terms) VALUES (new.id, {TERMS}); END",
    "CREATE TRIGGER IF NOT EXISTS sales_lead_fts_update AFTER UPDATE OF first_name, "
    "last_name, email, company_name, phone ON sales_lead BEGIN "
    "DELETE FROM sales_lead_fts WHERE rowid = old.id; "
    f"INSERT INTO sales_lead_fts (rowid, terms) VALUES (new.id, {TERMS}); END",
    "CREATE TRIGGER IF NOT EXISTS sales_lead_fts_delete AFTER DELETE ON sales_lead "
    "BEGIN DELETE FROM sales_lead_fts WHERE rowid = old.id; END",
    "INSERT INTO sales_lead_fts (rowid, terms) SELECT id, "
    + TERMS.replace("new.", "")
    + " FROM sales_lead",
]
DROP = [
    "DROP TRIGGER IF EXISTS sales_lead_fts_insert",
    "DROP TRIGGER IF EXISTS sales_lead_fts_update",
    "DROP TRIGGER IF EXISTS sales_lead_fts_delete",
    "DROP TABLE IF EXISTS sales_lead_fts",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_no_redundant_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
