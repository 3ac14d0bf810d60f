"""The campaign form of the marketer's pages: its fields, and the data it hands to
`targeting.campaign_save` (the service checks what needs the database: the segment, the
templates, the status)."""

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from rapport.campaigns.models import Campaign, MessageChannel, MessagePurpose
from rapport.core.forms import DATETIME, PicoForm
from rapport.segments.selectors import segments_for

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# What a template may say about its recipient (content.person_context).
PLACEHOLDERS = ("first_name", "last_name", "full_name", "unsubscribe_url")


class CampaignForm(PicoForm):
    """A draft or scheduled campaign: who, on which channel, what it says, and when."""

    auto_id = "campaign-%s"

    name = forms.CharField(label=_("Name"), max_length=200)
    goal = forms.CharField(
        label=_("Goal"),
        max_length=300,
        required=False,
        help_text=_("What the campaign is for, in a line (for your colleagues)."),
    )
    segment = forms.TypedChoiceField(
        label=_("Segment"), coerce=int, empty_value=None, required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    fallback_channel = forms.ChoiceField(
        label=_("Fallback channel"),
        required=False,
        help_text=_("Used for people the first channel cannot reach."),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=MessagePurpose.choices,
        initial=MessagePurpose.MARKETING,
        widget=forms.RadioSelect,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Send from"),
        required=False,
        widget=DATETIME,
        help_text=_("In your time zone; empty: as soon as it is launched."),
    )
    quiet_from = forms.TimeField(label=_("Quiet from"), required=False, widget=TIME)
    quiet_to = forms.TimeField(label=_("Quiet until"), required=False, widget=TIME)
    holdout_percent = forms.IntegerField(
        label=_("Holdout, percent"),
        min_value=0,
        max_value=50,
        initial=0,
        help_text=_("A share of the audience that gets nothing, to measure what the message adds."),
    )
    updated_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segments = segments_for(user).order_by("name", "id")[:500]
        segment_field = self.fields["segment"]
        assert isinstance(segment_field, forms.TypedChoiceField)
        segment_field.choices = [
            ("", _("— choose a segment —")),
            *((s.pk, s.name) for s in segments),
        ]
        fallback = self.fields["fallback_channel"]
        assert isinstance(fallback, forms.ChoiceField)
        fallback.choices = [("", _("None")), *MessageChannel.choices]
        for code in LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject"), max_length=300, required=False
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text"),
                max_length=50_000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            self.fields[f"html_{code}"] = forms.CharField(
                label=_("HTML (e-mail only, optional)"),
                max_length=200_000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        quiet_from, quiet_to = cleaned.get("quiet_from"), cleaned.get("quiet_to")
        if (quiet_from is None) != (quiet_to is None) and not (
            self.has_error("quiet_from") or self.has_error("quiet_to")
        ):
            missing = "quiet_to" if quiet_to is None else "quiet_from"
            self.add_error(missing, _("Give both ends of the quiet hours, or neither."))
        for code in LANGUAGES:
            text = (cleaned.get(f"text_{code}") or "").strip()
            rest = cleaned.get(f"subject_{code}") or cleaned.get(f"html_{code}")
            if rest and not text:
                self.add_error(
                    f"text_{code}",
                    _("Write the text, or clear this language's subject and HTML."),
                )
        return cleaned

    def languages(self, current: str) -> list[dict[str, Any]]:
        """Each language's fields, for the template's tabs; the one shown first is the
        first with an error, else `current` (the page's language)."""
        tabs = [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "subject": self[f"subject_{code}"],
                "text": self[f"text_{code}"],
                "html": self[f"html_{code}"],
                "filled": bool(self[f"text_{code}"].value()),
                "invalid": any(
                    self.has_error(f"{part}_{code}") for part in ("subject", "text", "html")
                ),
            }
            for code in LANGUAGES
        ]
        invalid = [tab["code"] for tab in tabs if tab["invalid"]]
        active = invalid[0] if invalid else current if current in LANGUAGES else LANGUAGES[0]
        for tab in tabs:
            tab["active"] = tab["code"] == active
        return tabs

    def seen(self) -> dt.datetime | None:
        """The `updated_at` the editor loaded (None when missing or malformed)."""
        try:
            return dt.datetime.fromisoformat(self.cleaned_data.get("updated_at") or "")
        except ValueError:
            return None

    def to_data(self) -> dict[str, Any]:
        """The service's input: the fields, and the templates of the languages written."""
        c = self.cleaned_data
        quiet = None
        if c.get("quiet_from") and c.get("quiet_to"):
            quiet = {
                "from": c["quiet_from"].strftime("%H:%M"),
                "to": c["quiet_to"].strftime("%H:%M"),
            }
        return {
            "name": c["name"].strip(),
            "goal": c.get("goal") or "",
            "segment": c.get("segment"),
            "channel": c["channel"],
            "fallback_channel": c.get("fallback_channel") or "",
            "purpose": c["purpose"],
            "scheduled_at": c.get("scheduled_at"),
            "quiet_hours": quiet,
            "holdout_percent": c["holdout_percent"],
            "templates": [
                {
                    "language": code,
                    "subject": c.get(f"subject_{code}") or "",
                    "body_text": c[f"text_{code}"],
                    "body_html": c.get(f"html_{code}") or "",
                }
                for code in LANGUAGES
                if (c.get(f"text_{code}") or "").strip()
            ],
        }


def initial_for(campaign: Campaign) -> dict[str, Any]:
    """The form's values for a saved campaign."""
    quiet = campaign.quiet_hours or {}
    initial: dict[str, Any] = {
        "name": campaign.name,
        "goal": campaign.goal,
        "segment": campaign.segment_id,
        "channel": campaign.channel,
        "fallback_channel": campaign.fallback_channel,
        "purpose": campaign.purpose,
        "scheduled_at": campaign.scheduled_at,
        "quiet_from": quiet.get("from"),
        "quiet_to": quiet.get("to"),
        "holdout_percent": campaign.holdout_percent,
        "updated_at": campaign.updated_at.isoformat(),
    }
    for template in campaign.templates.filter(variant__isnull=True):
        initial[f"subject_{template.language}"] = template.subject
        initial[f"text_{template.language}"] = template.body_text
        initial[f"html_{template.language}"] = template.body_html
    return initial
