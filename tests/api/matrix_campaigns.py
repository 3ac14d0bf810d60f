"""The permission matrix rows for campaigns and the outbox (see tests/api/permissions.py).
Marketers and the administrator work campaigns; the analyst reads them; sales managers and
service agents reach none (not even to read: 404)."""

from typing import Any

from django.utils import timezone

from rapport.campaigns.models import Campaign, CampaignTemplate, Message
from rapport.segments.services import segment_create
from tests.api.conftest import API
from tests.api.permissions import ROLES, Endpoint, Policy


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


WORK = _only("admin", "marketer")
CAMPAIGN = Policy(_only("admin", "marketer", "analyst"), WORK, WORK, WORK)


def campaigns_world(users: dict[str, Any], contact: Any) -> dict[str, Any]:
    # a segment of their own: one a campaign targets cannot be deleted (a 409), and the
    # matrix deletes the segments' own
    segment = segment_create(
        actor=users["manager"],
        data={
            "name": "Campaign audience",
            "rule": {"field": "city", "op": "eq", "value": "Vilnius"},
        },
    )

    def made(name: str, status: str) -> Campaign:
        campaign = Campaign.objects.create(
            name=name, channel="email", status=status, segment=segment
        )
        CampaignTemplate.objects.create(
            campaign=campaign, language="en", subject="Hi {{ first_name }}", body_text="Hello"
        )
        return campaign

    sending = made("Spring", "sending")
    lost = made("Lost worker", "sending")
    return {
        "campaign_segment": segment,
        "campaign": made("Winter sun", "draft"),
        "sending_campaign": sending,
        "paused_campaign": made("Autumn", "paused"),
        "review_campaign": lost,
        "message": Message.objects.create(
            campaign=sending,
            contact=contact,
            channel="email",
            purpose="marketing",
            subject="Hi",
            body_text="Hello",
            available_at=timezone.now() + timezone.timedelta(days=1),
        ),
        # handed to the provider by a worker that died: a person settles it
        "review_message": Message.objects.create(
            campaign=lost,
            contact=contact,
            channel="email",
            purpose="marketing",
            subject="Hi",
            body_text="Hello",
            status="review",
            available_at=timezone.now(),
            handed_at=timezone.now(),
        ),
    }


def _(key: str):
    return lambda w: w[key]


def _path(key: str, tail: str = ""):
    return lambda w: f"{API}/campaigns/{w[key].pk}{tail}"


def _move(name: str, key: str, tail: str) -> Endpoint:
    return Endpoint(name, "POST", _path(key, tail), "change", _(key), policy=CAMPAIGN)


CAMPAIGN_ENDPOINTS = [
    Endpoint(
        "list campaigns",
        "GET",
        lambda w: f"{API}/campaigns",
        "list",
        _("campaign"),
        policy=CAMPAIGN,
        rows=lambda w: [
            (w[key], CAMPAIGN.may_see)
            for key in ("campaign", "sending_campaign", "paused_campaign", "review_campaign")
        ],
    ),
    Endpoint(
        "create campaign",
        "POST",
        lambda w: f"{API}/campaigns",
        "create",
        _("campaign"),
        success=201,
        policy=CAMPAIGN,
        body=lambda w: {
            "name": "Summer",
            "channel": "email",
            "segment": w["segment"].pk,
            "templates": [{"language": "en", "subject": "Hi", "body_text": "Summer is here"}],
        },
    ),
    Endpoint("read campaign", "GET", _path("campaign"), "read", _("campaign"), policy=CAMPAIGN),
    Endpoint(
        "change campaign",
        "PATCH",
        _path("campaign"),
        "change",
        _("campaign"),
        body=lambda w: {"name": "Winter sun, again"},
        policy=CAMPAIGN,
    ),
    Endpoint(
        "preview campaign",
        "POST",
        _path("campaign", "/preview"),
        "read",
        _("campaign"),
        policy=CAMPAIGN,
    ),
    Endpoint(
        "campaign report",
        "GET",
        _path("sending_campaign", "/report"),
        "read",
        _("sending_campaign"),
        policy=CAMPAIGN,
    ),
    _move("launch campaign", "campaign", "/launch"),
    _move("pause campaign", "sending_campaign", "/pause"),
    _move("resume campaign", "paused_campaign", "/resume"),
    _move("cancel campaign", "sending_campaign", "/cancel"),
    Endpoint(
        "list messages",
        "GET",
        lambda w: f"{API}/messages",
        "list",
        _("message"),
        policy=CAMPAIGN,
        rows=lambda w: [(w["message"], CAMPAIGN.may_see), (w["review_message"], CAMPAIGN.may_see)],
    ),
    Endpoint(
        "review message",
        "POST",
        lambda w: f"{API}/messages/{w['review_message'].pk}/review",
        "change",
        _("review_message"),
        body=lambda w: {"went_out": True},
        policy=CAMPAIGN,
    ),
]

# A contact's messenger accounts and Viber link follow the contact's own rules (the world's
# RAPPORT_VIBER_URL names a bot URI, so the link can be made).
CAMPAIGN_ENDPOINTS += [
    Endpoint(
        "list messenger accounts",
        "GET",
        lambda w: f"{API}/contacts/{w['contact'].pk}/messengers",
        "read",
        _("contact"),
    ),
    Endpoint(
        "make viber link",
        "POST",
        lambda w: f"{API}/contacts/{w['contact'].pk}/viber-link",
        "change",
        _("contact"),
    ),
]
