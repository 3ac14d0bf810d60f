# ruff: noqa: S608 - fixed SQL of our own, no input in it
"""SQLite: the contacts' FTS5 index gets a prefix index of one letter too (prefix='1 2 3 4').

A word of one letter typed next to a longer one ("rugile.p", "mykolai_m", "Ivan P") had no
prefix index to read: FTS5 merged the lists of every term starting with that letter, 18-33 ms
of CPU per search at 1M contacts against 2-3 ms with it (index 11 % bigger; measured
2026-12-01, see rapport.contacts.search). Rebuilt as a new table, as in 0005: FTS5 has no
ALTER for its options. PostgreSQL has no such table.
"""

from django.db import migrations

FTS = "contacts_search_fts"
OPTIONS = "tokenize='unicode61 remove_diacritics 0', detail=none"


def _rebuild(prefix: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {FTS}_rebuilt USING fts5(terms, prefix='{prefix}', {OPTIONS})",
        f"INSERT INTO {FTS}_rebuilt (rowid, terms) SELECT rowid, terms FROM {FTS}",
        # The trigger names the table: dropped first, so that renaming finds nothing broken.
        f"DROP TRIGGER IF EXISTS {FTS}_delete",
        f"DROP TABLE {FTS}",
        f"ALTER TABLE {FTS}_rebuilt RENAME TO {FTS}",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON contacts_contact "
        f"BEGIN DELETE FROM {FTS} WHERE rowid = OLD.id; END",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _rebuild("1 2 3 4"):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _rebuild("2 3 4"):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_search_folded_document")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
