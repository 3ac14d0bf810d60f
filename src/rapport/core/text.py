"""Cleaning free text from users and files so storage and output never trip over it."""

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

# C0 controls other than tab/newline/carriage return, and NUL in particular, are refused by
# PostgreSQL text columns and break CSV/XLSX exports; they are never meaningful in a CRM.
_CONTROL = {c for c in range(32) if c not in (9, 10, 13)} | {127}
_TRANSLATE = dict.fromkeys(_CONTROL)


def clean_text(value: object, *, max_length: int | None = None, multiline: bool = False) -> str:
    """Normalise to NFC, drop control characters, trim; newlines only where `multiline`."""
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    text = text.translate(_TRANSLATE)
    text = text.strip() if multiline else " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(
            _("Use at most %(max)d characters (this has %(n)d)."),
            params={"max": max_length, "n": len(text)},
            code="max_length",
        )
    return text


def loads_json(body: bytes | str) -> Any:
    """Parse a JSON request body, refusing what a UTF-8 database cannot store.

    A lone surrogate ("\\ud800") is valid JSON and parses to a Python string, but cannot be
    encoded as UTF-8, so it would fail deep in a save as a server error. Raises ValueError
    (json.JSONDecodeError, UnicodeDecodeError or UnicodeEncodeError) for any bad body.
    """
    data = json.loads(body)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError on a surrogate
    return data


# --- Search folding -------------------------------------------------------------------------
# What people type and what the record says differ in ways a search should not care about.
# `search_fold` maps both to one form; the search index holds folded words and every query is
# folded the same way, on SQLite and PostgreSQL, for contacts and leads. The exact table:
#
# 1. Unicode case folding (`str.casefold`: "Ä" → "ä", "ß" → "ss", "Σ"/"ς" → "σ").
# 2. Compatibility decomposition (NFKD) and dropping combining marks: every Latin diacritic
#    ("ė" → "e", "š" → "s", "ą" → "a", "ü" → "u", "ñ" → "n"), and in Cyrillic "й" → "и",
#    "ё" → "е", "ї" → "і" (these are a base letter plus a mark). Ligatures and full-width
#    forms become their plain letters ("ﬁ" → "fi", "Ａ" → "a").
# 3. Letters with no decomposition but an everyday plain spelling: "ł" → "l", "ø" → "o",
#    "đ"/"ð" → "d", "ħ" → "h", "ı" → "i", "æ" → "ae", "œ" → "oe", "þ" → "th".
# 4. Letters Ukrainian and Russian keyboards write differently for the same name, so that
#    "Ірина", "Ирина" and "Їрина" match, as do "Ґерета"/"Герета", "Євген"/"Евген"/"Эвген"
#    and "Крилов"/"Крылов": "ґ" → "г", "і" → "и" (so "ї" → "и" too), "ы" → "и", "є" → "е",
#    "э" → "е". (Ukrainian і and и are different letters, but someone on a Russian layout
#    has only и, and names are searched, not spelled: a few extra matches are the price.)
# 5. Apostrophes inside words are dropped, in every variant ("'", "’", "ʼ", "‘", "`", "´",
#    "ʹ", "′", "ʻ"), and so is the Russian hard sign "ъ" that plays their part
#    ("Лук'ян" = "Лук’ян" = "Лукʼян" = "Лукян"; "O'Brien" = "OBrien").
# Latin and Cyrillic are not transliterated into each other ("Iryna" does not find "Ірина").
# PostgreSQL has the same table as an SQL function (core migration 0006); a test checks
# that both agree on every character of the Latin and Cyrillic blocks.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_APOSTROPHES = "'’ʼ‘`´ʹ′ʻ"
_SEARCH_LETTERS = str.maketrans(
    {
        "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe",
        "þ": "th", "ґ": "г", "і": "и", "ы": "и", "є": "е", "э": "е", "ъ": None,
        **dict.fromkeys(_APOSTROPHES),
    }
)  # fmt: skip
_ASCII_APOSTROPHES = str.maketrans(dict.fromkeys("'`"))


@lru_cache(maxsize=65536)  # names repeat: a million contacts share a few thousand words
def search_fold(text: str) -> str:
    """`text` in the form the search index holds and queries are compared in (table above)."""
    if text.isascii():
        return text.lower().translate(_ASCII_APOSTROPHES)
    # Casefold again after NFKD: compatibility forms such as "𝖠" only become "A" there.
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SEARCH_LETTERS)).casefold()
    return unicodedata.normalize("NFC", _MARKS.sub("", text).translate(_SEARCH_LETTERS))
