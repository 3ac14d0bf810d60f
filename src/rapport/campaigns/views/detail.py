"""A campaign's page: its settings in words, whom it would reach now (loaded by HTMX), a
test to oneself, launch / pause / resume / cancel, its messages, and the messages a
person must settle by hand ("To review")."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.campaigns import report, selectors, services, targeting, tracking
from rapport.campaigns.models import Campaign, CampaignStatus, Message, MessageStatus, SkipReason
from rapport.core import visibility
from rapport.core.http import Request, get_visible_or_404, page_of
from rapport.segments.selectors import segments_for

MESSAGES_PAGE = 50
REVIEW_SHOWN = 100
MOVES = {
    "pause": {CampaignStatus.SENDING},
    "resume": {CampaignStatus.PAUSED},
    "cancel": {
        CampaignStatus.DRAFT,
        CampaignStatus.SCHEDULED,
        CampaignStatus.SENDING,
        CampaignStatus.PAUSED,
    },
}


def _campaign(request: Request, pk: int) -> Campaign:
    """A campaign the viewer may see, else 404 (as the API answers)."""
    return get_visible_or_404(selectors.campaigns_for(request.user).select_related("segment"), pk)


def _message_status(request: Request) -> str:
    status = request.GET.get("status", "")
    return status if status in MessageStatus.values else ""


def _messages_context(request: Request, campaign: Campaign) -> dict[str, Any]:
    status = _message_status(request)
    rows = selectors.messages_of(request.user, campaign, status)
    page, _cursor = page_of(request, rows, ordering=["-id"], limit=MESSAGES_PAGE)
    return {
        "campaign": campaign,
        "page": page,
        "message_status": status,
        "message_statuses": MessageStatus.choices,
    }


@login_required
@require_GET
def campaign_detail(request: Request, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    context = _messages_context(request, campaign)
    if request.htmx and request.GET.get("cursor"):
        return render(request, "campaigns/detail.html#message-rows", context)
    if request.htmx and request.htmx.target == "message-results":
        return render(request, "campaigns/detail.html#messages", context)
    may_change = visibility.can(request.user, "change", campaign)
    contents = services.contents_of(campaign.pk)
    quiet = campaign.quiet_hours or {}
    context.update(
        may_change=may_change,
        editable=may_change and campaign.status in targeting.EDITABLE,
        moves=[a for a, allowed in MOVES.items() if may_change and campaign.status in allowed],
        segment_visible=campaign.segment_id is not None
        and segments_for(request.user).filter(pk=campaign.segment_id or 0).exists(),
        templates=contents.get(None, []),
        variants=[
            (variant, contents.get(variant.pk, []))
            for variant in campaign.variants.order_by("position", "id")
        ],
        quiet=quiet,
        tracking_on=tracking.site_enabled(),
        counts=selectors.outbox_counts([campaign.pk]).get(campaign.pk, {}),
        review=list(
            selectors.messages_of(request.user, campaign, MessageStatus.REVIEW).order_by("id")[
                :REVIEW_SHOWN
            ]
        ),
        tests=list(
            Message.objects.filter(
                campaign=None, source=f"test:{campaign.pk}:{request.user.pk}"
            ).order_by("-id")[:5]
        ),
    )
    return render(request, "campaigns/detail.html", context)


@login_required
@require_GET
def audience(request: Request, pk: int) -> HttpResponse:
    """The preview counts (who would get it now, and why the others would not)."""
    campaign = _campaign(request, pk)
    counts = targeting.campaign_preview(actor=request.user, campaign=campaign)
    may_launch = (
        visibility.can(request.user, "change", campaign) and campaign.status in targeting.EDITABLE
    )
    return render(
        request,
        "campaigns/audience.html",
        {"campaign": campaign, "counts": counts, "may_launch": may_launch},
    )


@login_required
@require_GET
def report_panel(request: Request, pk: int) -> HttpResponse:
    """What the launched campaign's messages did and earned, against its holdout
    (campaigns.report), loaded by HTMX: attribution reads orders."""
    campaign = _campaign(request, pk)
    figures = report.campaign_report(campaign)
    skipped = [
        (SkipReason(reason).label if reason in SkipReason.values else reason, n)
        for reason, n in figures["skipped"].items()
    ]
    uplift = figures["uplift"]
    percents = {
        "treated": _percent(figures["treated"]["rate"]),
        "holdout": _percent(figures["holdout"]["rate"]),
        "uplift": _percent(uplift["rate"], signed=True),
        "low": _percent(uplift["low"], signed=True),
        "high": _percent(uplift["high"], signed=True),
        "romi": _percent(figures["romi"], signed=True),
        "incremental_romi": _percent(figures["incremental_romi"], signed=True),
    }
    for variant in figures["variants"]:
        variant["percent"] = _percent(variant["rate"])
    return render(
        request,
        "campaigns/report.html",
        {"campaign": campaign, "report": figures, "skipped": skipped, "percent": percents},
    )


def _percent(rate: float | None, *, signed: bool = False) -> str | None:
    """A rate (a fraction) as a percentage in the page's language: "1.25 %"; signed for
    differences ("+0.4 %")."""
    if rate is None:
        return None
    text = number_format(round(rate * 100, 2), decimal_pos=2)
    return f"+{text} %" if signed and rate > 0 else f"{text} %"


def _changeable(request: Request, pk: int) -> Campaign:
    campaign = _campaign(request, pk)
    if not visibility.can(request.user, "change", campaign):
        raise PermissionDenied(_("You cannot change campaigns."))
    return campaign


def _say(request: Request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
@require_POST
def launch(request: Request, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    try:
        targeting.campaign_launch(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Campaign launched: its messages are queued."))
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def move(request: Request, pk: int, action: str) -> HttpResponse:
    campaign = _changeable(request, pk)
    if action not in MOVES:
        raise PermissionDenied
    try:
        services.campaign_move(campaign=campaign, action=action)
    except ValidationError as exc:
        _say(request, exc)
    else:
        done = {
            "pause": _("Campaign paused: nothing more goes out until you resume it."),
            "resume": _("Campaign resumed: what was left is being sent."),
            "cancel": _("Campaign cancelled: messages not sent yet will not go out."),
        }
        messages.success(request, done[action])
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def test_send(request: Request, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    try:
        services.campaign_test_send(
            actor=request.user, campaign=campaign, language=get_language() or ""
        )
    except ValidationError as exc:
        _say(request, exc)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        messages.success(
            request,
            _("A test message is queued to you at %(email)s.") % {"email": request.user.email},
        )
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def review(request: Request, pk: int) -> HttpResponse:
    """Settle one message in `review`: it went out (sent) or it did not (failed)."""
    message = get_visible_or_404(
        visibility.scope(Message.objects.filter(campaign__isnull=False), request.user), pk
    )
    if not visibility.can(request.user, "change", message):
        raise PermissionDenied(_("You cannot change campaigns."))
    went_out = request.POST.get("went_out") == "yes"
    try:
        services.message_review(actor=request.user, message=message, went_out=went_out)
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("Message #%(id)s marked as sent.") % {"id": message.pk}
            if went_out
            else _("Message #%(id)s marked as not sent.") % {"id": message.pk},
        )
    return redirect("campaigns:campaign_detail", pk=message.campaign_id)
