"""The timeline events the campaigns app writes, and how each is worded when shown. Params
keep the campaign's name as it was when the message went out."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import pgettext

from rapport.campaigns.models import MessageChannel, MessagePurpose, MessageStatus
from rapport.timeline.rendering import Rendered, choice_label, register

MESSAGE_SENT = "campaign.message_sent"
UNSUBSCRIBED = "campaign.unsubscribed"
DELIVERY = "campaign.delivery"
REPLY = "campaign.reply"
MESSENGER_UNSUBSCRIBED = "campaign.messenger_unsubscribed"
MESSENGER_SUBSCRIBED = "campaign.messenger_subscribed"
MESSENGER_LINKED = "campaign.messenger_linked"
MESSENGERS = {"telegram": "Telegram", "viber": "Viber", "whatsapp": "WhatsApp"}
LINK_CLICKED = "campaign.link_clicked"


@register(MESSAGE_SENT)
def _sent(params: Mapping[str, Any], item: Rendered) -> str:
    values = {
        "channel": choice_label(MessageChannel, params["channel"]),
        "subject": params.get("subject") or "",
        "campaign": params.get("campaign_name") or "",
    }
    if values["campaign"] and values["subject"]:
        return (
            pgettext("timeline", "%(channel)s from campaign “%(campaign)s”: %(subject)s") % values
        )
    if values["campaign"]:
        return pgettext("timeline", "%(channel)s from campaign “%(campaign)s”") % values
    scenario = params.get("scenario_name") or ""
    if scenario and values["subject"]:
        return pgettext("timeline", "%(channel)s from scenario “%(scenario)s”: %(subject)s") % {
            **values,
            "scenario": scenario,
        }
    if scenario:
        return pgettext("timeline", "%(channel)s from scenario “%(scenario)s”") % {
            **values,
            "scenario": scenario,
        }
    if values["subject"]:
        return pgettext("timeline", "%(channel)s sent: %(subject)s") % values
    return pgettext("timeline", "%(channel)s sent") % values


@register(UNSUBSCRIBED)
def _unsubscribed(params: Mapping[str, Any], item: Rendered) -> str:
    channels = ", ".join(choice_label(MessageChannel, c) for c in params["channels"])
    purpose = choice_label(MessagePurpose, params["purpose"])
    return pgettext("timeline", "Unsubscribed from %(purpose)s messages by %(channels)s") % {
        "purpose": purpose.lower(),
        "channels": channels,
    }


@register(DELIVERY)
def _delivery(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"channel": choice_label(MessageChannel, params["channel"]), "id": params["message"]}
    if params["status"] == MessageStatus.DELIVERED:
        return pgettext("timeline", "%(channel)s message #%(id)s delivered") % values
    return pgettext("timeline", "%(channel)s message #%(id)s could not be delivered") % values


@register(REPLY)
def _reply(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"channel": choice_label(MessageChannel, params["channel"])}
    if params.get("messenger"):  # a messenger reply since accounts opt out one by one
        return _messenger_reply(params)
    if params.get("withdrawn"):
        return pgettext("timeline", "Replied by %(channel)s asking to stop; consent withdrawn") % (
            values
        )
    return pgettext("timeline", "Replied by %(channel)s") % values


def _messenger_reply(params: Mapping[str, Any]) -> str:
    values = {"messenger": MESSENGERS.get(params["messenger"], params["messenger"])}
    if not params.get("stop"):
        return pgettext("timeline", "Replied on %(messenger)s") % values
    if params.get("withdrawn"):
        return (
            pgettext(
                "timeline",
                "Asked on %(messenger)s to stop: no more messages there; messenger consent "
                "withdrawn (no other messenger left)",
            )
            % values
        )
    if params.get("others"):
        return (
            pgettext(
                "timeline",
                "Asked on %(messenger)s to stop: no more messages there; their other "
                "messengers still get messages",
            )
            % values
        )
    return pgettext("timeline", "Asked on %(messenger)s to stop: no more messages there") % values


@register(MESSENGER_SUBSCRIBED)
def _messenger_subscribed(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"messenger": MESSENGERS.get(params["messenger"], params["messenger"])}
    return (
        pgettext("timeline", "Subscribed to the %(messenger)s bot again: messages go there again")
        % values
    )


@register(MESSENGER_LINKED)
def _messenger_linked(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"messenger": MESSENGERS.get(params["messenger"], params["messenger"])}
    if params.get("problem") == "expired":
        return (
            pgettext(
                "timeline",
                "Opened an expired %(messenger)s link: nothing linked; send them a new link",
            )
            % values
        )
    if params.get("problem"):
        return (
            pgettext(
                "timeline",
                "Opened their %(messenger)s link, but that account is linked to another "
                "contact: nothing changed",
            )
            % values
        )
    return pgettext("timeline", "Linked their %(messenger)s account through the link") % values


@register(MESSENGER_UNSUBSCRIBED)
def _messenger_unsubscribed(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"messenger": MESSENGERS.get(params["messenger"], params["messenger"])}
    if params.get("others") and not params.get("withdrawn"):
        return (
            pgettext(
                "timeline",
                "Unsubscribed from the %(messenger)s bot; their other messengers still get "
                "messages",
            )
            % values
        )
    if params.get("withdrawn"):
        return (
            pgettext("timeline", "Unsubscribed from the %(messenger)s bot; consent withdrawn")
            % values
        )
    return pgettext("timeline", "Unsubscribed from the %(messenger)s bot") % values


@register(LINK_CLICKED)
def _clicked(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"url": params.get("url") or "", "campaign": params.get("campaign_name") or ""}
    if values["campaign"]:
        return pgettext("timeline", "Clicked %(url)s in an e-mail from campaign “%(campaign)s”") % (
            values
        )
    return pgettext("timeline", "Clicked %(url)s in an e-mail") % values
