"""HTML forms of the service app. They shape input; the services validate (a retired root
cause, another customer's order, an assignee who cannot work the complaint)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.forms import DATE, PicoForm
from rapport.service import selectors
from rapport.service.models import (
    BusinessHours,
    ComplaintChannel,
    ComplaintStatus,
    Severity,
    SlaPolicy,
)

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


def _assignee_choices() -> list[tuple[str, str]]:
    return [("", str(_("Nobody yet")))] + [
        (str(user.pk), str(user)) for user in selectors.assignees()
    ]


def _category_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(str(c.pk), c.name) for c in selectors.categories(active_only=True)]


def cause_choices(*, active_only: bool = True) -> list[tuple[Any, Any]]:
    """Root causes grouped under their top-level cause (a top-level cause may be chosen
    itself when nothing more specific fits)."""
    groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for cause in selectors.root_causes(active_only=active_only):
        top = cause.parent or cause
        label = (
            cause.name if cause.parent else str(_("%(name)s (in general)") % {"name": cause.name})
        )
        groups.setdefault(top.pk, (top.name, []))[1].append((str(cause.pk), label))
    return [("", "—")] + [(name, options) for name, options in groups.values()]


class ComplaintForm(PicoForm):
    contact = forms.CharField(label=_("Customer"), required=False)
    order = forms.CharField(label=_("Order"), required=False)
    product = forms.CharField(label=_("Product"), required=False)
    interaction = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ComplaintChannel.choices, initial=ComplaintChannel.PHONE
    )
    category = forms.ChoiceField(label=pgettext_lazy("complaint", "Category"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL
    )
    description = forms.CharField(
        label=_("What does the customer complain about?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "category", _category_choices())
        _set_choices(self, "assignee", _assignee_choices())


class ComplaintEditForm(ComplaintForm):
    """Correcting a complaint: what it is about and who works it; its customer stays (a
    complaint about someone else is a new complaint), its status moves through the workflow."""

    def __init__(self, *args: Any, complaint: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["contact"], self.fields["interaction"]
        category = complaint.category
        if category is not None and not category.is_active:  # a retired one stays chosen
            choices = [*_category_choices(), (str(category.pk), category.name)]
            _set_choices(self, "category", choices)

    @staticmethod
    def initial_for(complaint: Any) -> dict[str, Any]:
        return {
            "order": complaint.order_id or "",
            "product": complaint.product_id or "",
            "channel": complaint.channel,
            "category": complaint.category_id or "",
            "severity": complaint.severity,
            "description": complaint.description,
            "assignee": complaint.assignee_id or "",
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "category": data["category"] or None,
            "severity": data["severity"],
            "description": data["description"],
            "order": data["order"] or None,
            "product": data["product"] or None,
            "assignee": data["assignee"] or None,
        }


class StatusForm(PicoForm):
    auto_id = "status_%s"
    status = forms.ChoiceField(choices=ComplaintStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ResolveForm(PicoForm):
    auto_id = "resolve_%s"
    root_cause = forms.ChoiceField(label=_("Root cause"), required=False)
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done for the customer."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "root_cause", cause_choices())


class ReopenForm(PicoForm):
    auto_id = "reopen_%s"
    note = forms.CharField(label=_("Why is it reopened?"), required=False, max_length=300)


class AssignForm(PicoForm):
    auto_id = "assign_%s"
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "assignee", _assignee_choices())


# --- set-up ----------------------------------------------------------------------------------


class CategoryForm(PicoForm):
    auto_id = "category_%s"
    name = forms.CharField(label=pgettext_lazy("category", "Name"), max_length=100, strip=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class RootCauseForm(PicoForm):
    auto_id = "cause_%s"
    name = forms.CharField(label=pgettext_lazy("root cause", "Name"), max_length=100, strip=False)
    parent = forms.ChoiceField(label=_("Under"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tops = [c for c in selectors.root_causes() if c.parent_id is None]
        top_level = [("", str(_("(top level)")))]
        _set_choices(self, "parent", top_level + [(str(c.pk), c.name) for c in tops])


HOURS_FIELD: dict[str, Any] = {
    "min_value": Decimal("0.01"),
    "max_value": Decimal(365 * 24),
    "decimal_places": 2,
    "widget": forms.TextInput(attrs={"inputmode": "decimal"}),
}


def _name_inputs(form: forms.Form, row: Any) -> None:
    """Inputs laid out in a table row get an accessible name saying which row: "Opens,
    Monday" (a table header does not name the inputs under it)."""
    for field in form.fields.values():
        field.widget.attrs["aria-label"] = f"{field.label}, {row}"


class SlaPolicyForm(PicoForm):
    """One severity's SLA, in hours (stored in minutes)."""

    first_response_hours = forms.DecimalField(
        label=_("First response within, hours"), **HOURS_FIELD
    )
    resolution_hours = forms.DecimalField(label=_("Resolution within, hours"), **HOURS_FIELD)
    business_hours_only = forms.BooleanField(label=_("Business hours only"), required=False)
    warning_percent = forms.IntegerField(
        label=_("Warn at, percent of the time"), min_value=1, max_value=99, initial=80
    )

    def __init__(self, *args: Any, severity: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"sla-{severity}")
        super().__init__(*args, **kwargs)
        self.severity = severity
        _name_inputs(self, Severity(severity).label)

    @classmethod
    def of(cls, severity: str, policy: SlaPolicy | None) -> "SlaPolicyForm":
        if policy is None:
            return cls(severity=severity, initial={"business_hours_only": True})
        return cls(
            severity=severity,
            initial={
                "first_response_hours": Decimal(policy.first_response_minutes) / 60,
                "resolution_hours": Decimal(policy.resolution_minutes) / 60,
                "business_hours_only": policy.business_hours_only,
                "warning_percent": policy.warning_percent,
            },
        )


class BusinessDayForm(PicoForm):
    is_open = forms.BooleanField(label=_("Open"), required=False)
    opens = forms.TimeField(label=_("Opens"), required=False, widget=TIME)
    closes = forms.TimeField(
        label=_("Closes"), required=False, widget=TIME, help_text=_("Empty: midnight.")
    )

    def __init__(self, *args: Any, weekday: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"day-{weekday}")
        super().__init__(*args, **kwargs)
        self.weekday = weekday
        self.day_name = BusinessHours.Weekday(weekday).label
        _name_inputs(self, self.day_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_open") and data.get("opens") is None:
            self.add_error("opens", _("Give the opening time of an open day."))
        return data


class HolidayForm(PicoForm):
    auto_id = "holiday_%s"
    date = forms.DateField(label=_("Date"), widget=DATE)
    holiday_name = forms.CharField(
        label=pgettext_lazy("holiday", "Name"), required=False, max_length=100
    )
    every_year = forms.BooleanField(label=_("Every year"), required=False)
