# ruff: noqa: E501, RUF001 - a frozen character table
"""PostgreSQL: `rapport_search_fold(text)`, the SQL twin of `rapport.core.text.search_fold`.

The search index of contacts is written in Python, but the lead search's trigram index and the
migrations that rebuild the indexes fold in SQL. The table below is `search_fold` applied to
every lower-case letter of the Latin (U+00C0–U+024F) and Cyrillic (U+0400–U+04FF) blocks,
frozen here
(a migration never imports app code); `lower()` first, then the letters that fold to two,
then one `translate()`
(plain ASCII takes a short cut). tests/core/test_search_fold.py checks both agree on PostgreSQL.
SQLite calls the Python function itself (registered on each connection by core.sqlite).
"""

from django.db import migrations

# Letters that fold to two letters (after lower()).
MULTI = {
    "ß": "ss",
    "æ": "ae",
    "þ": "th",
    "ĳ": "ij",
    "ŀ": "l·",
    "œ": "oe",
    "ǆ": "dz",
    "ǉ": "lj",
    "ǌ": "nj",
    "ǣ": "ae",
    "ǳ": "dz",
    "ǽ": "ae",
}
# translate(): each of FROM becomes the letter of TO at the same place; those past its end
# (apostrophes, the hard sign) are dropped. translate() looks each character up in FROM
# one by one, so FROM holds only lower-case letters of the Latin and Cyrillic blocks (the
# everyday ones first): with every block and case it took 90 µs a call, 35 s for 390k terms.
FROM = (
    "ійїєґёыэėšžąčęįųūéèáàäöüóíúñçłśćźżőűâãåêëìîïðòôõøùûýÿāăĉċďđēĕěĝğġģĥħĩīĭıĵķĺļľńņň"
    "ŉōŏŕŗřŝşţťũŭůŵŷſơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǯǰǵǹǻǿȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳѐѓќѝўѷӂӑӓӗӛӝӟӣӥӧӫӭӯӱ"
    "ӳӵӹъ'’ʼ‘`´ʹ′ʻ"
)
TO = (
    "иииегеиеeszaceiuueeaaaouoiunclsczzouaaaeeiiidoooouuyyaaccddeeegggghhiiiijklllnnn"
    "noorrrssttuuuwysouaiouuuuuaagkooʒjgnaoaaeeiioorruusthaeooooyегкиуѵжааеәжзииоөеуу"
    "учи"
)


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def function_sql():
    folded = "lower(value)"
    for letter, replacement in MULTI.items():
        folded = f"replace({folded}, {_literal(letter)}, {_literal(replacement)})"
    # Plain ASCII (e-mails, phone digits, most Latin names: 80% of the terms) needs only
    # lower() and the ASCII apostrophes dropped, and skips the long translate().
    return (
        "CREATE OR REPLACE FUNCTION rapport_search_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$SELECT CASE "
        "WHEN octet_length(value) = char_length(value) "
        f"THEN translate(lower(value), {_literal(chr(39) + chr(96))}, '') "
        f"ELSE translate({folded}, {_literal(FROM)}, {_literal(TO)}) END$$"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(function_sql())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rapport_search_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_throttle_events")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
