# ruff: noqa: S608 - fixed SQL of our own, no input in it
"""Lead search through the search fold (core.text.search_fold) on both databases.

SQLite: the FTS5 index (0003) is made anew, its triggers indexing each field through
`rapport_search_fold` (the Python fold, registered on every connection by core.sqlite).
PostgreSQL: the trigram index (0004) is rebuilt over the folded text, `rapport_search_fold`
of the same concatenation (core migration 0006), compiled from a frozen copy of
sales.search._folded_text so that it is exactly the SQL the search writes.
"""

from django.db import migrations
from django.db.models import Func, TextField, Value
from django.db.models.functions import Concat
from django.db.models.sql import Query

NAME = "lead_search_trgm"


def _fold(column):
    return f"rapport_search_fold({column})"


# The phone goes in as its digits without "+" and without a 1-, 2- or 3-digit country code,
# so that a national number typed without its leading 0 ("67 111…") is a token's prefix.
TERMS = (
    f"{_fold('new.first_name')} || ' ' || {_fold('new.last_name')} || ' ' || "
    f"{_fold('new.email')} || ' ' || {_fold('new.company_name')}"
    " || ' ' || substr(new.phone, 2) || ' ' || substr(new.phone, 3) || ' ' ||"
    " substr(new.phone, 4) || ' ' || substr(new.phone, 5)"
)
# The index is made anew: FTS5 deletes row by row, reading each document back.
SQLITE = [
    "DROP TRIGGER IF EXISTS sales_lead_fts_insert",
    "DROP TRIGGER IF EXISTS sales_lead_fts_update",
    "DROP TRIGGER IF EXISTS sales_lead_fts_delete",
    "DROP TABLE IF EXISTS sales_lead_fts",
    "CREATE VIRTUAL TABLE sales_lead_fts USING fts5("
    "terms, prefix='2 3', tokenize='unicode61 remove_diacritics 0', detail=none)",
    "INSERT INTO sales_lead_fts (rowid, terms) SELECT id, "
    + TERMS.replace("new.", "")
    + " FROM sales_lead",
    "CREATE TRIGGER sales_lead_fts_insert AFTER INSERT ON sales_lead "
    f"BEGIN INSERT INTO sales_lead_fts (rowid, terms) VALUES (new.id, {TERMS}); END",
    "CREATE TRIGGER sales_lead_fts_update AFTER UPDATE OF first_name, "
    "last_name, email, company_name, phone ON sales_lead BEGIN "
    "DELETE FROM sales_lead_fts WHERE rowid = old.id; "
    f"INSERT INTO sales_lead_fts (rowid, terms) VALUES (new.id, {TERMS}); END",
    "CREATE TRIGGER sales_lead_fts_delete AFTER DELETE ON sales_lead "
    "BEGIN DELETE FROM sales_lead_fts WHERE rowid = old.id; END",
]


def _expression_sql(model, schema_editor):
    folded = Func(
        Concat(
            "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "),
            "company_name", Value(" "), "phone", output_field=TextField(),
        ),
        function="rapport_search_fold",
        output_field=TextField(),
    )  # fmt: skip
    query = Query(model, alias_cols=False)
    compiler = query.get_compiler(connection=schema_editor.connection)
    sql, params = folded.resolve_expression(query).as_sql(compiler, schema_editor.connection)
    return sql % tuple(schema_editor.quote_value(p) for p in params)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
        return
    model = apps.get_model("sales", "Lead")
    table = model._meta.db_table
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
    schema_editor.execute(
        f"CREATE INDEX {NAME} ON {table} USING gin "
        f"(({_expression_sql(model, schema_editor)}) gin_trgm_ops)"
    )
    # Statistics of the new expression at once (see 0004).
    schema_editor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_stage_builtin_key"),
        ("core", "0006_search_fold_function"),
    ]
    # No way back: the old index would not match what the search now writes.
    operations = [migrations.RunPython(forwards, elidable=False)]
