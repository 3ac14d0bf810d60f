"""Every catalog translates every message: no empty msgstr, no fuzzy entry, compiled .mo present."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def read_catalog(path: Path) -> list[dict]:
    """A tiny .po reader: entries with their flags, msgid and msgstr(s)."""
    entries: list[dict] = []
    entry: dict | None = None
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": "", "msgid": "", "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key.startswith("msgstr"):
                entry["msgstr"][key] += value
            else:
                entry[key] = entry.get(key, "") + value
        else:
            key, _space, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if key.startswith("msgstr"):
                entry["msgstr"][key] = value
            else:
                entry[key] = value
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language):
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"

    entries = [e for e in read_catalog(path) if e["msgid"]]

    assert len(entries) > 300
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in entries if any(not s for s in e["msgstr"].values())] == []
    assert path.with_suffix(".mo").is_file()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Согласия"), ("uk", "Згоди"), ("lt", "Sutikimai")],
)
def test_compiled_catalog_is_used(language, expected):
    with translation.override(language):
        assert translation.gettext("Consents") == expected
