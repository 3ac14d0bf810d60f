"""A campaign's content as it is written: its own per-language templates, or two and more
A/B variants each with their own. Checked before anything is saved (every error at once,
each naming its place, e.g. `variants[1].share`) and again at launch."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _

from rapport.campaigns import content
from rapport.campaigns.models import Campaign, CampaignTemplate, CampaignVariant

NAME_LENGTH = CampaignVariant._meta.get_field("name").max_length or 40


def template_errors(templates: list[CampaignTemplate]) -> list[str]:
    """What keeps these templates from being sent: none given, a language twice, content
    that cannot be rendered."""
    if not templates:
        return [_("Write the message in at least one language.")]
    if len({t.language for t in templates}) != len(templates):
        return [_("Give each language once.")]
    for template in templates:
        try:
            content.render(
                subject=template.subject,
                body_text=template.body_text,
                body_html=template.body_html,
                context=content.sample_context(),
                language=template.language,
                footer=False,
            )
        except TemplateSyntaxError as exc:
            return [_("%(language)s: %(error)s") % {"language": template.language, "error": exc}]
        problems = content.template_parameter_errors(template.subject, content.PERSON_VARIABLES)
        if problems:
            return [
                _("%(language)s: %(error)s") % {"language": template.language, "error": problem}
                for problem in problems
            ]
    return []


def check_templates(templates: list[CampaignTemplate], field: str = "templates") -> None:
    """Refuse content that cannot be sent (caught here, never at send time for half the
    list)."""
    errors = template_errors(templates)
    if errors:
        raise ValidationError({field: errors})


def templates_from(rows: list[dict[str, Any]]) -> list[CampaignTemplate]:
    return [
        CampaignTemplate(
            language=row["language"],
            position=position,
            subject=row.get("subject") or "",
            body_text=row["body_text"],
            body_html=row.get("body_html") or "",
        )
        for position, row in enumerate(rows)
    ]


@dataclass
class VariantDraft:
    """A variant and its templates, checked, not saved yet."""

    variant: CampaignVariant
    templates: list[CampaignTemplate]


def variants_from(rows: list[dict[str, Any]]) -> list[VariantDraft]:
    """The variants as given (none, or two and more whose shares sum to 100, with unique
    names and content each), or a ValidationError naming every bad place."""
    if not rows:
        return []
    if len(rows) == 1:
        raise ValidationError({"variants": [_("Give two variants or more, or none.")]})
    errors: dict[str, list[str]] = {}
    drafts, seen = [], set()
    for i, row in enumerate(rows):
        name = str(row.get("name") or "").strip()
        share = row.get("share")
        if not name or len(name) > NAME_LENGTH:
            errors[f"variants[{i}].name"] = [
                _("Give the variant a name of at most %(n)s characters.") % {"n": NAME_LENGTH}
            ]
        elif name.casefold() in seen:
            errors[f"variants[{i}].name"] = [_("Give each variant its own name.")]
        seen.add(name.casefold())
        if not isinstance(share, int) or isinstance(share, bool) or not 1 <= share <= 99:
            errors[f"variants[{i}].share"] = [_("Give a share from 1 to 99 percent.")]
        templates = templates_from(row.get("templates") or [])
        if problems := template_errors(templates):
            errors[f"variants[{i}].templates"] = problems
        drafts.append(
            VariantDraft(
                CampaignVariant(name=name, share=share if isinstance(share, int) else 0),
                templates,
            )
        )
    total = sum(d.variant.share for d in drafts)
    last = f"variants[{len(rows) - 1}].share"
    if total != 100 and not any(k.endswith(".share") for k in errors):
        errors[last] = [_("The shares add up to %(total)s; make them 100.") % {"total": total}]
    if errors:
        raise ValidationError(errors)
    for position, draft in enumerate(drafts):
        draft.variant.position = position
    return drafts


def save_content(
    campaign: Campaign,
    templates: list[CampaignTemplate] | None,
    variants: list[VariantDraft] | None,
) -> None:
    """Replace the campaign's own templates and/or its variants (None: left as they are).
    Variants replace the campaign's own templates: the content is in one place or the
    other."""
    if variants is not None:
        campaign.variants.all().delete()  # their templates go with them
        if variants:
            campaign.templates.all().delete()
        for draft in variants:
            draft.variant.campaign = campaign
        CampaignVariant.objects.bulk_create([d.variant for d in variants])
        CampaignTemplate.objects.bulk_create(
            [
                _attached(template, campaign, draft.variant)
                for draft in variants
                for template in draft.templates
            ]
        )
    if templates is not None:
        campaign.templates.filter(variant__isnull=True).delete()
        CampaignTemplate.objects.bulk_create(
            [_attached(template, campaign, None) for template in templates]
        )


def _attached(
    template: CampaignTemplate, campaign: Campaign, variant: CampaignVariant | None
) -> CampaignTemplate:
    template.campaign = campaign
    template.variant = variant
    return template


def launch_content(campaign: Campaign) -> None:
    """Refuse to launch a campaign whose content cannot be sent: its own templates, or each
    of its variants' (read fresh)."""
    variants = list(campaign.variants.order_by("position", "id"))
    if not variants:
        check_templates(
            list(campaign.templates.filter(variant__isnull=True).order_by("position", "id"))
        )
        return
    errors: dict[str, list[str]] = {}
    for i, variant in enumerate(variants):
        problems = template_errors(list(variant.templates.order_by("position", "id")))
        if problems:
            errors[f"variants[{i}].templates"] = problems
    if sum(v.share for v in variants) != 100:
        errors["variants"] = [_("The variants' shares must add up to 100.")]
    if errors:
        raise ValidationError(errors)
