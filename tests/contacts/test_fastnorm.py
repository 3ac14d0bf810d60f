"""The bulk-import fast paths give exactly what normalize.py gives, or the same error."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.contacts.fastnorm import fast_email, fast_phone
from rapport.contacts.normalize import normalize_email, normalize_phone, phone_search_digits


def outcome(fn, value):
    try:
        return ("ok", fn(value))
    except ValidationError as exc:
        return ("error", exc.messages)


local = st.from_regex(r"[A-Za-z0-9_%+-]{1,20}(\.[A-Za-z0-9_%+-]{1,10}){0,2}", fullmatch=True)
label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
tld = st.sampled_from(
    ["com", "lt", "UA", "org", "test", "local", "localhost", "invalid", "io", "Arpa"]
)


@settings(max_examples=400, deadline=None)
@given(local=local, labels=st.lists(label, min_size=1, max_size=3), tld=tld)
def test_fast_email_equals_the_library(local, labels, tld):
    address = f"{local}@{'.'.join(labels)}.{tld}"
    assert outcome(fast_email, address) == outcome(normalize_email, address)


@pytest.mark.parametrize(
    "address",
    ["Ann.Lee@Example.COM", "a..b@example.com", "a@-x.com", "a@xn--80ak6aa92e.com",
     "ąžuolas@example.lt", "x@example", " a@b.co ", "a" * 65 + "@example.com"],
)  # fmt: skip
def test_fast_email_edge_cases_equal_the_library(address):
    assert outcome(fast_email, address) == outcome(normalize_email, address)


def library_phone(raw):
    e164 = normalize_phone(raw, "UA")
    return e164, phone_search_digits(e164)


@settings(max_examples=600, deadline=None)
@given(
    code=st.sampled_from(
        ["1", "7", "44", "49", "39", "370", "371", "380", "54", "52", "61", "86", "998"]
    ),
    rest=st.from_regex(r"[0-9]{5,12}", fullmatch=True),
)  # fmt: skip
def test_fast_phone_equals_the_library(code, rest):
    number = f"+{code}{rest}"
    assert outcome(lambda v: fast_phone(v, "UA"), number) == outcome(library_phone, number)


@pytest.mark.parametrize(
    "number", ["+380671234567", "+37061234567", "0671234567", "+39 06 1234 5678", "+390612345678",
               "+5491123456789", "+79161234567", "+10000000000", "  +380671234567 "],
)  # fmt: skip
def test_fast_phone_known_numbers_equal_the_library(number):
    assert outcome(lambda v: fast_phone(v, "UA"), number) == outcome(library_phone, number)
