# ruff: noqa: S608 - fixed SQL of our own, no input in it
"""The contact search index rebuilt with the search fold (core.text.search_fold): diacritics,
apostrophe variants and the Ukrainian/Russian letter pairs fold away, on both databases.

In bulk SQL: SQLite folds every FTS5 document into a new FTS5 table that replaces the old
one (the fold is a registered function); PostgreSQL folds each distinct term that may
change once (`rapport_search_fold`, core migration 0006), splits the words that held an
apostrophe or a hyphen into the words the fold makes of them and rewrites the others, then
writes each contact's `search_document` (the broad searches' walk reads it) from its terms.
"""

from django.db import migrations, models

MAX_TERM = 64

# FTS5 deletes row by row (reading each document back), so the index is rebuilt as a new
# table instead: deleting and re-inserting the changed documents of 1M contacts had not
# finished after 12 minutes on the shared 2-core machine.
FTS = "contacts_search_fts"
SQLITE = [
    f"CREATE VIRTUAL TABLE {FTS}_folded USING fts5("
    "terms, prefix='2 3 4', tokenize='unicode61 remove_diacritics 0', detail=none)",
    f"INSERT INTO {FTS}_folded (rowid, terms) SELECT rowid, rapport_search_fold(terms) FROM {FTS}",
    # The trigger names the table: dropped first, so that renaming finds nothing broken.
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TABLE {FTS}",
    f"ALTER TABLE {FTS}_folded RENAME TO {FTS}",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON contacts_contact "
    f"BEGIN DELETE FROM {FTS} WHERE rowid = OLD.id; END",
    # Rows a bulk loader staged and has not indexed yet (normally none).
    "UPDATE contacts_searchterm SET term = rapport_search_fold(term)",
]
# The fold runs once per distinct term that it may change (names repeat: 1,928 distinct
# non-ASCII terms among 390,736 at the medium size), not once per row. Plain a-z/0-9 words
# and ASCII e-mail addresses without an apostrophe are what they were.
POSTGRESQL = [
    "CREATE TEMP TABLE search_refold AS SELECT term, folded FROM ("
    "SELECT term, rapport_search_fold(term) AS folded FROM (SELECT DISTINCT term "
    "FROM contacts_searchterm WHERE octet_length(term) <> char_length(term) "
    "OR strpos(term, chr(39)) > 0 OR strpos(term, chr(96)) > 0 "  # ' and `
    "OR (strpos(term, '@') = 0 AND term !~ '^[a-z0-9]*$')) AS candidates) AS f "
    "WHERE folded <> term",
    "ANALYZE search_refold",
    # A word that held an apostrophe or a hyphen (not an e-mail address, which is kept whole
    # as addresses are typed) becomes the words the fold leaves of it.
    "INSERT INTO contacts_searchterm (contact_id, term) "
    f"SELECT DISTINCT s.contact_id, left(part, {MAX_TERM}) "
    "FROM contacts_searchterm s JOIN search_refold m ON m.term = s.term, "
    "regexp_split_to_table(m.folded, '[^[:alnum:]]+') AS part "
    "WHERE strpos(m.term, '@') = 0 AND m.folded ~ '[^[:alnum:]]' AND part <> ''",
    "DELETE FROM contacts_searchterm s USING search_refold m WHERE m.term = s.term "
    "AND strpos(m.term, '@') = 0 AND m.folded ~ '[^[:alnum:]]'",
    f"UPDATE contacts_searchterm s SET term = left(m.folded, {MAX_TERM}) "
    "FROM search_refold m WHERE m.term = s.term",
    "DROP TABLE search_refold",
    "ANALYZE contacts_searchterm",
    # Each contact's document for the broad searches' walk (Contact.search_document).
    "UPDATE contacts_contact c SET search_document = d.terms FROM (SELECT contact_id, "
    "' ' || string_agg(term, ' ') AS terms FROM contacts_searchterm GROUP BY contact_id) d "
    "WHERE c.id = d.contact_id",
    "ANALYZE contacts_contact",
]


def refold(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRESQL
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_no_redundant_indexes"),
        ("core", "0006_search_fold_function"),
    ]
    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_document",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        # Backwards there is nothing to undo: the folded index still answers the old queries.
        migrations.RunPython(refold, migrations.RunPython.noop, elidable=False),
    ]
