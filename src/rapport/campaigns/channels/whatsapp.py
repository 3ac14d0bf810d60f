"""Messenger messages through Meta's WhatsApp Cloud API.

RAPPORT_WHATSAPP_URL = whatsapp://ACCESS_TOKEN@graph.facebook.com/v21.0/PHONE_NUMBER_ID
?app_secret=…&verify_token=… (campaigns/config.py). `POST …/PHONE_NUMBER_ID/messages` with
`Authorization: Bearer ACCESS_TOKEN` and `{"messaging_product": "whatsapp", "to",
"type": "text", "text": {"body"}}`; the answer is `{"messages": [{"id": "wamid…"}]}`, or
`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.

WhatsApp takes free text only within 24 hours of the person's last message to the business;
outside that window a business may only send an approved template. A messenger message whose
subject reads `template:NAME` (or `template:NAME:LANGUAGE`, see campaigns/template_subject.py)
goes out as that template, in the message's language (the contact's) unless one is named,
its body parameters filled with `Outgoing.params` in order (`"components": [{"type": "body",
"parameters": [{"type": "text", "text": …}]}]`); one without a template to a person who has
not written in the last 24 hours is refused before any request, saying so.
"""

import json
from collections.abc import Callable
from typing import Any

from rapport.campaigns.channels import http
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Rejected
from rapport.campaigns.config import WhatsAppConfig

# 130429 throughput, 131048 spam rate limit, 131056 too many to this one person, 4 and 80007
# the app's or the account's call-rate limits: all "try later".
RATE_LIMITED = {4, 80007, 130429, 131048, 131056}
CONFIGURATION = {190, 10, 200}  # the access token expired or lacks the permission
TEMPLATE_PREFIX = "template:"
OUTSIDE_WINDOW = (
    "outside WhatsApp's 24-hour window (no message from this person in the last 24 hours): "
    "give the campaign an approved template, subject 'template:NAME'"
)


def template_of(subject: str, language: str) -> tuple[str, str] | None:
    """("NAME", "LANGUAGE") when the subject names an approved template; None otherwise."""
    if not subject.startswith(TEMPLATE_PREFIX):
        return None
    name, _, code = subject.removeprefix(TEMPLATE_PREFIX).strip().partition(":")
    return (name.strip(), code.strip() or language or "en") if name.strip() else None


def template_payload(name: str, language: str, params: tuple[str, ...]) -> dict[str, Any]:
    """The `template` object of a template message; refused before any request when a
    parameter is empty (WhatsApp would refuse it: 131008, a required parameter missing)."""
    empty = [str(number) for number, value in enumerate(params, start=1) if not value.strip()]
    if empty:
        raise Rejected(
            f"WhatsApp template {name}: parameter {', '.join(empty)} is empty for this contact"
        )
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if params:
        body = [{"type": "text", "text": value} for value in params]
        template["components"] = [{"type": "body", "parameters": body}]
    return template


class WhatsAppProvider:
    """`window_open(wa_id)`: whether the person wrote to the business in the last 24 hours."""

    def __init__(self, config: WhatsAppConfig, window_open: Callable[[str], bool]) -> None:
        self.config = config
        self.window_open = window_open

    def __enter__(self) -> "WhatsAppProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def payload(self, message: Outgoing) -> dict[str, Any]:
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to}
        template = template_of(message.subject, message.language)
        if template is not None:
            name, language = template
            return base | {
                "type": "template",
                "template": template_payload(name, language, message.params),
            }
        if not self.window_open(message.to):
            raise Rejected(OUTSIDE_WINDOW)
        return base | {"type": "text", "text": {"preview_url": False, "body": message.text}}

    def send(self, message: Outgoing) -> str:
        answer = http.post(
            self.config.endpoint,
            data=json.dumps(self.payload(message)).encode(),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.config.token}"},
        )
        body = answer.json() if isinstance(answer.json(), dict) else {}
        sent = body.get("messages")
        first = sent[0] if isinstance(sent, list) and sent else None
        if answer.status == 200 and isinstance(first, dict) and first.get("id"):
            return str(first["id"])
        error = body["error"] if isinstance(body.get("error"), dict) else {}
        code = error.get("code")
        detail = f"{answer.status} {code if code is not None else ''} {error.get('message', '')}"
        detail = detail.strip()
        if answer.status == 200:
            raise OutcomeUnknown(f"not WhatsApp's answer: {detail}")  # it may have sent
        if code in RATE_LIMITED:
            raise NotSent(detail, retry_after=http.retry_after(answer, 60))
        if code in CONFIGURATION:
            raise NotSent(f"WhatsApp configuration: {detail}")
        raise http.classify(answer, detail)
