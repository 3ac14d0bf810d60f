"""Telling the providers where Rapport's webhooks are (`rapport hooks`).

Receipts, replies and STOPs reach Rapport only once each provider knows the hook URL
(campaigns/hooks.py). Telegram and Viber take it through their APIs, so Rapport registers it
itself: Telegram's `setWebhook` with the hook secret as its `secret_token` (which Telegram then
sends back in every call's X-Telegram-Bot-Api-Secret-Token header), Viber's
`/pa/set_webhook` with the events Rapport reads (Viber calls the URL at once, with a
`webhook` event, and refuses a URL that does not answer). Both check what is registered now:
Telegram's `getWebhookInfo` (with the last delivery error it saw) and Viber's
`/pa/get_account_info`. Twilio's status callback travels with each message; its inbound
replies, WhatsApp's callback (Meta's app dashboard) and an MTA's bounce notifications are set
by hand, so for those this only says what to enter where.

Both APIs call only public https:// addresses, so registering needs RAPPORT_SITE_URL to be
one; each failure names what to fix.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.campaigns import config
from rapport.campaigns.channels import http
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown
from rapport.campaigns.channels.telegram import bot_base
from rapport.campaigns.hooks import DSN, hook_secret, hook_url

# What Rapport reads from Viber (docs/campaigns.md, "Webhooks"); `message` and `webhook` are
# always sent and may not be listed.
VIBER_EVENTS = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
TELEGRAM_UPDATES = ["message"]
REGISTERED = ("telegram", "viber")  # the providers Rapport registers itself


class SetupError(Exception):
    """A registration that could not be made, with what to fix."""


@dataclass(frozen=True)
class Hook:
    provider: str
    url: str
    configured: bool
    how: str  # where the URL goes, for the providers set by hand


def dsn_url() -> str:
    path = reverse("campaigns:dsn_hook", args=[hook_secret(DSN)])
    return f"{settings.RAPPORT_SITE_URL}{path}"


def hooks() -> list[Hook]:
    """Every hook URL, whether its provider is configured, and where it goes."""
    sms = str(getattr(settings, "RAPPORT_SMS_URL", "") or "")
    whatsapp = config.whatsapp()
    messengers = config.messengers()
    return [
        Hook(
            "telegram",
            hook_url("telegram"),
            "telegram" in messengers,
            _("registered by `rapport hooks --register telegram`"),
        ),
        Hook(
            "viber",
            hook_url("viber"),
            "viber" in messengers,
            _("registered by `rapport hooks --register viber`"),
        ),
        Hook(
            "whatsapp",
            hook_url("whatsapp"),
            whatsapp is not None,
            _(
                "Meta app dashboard → WhatsApp → Configuration: Callback URL, the verify token "
                "of RAPPORT_WHATSAPP_URL, and subscribe to the “messages” field"
            ),
        ),
        Hook(
            "twilio",
            hook_url("twilio"),
            sms.startswith("twilio"),
            _(
                "delivery receipts: sent with each message; replies: Twilio console → the "
                "sending number → Messaging → “A message comes in”, HTTP POST"
            ),
        ),
        Hook(
            DSN,
            dsn_url(),
            bool(getattr(settings, "RAPPORT_EMAIL_URL", "")),
            _(
                "bounces: have the mail server POST delivery status notifications here, or "
                "pipe them into `rapport bounces`"
            ),
        ),
    ]


def _telegram_base() -> str:
    url = str(getattr(settings, "RAPPORT_TELEGRAM_URL", "") or "")
    if not url.startswith("telegram"):
        raise SetupError(_("Telegram is not configured: set RAPPORT_TELEGRAM_URL first."))
    return bot_base(url)


def _viber() -> config.ViberConfig:
    viber = config.viber()
    if viber is None:
        raise SetupError(_("Viber is not configured: set RAPPORT_VIBER_URL first."))
    return viber


def _public(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname in {None, "localhost", "127.0.0.1", "::1"}:
        raise SetupError(
            _(
                "Telegram and Viber call only public https:// addresses, and this hook would "
                "be %(url)s: set RAPPORT_SITE_URL to the address people reach this server at "
                "(https://…)."
            )
            % {"url": url}
        )


def _post(provider: str, url: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
    """The provider's answer: (HTTP status, its JSON object), or SetupError."""
    try:
        answer = http.post(
            url, data=json.dumps(payload).encode(), content_type="application/json", headers=headers
        )
    except (NotSent, OutcomeUnknown) as exc:
        raise SetupError(
            _("%(provider)s did not answer: %(detail)s") % {"provider": provider, "detail": exc}
        ) from exc
    body = answer.json()
    if not isinstance(body, dict):
        raise SetupError(
            _("%(provider)s answered HTTP %(status)s with no JSON.")
            % {"provider": provider, "status": answer.status}
        )
    return answer.status, body


def _telegram(method: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Bot API method's answer (`{"ok": true, "result": …}`), or SetupError."""
    status, body = _post("Telegram", f"{_telegram_base()}/{method}", payload or {}, {})
    if not (status == 200 and body.get("ok")):
        detail = f"{body.get('error_code', status)} {body.get('description', '')}"
        raise SetupError(_("Telegram refused: %(detail)s") % {"detail": detail})
    return body


def _viber_call(path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """A REST Bot API call's answer (`{"status": 0, …}`), or SetupError."""
    viber = _viber()
    headers = {"X-Viber-Auth-Token": viber.token}
    status, body = _post("Viber", f"{viber.base}/pa/{path}", payload or {}, headers)
    if not (status == 200 and body.get("status") == 0):
        detail = f"{body.get('status', status)} {body.get('status_message', '')}"
        raise SetupError(_("Viber refused: %(detail)s") % {"detail": detail})
    return body


def register(provider: str) -> str:
    """Register the provider's hook URL with it; what it said, or SetupError."""
    url = hook_url(provider)
    if provider == "telegram":
        _telegram_base()  # configured, before the address is judged
        _public(url)
        _telegram(
            "setWebhook",
            {
                "url": url,
                "secret_token": hook_secret("telegram"),
                "allowed_updates": TELEGRAM_UPDATES,
            },
        )
        return _("Telegram will call %(url)s.") % {"url": url}
    if provider == "viber":
        _viber()
        _public(url)
        _viber_call(
            "set_webhook",
            {"url": url, "event_types": VIBER_EVENTS, "send_name": True, "send_photo": False},
        )
        return _("Viber will call %(url)s.") % {"url": url}
    raise SetupError(_("Only Telegram and Viber hooks are registered through their API."))


def unregister(provider: str) -> str:
    """Stop the provider calling Rapport (its messages go on being sent)."""
    if provider == "telegram":
        _telegram("deleteWebhook")
        return _("Telegram no longer calls Rapport.")
    if provider == "viber":
        _viber_call("set_webhook", {"url": ""})
        return _("Viber no longer calls Rapport.")
    raise SetupError(_("Only Telegram and Viber hooks are registered through their API."))


def registered(provider: str) -> str:
    """What the provider has registered now, compared with Rapport's hook URL."""
    url = hook_url(provider)
    if provider == "telegram":
        info = _telegram("getWebhookInfo").get("result")
        info = info if isinstance(info, dict) else {}
        now = str(info.get("url") or "")
        error = str(info.get("last_error_message") or "")
    elif provider == "viber":
        now, error = str(_viber_call("get_account_info").get("webhook") or ""), ""
    else:
        raise SetupError(_("Only Telegram and Viber hooks are registered through their API."))
    if not now:
        line = _("no hook registered: run `rapport hooks --register %(provider)s`.")
    elif now != url:
        line = _(
            "registered %(now)s, which is not this server's hook: run "
            "`rapport hooks --register %(provider)s`."
        )
    else:
        line = _("registered, as it should be.")
    line = line % {"provider": provider, "now": now}
    if error:
        line += " " + _("Last delivery error: %(error)s") % {"error": error}
    return line
