"""Reading ids and numbers from query strings and URLs without trusting their size.

A database id is a positive 64-bit integer. Python's int() takes any length, and a
`?owner=99999999999999999999999` then failed inside the SQLite driver ("Python int too large
to convert to SQLite INTEGER") as a server error. Everything that is not a plausible id is
treated as absent.
"""

from typing import Any

MAX_ID = 2**63 - 1
MIN_INT = -(2**63)


def parse_id(value: Any) -> int | None:
    """A positive 64-bit id written in ASCII digits, else None (empty, negative, float, text,
    too large)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_int(value: Any) -> int | None:
    """A whole number that fits a 64-bit database integer ("-3", "0", "42"), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if MIN_INT <= value <= MAX_ID else None
    text = str(value or "").strip()
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    number = int(text)
    return number if MIN_INT <= number <= MAX_ID else None
