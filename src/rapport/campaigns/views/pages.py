"""The marketer's campaign pages: the list and the create/edit form with its live preview.

Every page reads through `campaigns.selectors` (the role rule's "campaigns" kind) and
writes through `targeting.campaign_save` / `services.campaign_edit`; marketers and the
administrator work campaigns, the analyst reads them, other roles reach none."""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.campaigns import content, selectors, services, targeting
from rapport.campaigns.forms import (
    LANGUAGES,
    MAX_VARIANTS,
    PLACEHOLDERS,
    CampaignForm,
    error_aliases,
    initial_for,
    rearranged,
)
from rapport.campaigns.models import Campaign, CampaignStatus, MessagePurpose
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions, visibility
from rapport.core.http import Request, apply_errors, get_visible_or_404, page_of
from rapport.core.params import parse_id

PAGE_SIZE = 50
PREFIX = re.compile(r"(v\d_)?")
ORDERING = ["-created_at", "-id"]
# the errors the form shows in its own places rather than on one field
PLACED = frozenset({"templates", "variants", "status", "updated_at"})


def require_reader(request: Request) -> None:
    """The campaign pages exist for the roles that may read campaigns (403 for others)."""
    if not permissions.allows(request.user, "campaigns", "view"):
        raise PermissionDenied


@login_required
@require_GET
def campaign_list(request: Request) -> HttpResponse:
    require_reader(request)
    status = request.GET.get("status", "")
    if status not in CampaignStatus.values:
        status = ""
    campaigns = selectors.campaigns_for(request.user).select_related("segment")
    if status:
        campaigns = campaigns.filter(status=status)
    page, _cursor = page_of(request, campaigns, ordering=ORDERING, limit=PAGE_SIZE)
    counts = selectors.outbox_counts(c.pk for c in page.items)
    for campaign in page.items:
        campaign.counts = counts.get(campaign.pk, {})
    context = {
        "page": page,
        "status": status,
        "statuses": CampaignStatus.choices,
        "can_create": visibility.can_create(request.user, "campaigns"),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "campaigns/list.html#rows", context)
    return render(request, "campaigns/list.html", context)


# --- the form --------------------------------------------------------------------------------


def _form_context(
    request: Request,
    form: CampaignForm,
    campaign: Campaign | None,
    placed: dict[str, str] | None = None,
) -> dict[str, Any]:
    placed = placed or {}
    return {
        "form": form,
        "campaign": campaign,
        "placed": placed,
        "blocks": form.blocks(get_language() or "", placed),
        "may_add_variant": 2 <= form.variants < MAX_VARIANTS,
        "placeholders": [f"{{{{ {name} }}}}" for name in PLACEHOLDERS],
        "preview_url": reverse("campaigns:content_preview"),
        "contact_url": reverse("contacts:contact_options"),
        "segment_create_url": reverse("segments:segment_create"),
        "may_create_segments": visibility.can_create(request.user, "segments"),
    }


def _placed_keys(count: int) -> frozenset[str]:
    """The service's error keys the form shows in their own places (not on one field)."""
    return PLACED | {f"variants[{i}].templates" for i in range(count)}


def _save(request: Request, campaign: Campaign | None) -> HttpResponse:
    action = request.POST.get("action", "")
    if action:  # a variant button: the form again, rearranged, nothing saved
        form = CampaignForm(user=request.user, initial=rearranged(request.POST, action))
        return render(request, "campaigns/form.html", _form_context(request, form, campaign))
    form = CampaignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            if campaign is None:
                campaign = targeting.campaign_save(
                    actor=request.user, campaign=None, data=form.to_data()
                )
            else:
                campaign = services.campaign_edit(
                    actor=request.user, campaign=campaign, data=form.to_data(), seen=form.seen()
                )
        except ValidationError as exc:
            keys = _placed_keys(form.variants)
            apply_errors(form, exc, aliases=error_aliases(form.variants), skip=keys)
            found = exc.message_dict if hasattr(exc, "error_dict") else {}
            placed = {k: " ".join(v) for k, v in found.items() if k in keys}
            context = _form_context(request, form, campaign, placed)
            return render(request, "campaigns/form.html", context, status=422)
        messages.success(request, _("Campaign saved."))
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    context = _form_context(request, form, campaign)
    return render(request, "campaigns/form.html", context, status=422)


@login_required
def campaign_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "campaigns"):
        raise PermissionDenied(_("Your role cannot create campaigns."))
    if request.method == "POST":
        return _save(request, None)
    segment = parse_id(request.GET.get("segment"))
    form = CampaignForm(user=request.user, initial={"segment": segment, "holdout_percent": 0})
    return render(request, "campaigns/form.html", _form_context(request, form, None))


@login_required
def campaign_edit(request: Request, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(selectors.campaigns_for(request.user), pk)
    if not visibility.can(request.user, "change", campaign):
        raise PermissionDenied(_("You cannot change campaigns."))
    if campaign.status not in targeting.EDITABLE:
        messages.error(request, _("Only a draft or scheduled campaign can be changed."))
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    if request.method == "POST":
        return _save(request, campaign)
    form = CampaignForm(user=request.user, initial=initial_for(campaign))
    return render(request, "campaigns/form.html", _form_context(request, form, campaign))


@login_required
@require_POST
def content_preview(request: Request) -> HttpResponse:
    """One language's content as a chosen contact (one the viewer may see) or the sample
    person would get it, from the form as it is now."""
    require_reader(request)
    language = request.POST.get("preview_language", "")
    if language not in LANGUAGES:
        language = LANGUAGES[0]
    prefix = request.POST.get("preview_prefix", "")
    if not PREFIX.fullmatch(prefix):
        prefix = ""
    contact_id = parse_id(request.POST.get("preview_contact"))
    person = contacts_for(request.user).filter(pk=contact_id).first() if contact_id else None
    context_values = content.person_context(person) if person else content.sample_context()
    context: dict[str, Any] = {"language": language, "person": person}
    text = request.POST.get(f"{prefix}text_{language}", "")
    if not text.strip():
        context["empty"] = True
        return render(request, "campaigns/content_preview.html", context)
    subject = request.POST.get(f"{prefix}subject_{language}", "")[:300]
    try:
        rendered = content.render(
            subject=subject,
            body_text=text[:50_000],
            body_html=request.POST.get(f"{prefix}html_{language}", "")[:200_000],
            context=context_values,
            language=language,
            footer=request.POST.get("purpose") != MessagePurpose.SERVICE,
        )
    except TemplateSyntaxError as exc:
        context["error"] = str(exc)
    else:
        # a parameter the context lacks, or one that may be empty, would fail at send time
        problems = content.template_parameter_errors(subject, content.PERSON_VARIABLES)
        if problems:
            context["error"] = " ".join(problems)
        link = _("(unsubscribe link)")
        context["rendered"] = {
            "subject": rendered.subject,
            "params": rendered.params,
            "text": content.fill_unsubscribe(rendered.text, link),
            "html": content.fill_unsubscribe(rendered.html, "#"),
        }
    return render(request, "campaigns/content_preview.html", context)
