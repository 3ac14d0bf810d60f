"""Money: a Decimal amount with an ISO 4217 currency code. Never floats."""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# ISO 4217 active codes and their minor units. Kept here rather than pulled from a package
# because the list is tiny, stable, and we need minor units too (babel's list lacks them).
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2,
    "EGP": 2, "EUR": 2, "GBP": 2, "GEL": 2, "HKD": 2, "HUF": 2, "ILS": 2, "INR": 2, "ISK": 0,
    "JPY": 0, "KRW": 0, "KZT": 2, "MDL": 2, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2, "RON": 2,
    "RSD": 2, "RUB": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "UAH": 2, "USD": 2, "ZAR": 2,
}  # fmt: skip
MAX_AMOUNT = Decimal("1e12")
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_MINOR_UNITS)]


def validate_currency(code: str) -> None:
    if code not in CURRENCY_MINOR_UNITS:
        raise ValidationError(
            _("%(code)s is not a supported ISO 4217 currency code."), params={"code": code}
        )


class CurrencyField(models.CharField):
    """A three-letter ISO 4217 code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)


def AmountField(verbose_name=None, **kwargs):
    """A money amount column: 14 digits, 2 decimal places."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def parse(cls, amount: object, currency: str) -> "Money":
        currency = (currency or "").strip().upper()
        validate_currency(currency)
        try:
            value = Decimal(str(amount).strip().replace(" ", "").replace(",", "."))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError(_("Enter a valid amount, like 123.45.")) from exc
        if not value.is_finite():
            raise ValidationError(_("Enter a valid amount, like 123.45."))
        # Amount columns hold 14 digits with 2 decimals: anything larger is a typing mistake.
        if abs(value) >= MAX_AMOUNT:
            raise ValidationError(
                _("Enter an amount below %(max)s."), params={"max": f"{MAX_AMOUNT:,.0f}"}
            )
        exponent = Decimal(1).scaleb(-CURRENCY_MINOR_UNITS[currency])
        return cls(value.quantize(exponent, rounding=ROUND_HALF_EVEN), currency)

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def format_money(amount: Decimal, currency: str) -> str:
    """An amount for people to read, in the active language's number format, with its code:
    "1,420.00 EUR" in English, "1 420,00 EUR" in Ukrainian (as the `floatformat:"2g"`
    pages show amounts)."""
    from django.utils.formats import number_format

    places = CURRENCY_MINOR_UNITS.get(currency, 2)
    return f"{number_format(amount, decimal_pos=places, force_grouping=True)}\u00a0{currency}"
