"""Normalising e-mails and phones so the same person is recognised however they are typed."""

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
        number = phonenumbers.parse(text, region or settings.RAPPORT_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a valid phone number, like +380 67 123 4567."), code="invalid"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(number)s is not a valid phone number."), params={"number": raw}, code="invalid"
        )
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
