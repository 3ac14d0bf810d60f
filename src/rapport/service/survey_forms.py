"""The forms of the public survey page, one per kind of survey, each with its title and the
hint under its scales. They shape input; `services.survey_answer` validates."""

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.forms import PicoForm
from rapport.service.models import ExitReason, Survey

COMMENT_MAX = 2000


def _scale(label: Any, low: int, high: int, *, required: bool = True, hint: Any = "") -> Any:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        help_text=hint,
    )


def _comment(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SurveyForm(PicoForm):
    """How satisfied the customer is with how their complaint was handled."""

    score = _scale(
        _("How satisfied are you with how we handled your complaint?"),
        1,
        5,
        hint=_("1 — very dissatisfied, 5 — very satisfied"),
    )
    comment = _comment(_("Anything you would like to tell us?"))


class ExitSurveyForm(PicoForm):
    """Why the customer stopped buying from us, and whether they would come back."""

    reason = forms.ChoiceField(
        label=_("What made you stop travelling with us?"),
        choices=ExitReason.choices,
        widget=forms.RadioSelect,
    )
    score = _scale(
        _("Would you travel with us again?"),
        1,
        5,
        required=False,
        hint=_("1 — certainly not, 5 — certainly yes (optional)"),
    )
    comment = _comment(_("Anything you would like to tell us?"))


class TripFeedbackForm(PicoForm):
    """How the customer liked their last trip."""

    score = _scale(
        _("How would you rate your trip?"),
        1,
        5,
        hint=_("1 — very poor, 5 — excellent"),
    )
    comment = _comment(_("What did you like, and what should we do better?"))


class NpsForm(PicoForm):
    """How likely the customer is to recommend us (the Net Promoter Score question)."""

    nps = _scale(
        _("How likely are you to recommend us to a friend or a colleague?"),
        0,
        10,
        hint=_("0 — not at all likely, 10 — extremely likely"),
    )
    comment = _comment(_("What is the main reason for your score?"))


FORMS: dict[str, type[PicoForm]] = {
    Survey.Kind.COMPLAINT_CSAT: SurveyForm,
    Survey.Kind.EXIT: ExitSurveyForm,
    Survey.Kind.TRIP_FEEDBACK: TripFeedbackForm,
    Survey.Kind.NPS: NpsForm,
}

TITLES: dict[str, Promise] = {
    Survey.Kind.COMPLAINT_CSAT: _("How did we do?"),
    Survey.Kind.EXIT: _("We miss you"),
    Survey.Kind.TRIP_FEEDBACK: _("How was your trip?"),
    Survey.Kind.NPS: pgettext_lazy("survey title", "Would you recommend us?"),
}
