import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from rapport.contacts.normalize import format_phone, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(067) 123-45-67", "+380671234567"),
        ("+380 67 123 45 67", "+380671234567"),
        ("00380671234567", "+380671234567"),
        ("+370 612 34567", "+37061234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_are_normalised_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


def test_national_numbers_use_the_given_region():
    assert normalize_phone("8 612 34567", "LT") == "+37061234567"


@pytest.mark.parametrize("raw", ["12", "not a phone", "+999 1234", "\x00123", "1" * 50])
def test_bad_phones_are_refused_clearly(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [(" Olena@Example.COM ", "olena@example.com"), ("jonas@pavyzdys.lt", "jonas@pavyzdys.lt")],
)
def test_emails_are_lower_cased(raw, normal):
    assert normalize_email(raw) == normal


@pytest.mark.parametrize("raw", ["olena", "olena@", "@example.com", "a b@example.com", "x@\x00.lt"])
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_email(raw)


@given(st.text(max_size=60))
def test_phone_normalisation_never_crashes_and_is_idempotent(raw):
    try:
        e164 = normalize_phone(raw)
    except ValidationError:
        return
    assert e164.startswith("+")
    assert normalize_phone(e164) == e164
    assert normalize_phone(format_phone(e164)) == e164


@given(st.text(max_size=60))
def test_email_normalisation_never_crashes(raw):
    try:
        email = normalize_email(raw)
    except ValidationError:
        return
    assert email == email.lower()
    assert normalize_email(email) == email
