"""What every app's HTML forms share: Pico CSS's error marking, date inputs, owner choices
and bounded money fields (so that no absurd number reaches the money maths)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapport.core import permissions
from rapport.core.money import CURRENCY_CHOICES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def owner_choices() -> Any:
    """The users an owner field offers: those the role rule lets own records."""
    return permissions.owners().order_by("first_name", "last_name", "username")


def owner_options() -> list[tuple[int, str]]:
    """The same users as (id, name) pairs, for a list's owner or assignee filter."""
    return [(user.pk, str(user)) for user in owner_choices()]


class PicoForm(forms.Form):
    """Marks fields with errors `aria-invalid` so Pico CSS outlines them in red.

    `auto_id` sets the fields' ids: forms that share a page (the 360° page holds four) give
    each its own, so no two fields on the page share an id (`id_kind`, `id_channel`).
    """

    auto_id = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.auto_id)
        super().__init__(*args, **kwargs)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._mark_invalid()

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


MAX_AMOUNT = Decimal("999999999999.99")


def amount_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.Field:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def currency_field(required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Currency"),
        choices=CURRENCY_CHOICES,
        initial=settings.RAPPORT_DEFAULT_CURRENCY,
        required=required,
    )


def amount_error(text: str) -> str | None:
    """Why a typed amount cannot be a price (None when it can): the services' money maths
    expects a plain number of sensible size."""
    from decimal import InvalidOperation

    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        return str(_("Enter a valid amount, like 123.45."))
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        return str(_("Enter a valid amount, like 123.45."))
    return None
