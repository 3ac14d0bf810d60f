"""Case-insensitive lookups ignore case in every script on both databases (SQLite's LIKE
folds only ASCII on its own; rapport.core.sqlite replaces it)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.contacts.models import Company
from rapport.core.sqlite import unicode_like
from tests.factories import CompanyFactory


def test_folds_every_script() -> None:
    assert unicode_like("%олена%", "ОЛЕНА Коваленко")
    assert unicode_like("kazlauskien%", "KAZLAUSKIENĖ")  # ASCII prefix of a Lithuanian name
    assert unicode_like("%ė%", "KAZLAUSKIENĖ")
    assert unicode_like("straße", "STRASSE")  # full case folding, not just lower()
    assert not unicode_like("%олег%", "Олена")


def test_wildcards_and_escape() -> None:
    assert unicode_like("a_c", "ABC")
    assert not unicode_like("a_c", "ABBC")
    assert unicode_like(r"50\%%", "50% off", "\\")
    assert not unicode_like(r"50\%%", "500 off", "\\")
    assert unicode_like(r"a\_b", "A_B", "\\")
    assert not unicode_like(r"a\_b", "AxB", "\\")
    assert unicode_like("%", "")
    assert unicode_like("x%", None) is None


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_text_contains_itself_and_its_folded_form(prefix: str, word: str) -> None:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    assert unicode_like(f"%{escaped}%", prefix + word + "!", "\\")
    assert unicode_like(f"%{escaped}%", prefix + word.casefold() + "!", "\\")


@pytest.mark.django_db
def test_icontains_matches_cyrillic_in_any_case() -> None:
    CompanyFactory(name="Туристична Агенція «Світ»")
    CompanyFactory(name="Kelionių Namai")
    assert Company.objects.filter(name__icontains="агенція").count() == 1
    assert Company.objects.filter(name__istartswith="туристична").count() == 1
    assert Company.objects.filter(name__icontains="KELIONIŲ").count() == 1
    assert Company.objects.filter(name__icontains="світ»").count() == 1
    assert Company.objects.filter(name__icontains="odesa").count() == 0
