"""Phone numbers as people in Ukraine, Lithuania, Britain, Poland and Russia write them."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rapport.contacts.fastnorm import fast_phone
from rapport.contacts.normalize import normalize_phone, phone_search_digits

# (region the number is read in, as typed, E.164)
REAL_FORMATS = [
    # Ukraine: national prefix 0; the old long-distance 8 before it is still written
    ("UA", "8 (050) 123-45-67", "+380501234567"),
    ("UA", "8-050-123-45-67", "+380501234567"),
    ("UA", "80501234567", "+380501234567"),
    ("UA", "8 (044) 234-56-78", "+380442345678"),
    ("UA", "(050) 123-45-67", "+380501234567"),
    ("UA", "050 123 45 67", "+380501234567"),
    ("UA", "0501234567", "+380501234567"),
    ("UA", "+380 50 123 45 67", "+380501234567"),
    ("UA", "+38 (050) 123-45-67", "+380501234567"),
    ("UA", "+380 (0) 50 123 45 67", "+380501234567"),
    ("UA", "00380501234567", "+380501234567"),
    ("UA", "380501234567", "+380501234567"),
    # Lithuania: trunk prefix 8, being replaced by 0 — both are read
    ("LT", "8 612 34567", "+37061234567"),
    ("LT", "8-612-34567", "+37061234567"),
    ("LT", "0 612 34567", "+37061234567"),
    ("LT", "(8 5) 212 3456", "+37052123456"),
    ("LT", "(0 5) 212 3456", "+37052123456"),
    ("LT", "+370 612 34567", "+37061234567"),
    ("LT", "+370 (8) 612 34567", "+37061234567"),
    ("LT", "00370 612 34567", "+37061234567"),
    # Britain: trunk prefix 0, often kept in brackets after +44
    ("GB", "07911 123456", "+447911123456"),
    ("GB", "020 7946 0958", "+442079460958"),
    ("GB", "+44 (0) 7911 123456", "+447911123456"),
    ("GB", "+44 20 7946 0958", "+442079460958"),
    ("GB", "0044 20 7946 0958", "+442079460958"),
    # Poland: no trunk prefix at all
    ("PL", "601 234 567", "+48601234567"),
    ("PL", "601-234-567", "+48601234567"),
    ("PL", "22 123 45 67", "+48221234567"),
    ("PL", "+48 601 234 567", "+48601234567"),
    ("PL", "0048 601 234 567", "+48601234567"),
    # Russia: trunk prefix 8
    ("RU", "8 (912) 345-67-89", "+79123456789"),
    ("RU", "8-912-345-67-89", "+79123456789"),
    ("RU", "89123456789", "+79123456789"),
    ("RU", "8 (495) 123-45-67", "+74951234567"),
    ("RU", "+7 (912) 345-67-89", "+79123456789"),
    ("RU", "007 912 345 67 89", "+79123456789"),
    # a number of another country typed in any region
    ("UA", "+370 612 34567", "+37061234567"),
    ("LT", "+380 50 123 45 67", "+380501234567"),
]


@pytest.mark.parametrize(("region", "raw", "e164"), REAL_FORMATS)
def test_real_formats_are_read(region, raw, e164):
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize(("region", "raw", "e164"), REAL_FORMATS)
def test_the_import_fast_path_reads_them_alike(region, raw, e164):
    assert fast_phone(raw, region) == (e164, phone_search_digits(e164))


# (region, as typed, the message; … stands for the number as typed)
INVALID = [
    ("UA", "12", "… has too few digits for a +380 phone number."),
    ("UA", "+380 50 123 456", "… has too few digits for a +380 phone number."),
    ("UA", "8 (050) 123-45", "… has too few digits for a +380 phone number."),
    ("UA", "8 (050) 123-45-67-89", "… has too many digits for a +380 phone number."),
    ("UA", "+999 1234 5678", "… does not start with a known country code."),
    ("UA", "not a phone", "Enter a valid phone number, like +380 67 123 4567."),
    # the old 8 belongs to Ukraine's plan, not to Poland's or Britain's
    ("PL", "8 601 234 567", "… is not a valid phone number."),
    ("PL", "0 601 234 567", "… is not a valid phone number."),
    ("GB", "8 7911 123456", "… has too many digits for a +44 phone number."),
    # Russia has no trunk 0, and an 8 is not stripped from an international number
    ("RU", "0 912 345 67 89", "… is not a valid phone number."),
    ("UA", "+380 8 050 123 45 67", "… has too many digits for a +380 phone number."),
]  # fmt: skip


@pytest.mark.parametrize(("region", "raw", "message"), INVALID)
def test_invalid_numbers_say_why(region, raw, message):
    message = message.replace("…", raw)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        normalize_phone(raw, region)
    with translation.override("en"), pytest.raises(ValidationError) as fast:
        fast_phone(raw, region)

    assert caught.value.messages == [message]
    assert fast.value.messages == [message]
