"""PostgreSQL: the words of each contact's search document in a GIN index, for searches of
several words.

`rapport_search_words(document)` makes the document's terms the lexemes of a tsvector as they
are (`array_to_tsvector`: no parser, no dictionary), with the first letter and the first two
letters of each term as lexemes of their own. So `'jona':* & 'zi'` is "a term starting with
each word", the same test as the search's strpos() on the document, and a word of one or two
letters is one lexeme's list instead of the merged lists of every term starting with it
("k": 219,050 entries, 24 ms; as a lexeme, 2.4 ms for "vilma.k"). The index ANDs the words
before a row is read: "Jona Ži" checked 9,981 candidates' rows in 41 ms, here 2.6 ms (1M
contacts, warm cache, 2026-12-02). Built in 60-90 s at 1M contacts on a busy 2-core machine.

The function is PL/pgSQL so that it is never inlined, with a high COST: evaluating it is
≈ 20 µs a row, and the planner must never scan the table evaluating it (a LIMIT on a common
pair made it choose a sequential scan: 680 ms for 20,000 rows, the whole table for a rare
pair); from the index, a match needs no evaluation. contacts.search.WORDS_DOCUMENT must stay
this call (a test checks that searches use the index). SQLite has FTS5 and needs none of it.
"""

from django.db import migrations

INDEX = "contact_search_words_idx"
FUNCTION = r"""
CREATE OR REPLACE FUNCTION rapport_search_words(document text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
BEGIN
    RETURN array_to_tsvector(array_remove(string_to_array(
        document || regexp_replace(document, ' (.)(.?)[^ ]*', ' \1 \1\2', 'g'), ' '), ''));
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_contact "
            "USING gin (rapport_search_words(search_document))"
        )
        # Statistics of the new expression at once: the planner picks the index from them.
        schema_editor.execute("ANALYZE contacts_contact")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute("DROP FUNCTION IF EXISTS rapport_search_words(text)")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0011_contact_search_cover_index_postgresql")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
