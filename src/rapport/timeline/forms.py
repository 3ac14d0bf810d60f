"""The timeline's HTML form: logging a touchpoint by hand."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import DATETIME, PicoForm
from rapport.timeline.models import MANUAL_CHANNELS, Channel, Direction


class InteractionForm(PicoForm):
    auto_id = "interaction_%s"
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in MANUAL_CHANNELS],
        initial=Channel.PHONE,
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty to use the current date and time."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), required=False, min_value=0, max_value=7 * 24 * 60
    )
    summary = forms.CharField(label=_("Summary"), required=False)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
