"""The campaign form of the marketer's pages: its fields, and the data it hands to
`targeting.campaign_save` (the service checks what needs the database: the segment, the
templates, the status)."""

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rapport.campaigns.models import Campaign, MessageChannel, MessagePurpose
from rapport.core.forms import DATETIME, PicoForm
from rapport.segments.selectors import segments_for

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# What a template may say about its recipient (content.person_context).
PLACEHOLDERS = ("first_name", "last_name", "full_name", "unsubscribe_url")
MAX_VARIANTS = 10
PARTS = ("subject", "text", "html")


def prefix_of(index: int | None) -> str:
    """The field-name prefix of a content block: "" for the campaign's own templates,
    "v0_", "v1_"… for its A/B variants."""
    return "" if index is None else f"v{index}_"


def variant_count(data: Any) -> int:
    """How many variants the submitted (or initial) form holds: 0, or 2 to MAX_VARIANTS."""
    try:
        count = int((data or {}).get("variant_count") or 0)
    except (TypeError, ValueError):
        return 0
    return count if 2 <= count <= MAX_VARIANTS else 0


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
    track = forms.BooleanField(
        label=_("Track opens and clicks"),
        required=False,
        initial=True,
        help_text=_("E-mail only: links go through Rapport and a tiny image counts opens."),
    )
    cost = forms.DecimalField(
        label=_("Cost"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("What the campaign costs, in the reporting currency: the report's ROMI."),
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
        none = pgettext_lazy("fallback channel", "None")
        fallback.choices = [("", none), *MessageChannel.choices]
        source = self.data if self.is_bound else self.initial
        self.variants = variant_count(source)
        self.fields["variant_count"] = forms.IntegerField(
            required=False, widget=forms.HiddenInput, initial=self.variants
        )
        self._content_fields(None)
        for index in range(self.variants):
            prefix = prefix_of(index)
            self.fields[f"{prefix}name"] = forms.CharField(label=_("Variant name"), max_length=40)
            self.fields[f"{prefix}share"] = forms.IntegerField(
                label=_("Share, percent"), min_value=1, max_value=99
            )
            self._content_fields(index)

    def _content_fields(self, index: int | None) -> None:
        prefix = prefix_of(index)
        for code in LANGUAGES:
            self.fields[f"{prefix}subject_{code}"] = forms.CharField(
                label=_("Subject"),
                max_length=300,
                required=False,
                help_text=_(
                    "E-mail: the subject line. Messenger: template:NAME sends WhatsApp "
                    "recipients that approved template (needed outside WhatsApp's 24-hour window)."
                ),
            )
            self.fields[f"{prefix}text_{code}"] = forms.CharField(
                label=_("Text"),
                max_length=50_000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            self.fields[f"{prefix}html_{code}"] = forms.CharField(
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
        for prefix in self._prefixes():
            for code in LANGUAGES:
                text = (cleaned.get(f"{prefix}text_{code}") or "").strip()
                rest = cleaned.get(f"{prefix}subject_{code}") or cleaned.get(f"{prefix}html_{code}")
                if rest and not text:
                    self.add_error(
                        f"{prefix}text_{code}",
                        _("Write the text, or clear this language's subject and HTML."),
                    )
        return cleaned

    def _prefixes(self) -> list[str]:
        """The content blocks the form holds: the variants', else the campaign's own."""
        if self.variants:
            return [prefix_of(i) for i in range(self.variants)]
        return [prefix_of(None)]

    def blocks(self, current: str, placed: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The content blocks (the campaign's own, or each variant) with their language
        tabs; the tab shown first is the first with an error, else `current` (the page's
        language). `placed`: the service's errors on a block's templates."""
        placed = placed or {}
        if not self.variants:
            return [
                {
                    "prefix": "",
                    "tabs": self._tabs("", current),
                    "error": placed.get("templates", ""),
                }
            ]
        return [
            {
                "prefix": prefix_of(i),
                "index": i,
                "name": self[f"{prefix_of(i)}name"],
                "share": self[f"{prefix_of(i)}share"],
                "tabs": self._tabs(prefix_of(i), current),
                "error": placed.get(f"variants[{i}].templates", ""),
            }
            for i in range(self.variants)
        ]

    def _tabs(self, prefix: str, current: str) -> list[dict[str, Any]]:
        tabs = [
            {
                "code": code,
                "id": f"{prefix}{code}",
                "name": get_language_info(code)["name_local"],
                "subject": self[f"{prefix}subject_{code}"],
                "text": self[f"{prefix}text_{code}"],
                "html": self[f"{prefix}html_{code}"],
                "filled": bool(self[f"{prefix}text_{code}"].value()),
                "invalid": any(self.has_error(f"{prefix}{part}_{code}") for part in PARTS),
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
            "track": bool(c.get("track")),
            "cost": c.get("cost"),
        } | self._content()

    def _templates(self, prefix: str) -> list[dict[str, str]]:
        c = self.cleaned_data
        return [
            {
                "language": code,
                "subject": c.get(f"{prefix}subject_{code}") or "",
                "body_text": c[f"{prefix}text_{code}"],
                "body_html": c.get(f"{prefix}html_{code}") or "",
            }
            for code in LANGUAGES
            if (c.get(f"{prefix}text_{code}") or "").strip()
        ]

    def _content(self) -> dict[str, Any]:
        """The own templates and no variants, or the variants (each with its templates)."""
        if not self.variants:
            return {"templates": self._templates(""), "variants": []}
        c = self.cleaned_data
        return {
            "variants": [
                {
                    "name": c[f"{prefix_of(i)}name"],
                    "share": c[f"{prefix_of(i)}share"],
                    "templates": self._templates(prefix_of(i)),
                }
                for i in range(self.variants)
            ]
        }


# The service's error keys on a variant ("variants[1].share") as the form's fields.
def error_aliases(count: int) -> dict[str, str | None]:
    aliases: dict[str, str | None] = {}
    for i in range(count):
        aliases[f"variants[{i}].name"] = f"{prefix_of(i)}name"
        aliases[f"variants[{i}].share"] = f"{prefix_of(i)}share"
    return aliases


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
        "track": campaign.track,
        "cost": campaign.cost,
        "updated_at": campaign.updated_at.isoformat(),
    }
    variants = list(campaign.variants.order_by("position", "id"))
    initial["variant_count"] = len(variants)
    index = {variant.pk: i for i, variant in enumerate(variants)}
    for i, variant in enumerate(variants):
        initial[f"{prefix_of(i)}name"] = variant.name
        initial[f"{prefix_of(i)}share"] = variant.share
    for template in campaign.templates.all():
        prefix = prefix_of(index.get(template.variant_id)) if template.variant_id else ""
        initial[f"{prefix}subject_{template.language}"] = template.subject
        initial[f"{prefix}text_{template.language}"] = template.body_text
        initial[f"{prefix}html_{template.language}"] = template.body_html
    return initial


# --- the variant buttons: re-drawing the form with a variant more or less --------------------


def _block(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        f"{part}_{code}": data.get(f"{prefix}{part}_{code}", "")
        for part in PARTS
        for code in LANGUAGES
    }


def _with_block(data: dict[str, Any], prefix: str, block: dict[str, Any]) -> None:
    for key, value in block.items():
        data[f"{prefix}{key}"] = value


def rearranged(posted: Any, action: str) -> dict[str, Any]:
    """The form's values after a variant button: "split" (the own content becomes variants
    A and B), "add_variant", "remove_variant:<i>" (one variant left: back to own content),
    "no_variants" (the first variant's content becomes the campaign's own)."""
    data = {key: posted.get(key) for key in posted if key != "csrfmiddlewaretoken"}
    count = variant_count(data)
    blocks = [
        {"name": data.get(f"{prefix_of(i)}name", ""), "share": data.get(f"{prefix_of(i)}share", "")}
        | _block(data, prefix_of(i))
        for i in range(count)
    ]
    if action == "split" and not count:
        own = _block(data, "")
        blocks = [{"name": "A", "share": 50} | own, {"name": "B", "share": 50} | own]
    elif action == "add_variant" and 2 <= count < MAX_VARIANTS:
        letter = chr(ord("A") + count)
        blocks.append({"name": letter, "share": ""} | _block({}, ""))
    elif action.startswith("remove_variant:") and count:
        number = action.partition(":")[2]
        if number.isdigit() and int(number) < count:
            del blocks[int(number)]
    elif action == "no_variants" and count:
        blocks = blocks[:1]
    for key in [k for k in data if k.startswith("v") and k[1:2].isdigit()]:
        del data[key]
    if len(blocks) < 2:
        if blocks:
            _with_block(
                data, "", {k: v for k, v in blocks[0].items() if k not in ("name", "share")}
            )
        data["variant_count"] = 0
        return data
    for i, block in enumerate(blocks):
        for key, value in block.items():
            data[f"{prefix_of(i)}{key}"] = value
    data["variant_count"] = len(blocks)
    return data
