"""Back-office forms for marketing set-up: lead sources, their spend, tracking numbers and
web forms. These tables have no workflow, so the forms save them after the model's own
validation (field checks, unique and check constraints)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from rapport.contacts.normalize import normalize_phone
from rapport.sales.models import LeadSource, SourceSpend, TrackingNumber, WebForm
from rapport.web.forms import DATE
from rapport.web.helpers import PicoModelForm


class SourceForm(PicoModelForm):
    class Meta:
        model = LeadSource
        fields = ["name", "kind", "is_active"]


class SpendForm(PicoModelForm):
    class Meta:
        model = SourceSpend
        fields = ["period_start", "period_end", "amount", "currency", "note"]
        widgets = {"period_start": DATE, "period_end": DATE}

    def __init__(self, *args: Any, source: LeadSource, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.source = source
        self.fields["amount"].validators.append(MinValueValidator(0))

    def validate_unique(self) -> None:
        # `source` is set on the instance, not a form field: check the whole constraint.
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data


class TrackingNumberForm(PicoModelForm):
    class Meta:
        model = TrackingNumber
        fields = ["number", "source", "description", "is_active"]

    def clean_number(self) -> str:
        return normalize_phone(self.cleaned_data.get("number") or "")


class WebFormForm(PicoModelForm):
    class Meta:
        model = WebForm
        fields = ["name", "slug", "source", "success_message", "redirect_url", "is_active"]
        help_texts = {
            "slug": _("The last part of the form's address: letters, digits and dashes."),
        }
