"""Fast paths for normalising e-mails and phones in bulk imports, equal to normalize.py's.

`normalize_email` (email-validator, ~17 µs) and `normalize_phone` (phonenumbers, ~13 µs)
cost ~30 s per million contacts. Most imported values are already plain ASCII addresses and
E.164 numbers; for those the same answer is reached with a fraction of the work. Each fast
path accepts only inputs for which it provably gives the library's result (the reasoning is
next to each) and hands everything else to the library. tests/contacts/test_fastnorm.py
checks the equivalence with generated inputs.
"""

import re
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from phonenumbers import phonenumberutil

from rapport.contacts.normalize import normalize_email, normalize_phone

# A dot-atom local part of common characters (no leading, trailing or doubled dots, no quoting)
# @ a domain of LDH labels (no label starting or ending with "-", no "--" so no punycode
# "xn--" label that would need IDNA checks) ending in an alphabetic TLD. email-validator
# accepts every such address when the lengths fit its limits (local ≤ 64, total ≤ 254) and
# the domain is not special-use; its normalised form is then the address itself with the
# domain lower-cased, and normalize_email lower-cases the whole — so the result is
# `text.lower()`.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:-?[A-Za-z0-9])*\.)+[A-Za-z]{2,63}"
)
_SPECIAL = tuple(SPECIAL_USE_DOMAIN_NAMES)


def fast_email(raw: str) -> str:
    text = raw.strip()
    if _PLAIN_EMAIL.fullmatch(text) and len(text) <= 254:
        local, _, domain = text.rpartition("@")
        domain = domain.lower()
        if (
            len(local) <= 64
            and all(len(label) <= 63 for label in domain.split("."))
            and not any(domain == s or domain.endswith("." + s) for s in _SPECIAL)
        ):
            return text.lower()
    return normalize_email(raw)


# "+" and 7 to 15 digits, not starting with 0: the E.164 shape.
_E164 = re.compile(r"\+[1-9]\d{6,14}")


@lru_cache(maxsize=512)
def _national_prefix(country_code: int) -> re.Pattern[str] | None:
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    pattern = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(pattern) if pattern else None


def _split_e164(text: str) -> tuple[int, str] | None:
    """(country code, national number) the way phonenumbers.parse reads "+<digits>".

    parse() strips the "+", takes the shortest 1–3 digit prefix that is a known calling code,
    and then strips a national prefix from the rest only if the country's
    `national_prefix_for_parsing` matches at its start. We return None (use the library)
    when that pattern matches, or when the national number starts with 0 (the
    "Italian leading zero" case), so in every case returned parse() builds the same
    PhoneNumber(country_code, int(national)).
    """
    digits = text[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            if len(national) < 2 or national[0] == "0":
                return None
            prefix = _national_prefix(code)
            if prefix is not None and prefix.match(national):
                return None
            return code, national
    return None


# The type descriptions phonenumbers tries, most common first. Its _number_type_helper
# calls a number valid when it matches the general description and then the first of these
# that matches decides the type; validity alone does not depend on their order, so checking
# mobile and fixed line first answers most numbers with two regexes instead of ten.
_TYPE_DESCS = (
    "mobile", "fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


def is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """phonenumbers.is_valid_number(number), faster for a country code of one region.

    For those, region_code_for_number gives that region, and is_valid_number_for_region
    reduces to the type test below on the national significant number (which has no leading
    zeros here: callers build numbers from a national part not starting with 0). Calling
    codes shared by several regions (+1, +7, …) go to the library.
    """
    code = number.country_code
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()) if code else ()
    if code is None or len(regions) != 1 or number.italian_leading_zero:
        return bool(phonenumbers.is_valid_number(number))
    if number.number_of_leading_zeros:
        return bool(phonenumbers.is_valid_number(number))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    if metadata is None:
        return bool(phonenumbers.is_valid_number(number))
    nsn = str(number.national_number)
    if not _matches(nsn, metadata.general_desc):
        return False
    for name in _TYPE_DESCS:
        if name == "mobile" and metadata.same_mobile_and_fixed_line_pattern:
            continue  # the library skips it then (fixed_line is the same pattern)
        if _matches(nsn, getattr(metadata, name)):
            return True
    return False


_matches = phonenumberutil._is_number_matching_desc


def fast_phone(raw: str, region: str | None = None) -> tuple[str, list[str]]:
    """(E.164 number, its search digit strings) — as normalize_phone and phone_search_digits."""
    text = raw.strip()
    # Only "+<digits>" takes the fast path: normalize_phone's old-trunk-prefix rule
    # ("8 (050) …" in Ukraine) applies to national numbers alone, so it cannot change these.
    if _E164.fullmatch(text):
        split = _split_e164(text)
        if split is not None:
            code, national = split
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            if is_valid(number):
                # format E164 is "+" + code + national_number, i.e. the input itself;
                # phone_search_digits gives [digits, national, "0" + national].
                return text, list(dict.fromkeys([text[1:], national, "0" + national]))
    from rapport.contacts.normalize import phone_search_digits

    e164 = normalize_phone(raw, region)
    return e164, phone_search_digits(e164)
