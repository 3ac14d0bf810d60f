"""The activity forms: plan or edit one (customer picker, due date, time and zone, reminders,
repeat presets or a custom RRULE) and complete one (outcome, and the next step in the same
form). They shape input for the services, which do the real validation."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.activities.models import Activity, ActivityKind
from rapport.core.forms import DATE, PicoForm, owner_choices

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CUSTOM = "custom"
REPEATS = [
    ("", pgettext_lazy("repeat", "Does not repeat")),
    ("FREQ=DAILY", pgettext_lazy("repeat", "Every day")),
    ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", pgettext_lazy("repeat", "Every working day")),
    ("FREQ=WEEKLY", pgettext_lazy("repeat", "Every week")),
    ("FREQ=WEEKLY;INTERVAL=2", pgettext_lazy("repeat", "Every two weeks")),
    ("FREQ=MONTHLY", pgettext_lazy("repeat", "Every month")),
    ("FREQ=YEARLY", pgettext_lazy("repeat", "Every year")),
    (CUSTOM, pgettext_lazy("repeat", "Custom rule (RRULE)")),
]
REMINDER_PRESETS = [
    ("0", _("When it is due")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
    ("10080", _("1 week before")),
]
# service field → the form field that shows its error
ERROR_FIELDS: dict[str, str | None] = {"due_at": "due_date", "reminders": "reminders"}


def _minutes(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class ActivityForm(PicoForm):
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), required=False, strip=False)
    contact = forms.CharField(label=_("Customer"), required=False)
    deal = forms.CharField(required=False, widget=forms.HiddenInput)
    complaint = forms.CharField(required=False, widget=forms.HiddenInput)
    due_date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    due_time = forms.TimeField(label=_("Time"), required=False, widget=TIME)
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), required=False)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    reminders = forms.MultipleChoiceField(
        label=_("Reminders"),
        choices=REMINDER_PRESETS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reminder_other = forms.CharField(
        label=_("Other reminders, minutes before"),
        required=False,
        help_text=_("Comma-separated, like 30, 120."),
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, required=False)
    recurrence_custom = forms.CharField(
        label=_("Custom rule"),
        required=False,
        help_text=_("An RFC 5545 RRULE, like FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = owner_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        """The form's values for an existing activity (its due time in its own zone)."""
        due = activity.due_at.astimezone(ZoneInfo(activity.time_zone))
        presets = {value for value, _label in REPEATS}
        preset_minutes = {value for value, _label in REMINDER_PRESETS}
        minutes = [str(r.minutes_before) for r in activity.reminders.all()]
        return {
            "kind": activity.kind,
            "subject": activity.subject,
            "contact": activity.contact_id or "",
            "deal": activity.deal_id or "",
            "complaint": activity.complaint_id or "",
            "due_date": due.date(),
            "due_time": due.time().replace(second=0, microsecond=0),
            "time_zone": activity.time_zone,
            "duration_minutes": activity.duration_minutes,
            "assignee": activity.assignee_id,
            "reminders": [m for m in minutes if m in preset_minutes],
            "reminder_other": ", ".join(m for m in minutes if m not in preset_minutes),
            "repeat": activity.recurrence if activity.recurrence in presets else CUSTOM,
            "recurrence_custom": "" if activity.recurrence in presets else activity.recurrence,
            "notes": activity.notes,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("repeat") == CUSTOM and not (data.get("recurrence_custom") or "").strip():
            self.add_error("recurrence_custom", _("Write the rule, or choose a preset."))
        return data

    @property
    def rule_field(self) -> str:
        return "recurrence_custom" if self.cleaned_data.get("repeat") == CUSTOM else "repeat"

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        day, time = data.get("due_date"), data.get("due_time")
        repeat = data.get("repeat") or ""
        return {
            "kind": data["kind"],
            "subject": data.get("subject") or "",
            "contact": data.get("contact") or None,
            "deal": data.get("deal") or None,
            "complaint": data.get("complaint") or None,
            # a wall-clock time in the activity's zone: the service checks that it exists
            "due_at": dt.datetime.combine(day, time) if day and time else None,
            "time_zone": data.get("time_zone") or None,
            "duration_minutes": data.get("duration_minutes") or 0,
            "assignee": data["assignee"].pk if data.get("assignee") else None,
            "reminders": [*data.get("reminders", []), *_minutes(data.get("reminder_other", ""))],
            "recurrence": data.get("recurrence_custom", "") if repeat == CUSTOM else repeat,
            "notes": data.get("notes") or "",
        }


class CompleteForm(PicoForm):
    """Done: what came of it, and (optionally) the next step with the same customer."""

    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices, required=False)
    next_subject = forms.CharField(label=_("Next step"), required=False, strip=False)
    next_date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    next_time = forms.TimeField(label=_("Time"), required=False, widget=TIME)

    # service field of the next step → the form field that shows its error
    NEXT_FIELDS = {
        "next_step.kind": "next_kind",
        "next_step.subject": "next_subject",
        "next_step.due_at": "next_date",
    }

    def next_step(self, activity: Activity) -> dict[str, Any] | None:
        """The next step's data, planned in the completed activity's zone (None when none of
        its fields was filled in)."""
        data = self.cleaned_data
        if not any(data.get(name) for name in ("next_subject", "next_date", "next_time")):
            return None
        day, time = data.get("next_date"), data.get("next_time")
        step: dict[str, Any] = {
            "subject": data.get("next_subject") or "",
            "due_at": dt.datetime.combine(day, time) if day and time else None,
            "time_zone": activity.time_zone,
        }
        if data.get("next_kind"):
            step["kind"] = data["next_kind"]
        return step


class MoveForm(PicoForm):
    """Move an activity to another day and time (in its own zone); for a series, just this
    occurrence or this and every following one."""

    auto_id = "move_%s"
    date = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    following = forms.BooleanField(label=_("This and the following occurrences"), required=False)

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        due = activity.due_at.astimezone(ZoneInfo(activity.time_zone))
        return {"date": due.date(), "time": due.time().replace(second=0, microsecond=0)}

    def due_at(self) -> dt.datetime:
        """The new time, a wall-clock time in the activity's zone (the service checks it)."""
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
