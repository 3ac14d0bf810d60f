"""SQLite: an FTS5 index over each contact's search terms (see rapport.contacts.search).

One document per contact (rowid = contact id). Contacts deleted by any path leave it through a
trigger; writes go through search.reindex / search.sync_fulltext. PostgreSQL needs none of it.
"""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS contacts_search_fts USING fts5("
    "terms, prefix='2 3 4', tokenize='unicode61 remove_diacritics 0', detail=none)",
    "CREATE TRIGGER IF NOT EXISTS contacts_search_fts_delete AFTER DELETE ON contacts_contact "
    "BEGIN DELETE FROM contacts_search_fts WHERE rowid = OLD.id; END",
    "INSERT INTO contacts_search_fts (rowid, terms) "
    "SELECT contact_id, group_concat(term, ' ') FROM contacts_searchterm GROUP BY contact_id",
]
DROP = [
    "DROP TRIGGER IF EXISTS contacts_search_fts_delete",
    "DROP TABLE IF EXISTS contacts_search_fts",
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
    dependencies = [("contacts", "0002_searchterm_prefix_index_postgresql")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
