"""Normalising e-mails and phones so the same person is recognised however they are typed."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email


def normalize_email(raw: str) -> str:
    """A syntactically valid address, lower-cased (we treat local parts as case-insensitive)."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter an e-mail address."), code="required")
    if len(text) > 254 or "\x00" in text:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("Enter a valid e-mail address (%(reason)s)."), params={"reason": str(exc)}
        ) from exc
    return result.normalized.lower()


# Numbering-plan history that phonenumbers' metadata leaves out. The library strips a region's
# *current* national (trunk) prefix — its `national_prefix_for_parsing`: "0" for Ukraine and
# Britain, "8" for Russia, "[08]" for Lithuania (whose trunk prefix 8 is being replaced by 0,
# so both are read), none for Poland — but not an older prefix that people still write in
# front of it. Ukrainians dialled "8" for long distance before the "0" of the area or
# operator code, and "8 (050) 123-45-67" is still the everyday way to write a mobile number;
# the library reads it as the 11-digit national number 80501234567 and finds it invalid.
# For such a region we remove the legacy digits only when they stand before the region's
# current national prefix (as the metadata gives it) and only when the number read as
# written is not valid; the library then parses and validates the rest as usual.
_LEGACY_TRUNK_PREFIX = {"UA": "8"}


def _without_legacy_trunk_prefix(text: str, region: str) -> str | None:
    """The national digits without the region's old trunk prefix, or None if it has none."""
    legacy = _LEGACY_TRUNK_PREFIX.get(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if legacy is None or metadata is None or not metadata.national_prefix_for_parsing:
        return None
    if text.lstrip().startswith("+"):
        return None  # an international number carries no trunk prefix of its region
    digits = phonenumbers.normalize_digits_only(text)
    rest = digits[len(legacy) :]
    if digits.startswith(legacy) and re.match(metadata.national_prefix_for_parsing, rest):
        return rest
    return None


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    """The number as written or, if that is not valid, without an old trunk prefix.

    When the old prefix is there, the number without it is what the person meant, so an
    invalid one is explained from it ("too few digits"), not from the 8 read as a digit.
    """
    number = phonenumbers.parse(text, region)
    if not phonenumbers.is_valid_number(number):
        legacy_free = _without_legacy_trunk_prefix(text, region)
        if legacy_free is not None:
            try:
                return phonenumbers.parse(legacy_free, region)
            except phonenumbers.NumberParseException:
                return number
    return number


def _invalid(raw: str, number: phonenumbers.PhoneNumber) -> ValidationError:
    """Why the number is refused, as precisely as the library can tell."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    params = {"number": raw, "code": number.country_code}
    R = phonenumbers.ValidationResult
    if reason in (R.TOO_SHORT, R.IS_POSSIBLE_LOCAL_ONLY):
        message = _("%(number)s has too few digits for a +%(code)s phone number.")
    elif reason == R.TOO_LONG:
        message = _("%(number)s has too many digits for a +%(code)s phone number.")
    else:
        message = _("%(number)s is not a valid phone number.")
    return ValidationError(message, params=params, code="invalid")


def normalize_phone(raw: str, region: str | None = None) -> str:
    """The number in E.164 (+380671234567); national numbers are read in the default region."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="required")
    if len(text) > 40 or "\x00" in text:
        raise ValidationError(_("Enter a valid phone number."), code="invalid")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = _parse(text, region or settings.RAPPORT_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(
                _("%(number)s does not start with a known country code."),
                params={"number": raw},
                code="invalid",
            ) from exc
        raise ValidationError(
            _("Enter a valid phone number, like +380 67 123 4567."), code="invalid"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise _invalid(raw, number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A readable international form (+380 67 123 4567) for display."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_search_digits(e164: str) -> list[str]:
    """The digit strings someone may type to find this number: full and national."""
    digits = e164.lstrip("+")
    terms = [digits]
    try:
        number = phonenumbers.parse(e164, None)
        national = str(number.national_number)
        terms.append(national)
        terms.append("0" + national)
    except phonenumbers.NumberParseException:
        pass
    return list(dict.fromkeys(terms))
