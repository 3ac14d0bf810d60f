"""The accounts app's HTML forms: naming a new API token, choosing a date format."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.dates import DateStyle
from rapport.core.forms import PicoForm


class TokenForm(PicoForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What it is for, like “website integration”."),
    )


class DateStyleForm(PicoForm):
    date_style = forms.ChoiceField(
        label=_("Date format"),
        choices=DateStyle.choices,
        required=False,
        help_text=_(
            "The usual format shows the day first in English, Russian and Ukrainian "
            "(31.12.2026) and the year first in Lithuanian (2026-12-31)."
        ),
    )
