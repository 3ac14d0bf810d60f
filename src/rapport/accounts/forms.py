"""The accounts app's HTML form: naming a new API token."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import PicoForm


class TokenForm(PicoForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What it is for, like “website integration”."),
    )
