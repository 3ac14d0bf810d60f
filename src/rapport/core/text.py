"""Cleaning free text from users and files so storage and output never trip over it."""

import json
import unicodedata
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
