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
               "+5491123456789", "+79161234567", "+10000000000", "  +380671234567 ",
               "8 (050) 123-45-67", "80501234567", "+380801234567", "+3808050123456",
               "00380501234567", "8 (050) 123-45"],
)  # fmt: skip
def test_fast_phone_known_numbers_equal_the_library(number):
    assert outcome(lambda v: fast_phone(v, "UA"), number) == outcome(library_phone, number)


@settings(max_examples=400, deadline=None)
@given(
    region=st.sampled_from(["UA", "LT", "GB", "PL", "RU"]),
    prefix=st.sampled_from(["", "0", "8", "80", "+", "00", "+380", "+3708", "+44 (0) ", "+7 8"]),
    rest=st.from_regex(r"[0-9]{6,11}", fullmatch=True),
)
def test_fast_phone_equals_the_library_with_trunk_and_international_prefixes(region, prefix, rest):
    number = prefix + rest

    def library(value):
        e164 = normalize_phone(value, region)
        return e164, phone_search_digits(e164)

    assert outcome(lambda v: fast_phone(v, region), number) == outcome(library, number)


def example_numbers():
    """Valid numbers of every region and type the library knows, and near misses of each."""
    import phonenumbers

    examples = [
        phonenumbers.example_number_for_type(region, kind)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in range(12)
    ] + [
        phonenumbers.example_number_for_non_geo_entity(code)
        for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    found = []
    for example in examples:
        if example is not None:
            national = str(example.national_number)
            for digits in {national, national[:-1], national + "1", national[:-1] + "9"}:
                if digits and digits[0] != "0":
                    found.append((example.country_code, digits))
    return sorted(set(found))


def test_fast_validity_equals_the_library_for_every_region_and_type():
    import phonenumbers

    from rapport.contacts.fastnorm import is_valid

    numbers = example_numbers()
    assert len(numbers) > 2000
    for code, national in numbers:
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
        assert is_valid(number) == phonenumbers.is_valid_number(number), (code, national)
