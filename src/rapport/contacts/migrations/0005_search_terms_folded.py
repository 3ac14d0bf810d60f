# ruff: noqa: S608 - fixed SQL of our own, no input in it
"""Rebuild the contact search index with the search fold (core.text.search_fold): diacritics,
apostrophe variants and the Ukrainian/Russian letter pairs fold away, on both databases.

Only what the fold changes is rewritten, in bulk SQL: SQLite re-folds each changed FTS5
document (the fold is a registered function); PostgreSQL splits the words that held an
apostrophe or a hyphen into the words the fold makes of them, then folds the other changed
terms in place (`rapport_search_fold`, core migration 0005).
"""

from django.db import migrations

MAX_TERM = 64

SQLITE = [
    "CREATE TEMP TABLE search_refold AS SELECT id, folded FROM (SELECT rowid AS id, terms, "
    "rapport_search_fold(terms) AS folded FROM contacts_search_fts) WHERE folded <> terms",
    "DELETE FROM contacts_search_fts WHERE rowid IN (SELECT id FROM search_refold)",
    "INSERT INTO contacts_search_fts (rowid, terms) SELECT id, folded FROM search_refold",
    "DROP TABLE search_refold",
    # Rows a bulk loader staged and has not indexed yet (normally none).
    "UPDATE contacts_searchterm SET term = rapport_search_fold(term)",
]
# A word with something other than letters and digits in it (not an e-mail address, which is
# kept whole as typed addresses are) becomes the words the fold leaves of it.
SPLIT = "strpos(term, '@') = 0 AND term ~ '[^[:alnum:]]'"
POSTGRESQL = [
    "INSERT INTO contacts_searchterm (contact_id, term) "
    f"SELECT DISTINCT contact_id, left(part, {MAX_TERM}) FROM contacts_searchterm, "
    "regexp_split_to_table(rapport_search_fold(term), '[^[:alnum:]]+') AS part "
    f"WHERE {SPLIT} AND part <> ''",
    f"DELETE FROM contacts_searchterm WHERE {SPLIT}",
    f"UPDATE contacts_searchterm SET term = left(rapport_search_fold(term), {MAX_TERM}) "
    "WHERE term <> rapport_search_fold(term)",
    "ANALYZE contacts_searchterm",
]


def refold(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRESQL
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_no_redundant_indexes"),
        ("core", "0005_search_fold_function"),
    ]
    # Backwards there is nothing to undo: the folded index still answers the old queries.
    operations = [migrations.RunPython(refold, migrations.RunPython.noop, elidable=False)]
