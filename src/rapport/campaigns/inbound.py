"""What Viber's callbacks and WhatsApp's webhook notifications say, read into the receipts,
replies and unsubscribes of campaigns/hooks.py. A body is read whole before anything is
recorded, so one that is not the provider's shape (a `BadShape`) writes nothing.

Viber (REST Bot API callbacks): `{"event": "delivered" | "seen" | "failed", "message_token",
"user_id", "desc"?}`, `{"event": "message", "message_token", "sender": {"id"}, "message":
{"type", "text"}}`, `{"event": "unsubscribed", "user_id", "message_token"}`, `{"event":
"subscribed", "user": {"id"}}` (the account takes messages again), `{"event":
"conversation_started", "user": {"id", "language"?}, "context"?}` (a customer opening their
link: campaigns/viber_link.py; its answer is the welcome message); "webhook" carries nothing.

WhatsApp (Cloud API): `{"object": "whatsapp_business_account", "entry": [{"changes":
[{"field": "messages", "value": {"statuses": [{"id": "wamid…", "status": "sent" |
"delivered" | "read" | "failed", "errors"?: [{"code", "title"}]}], "messages": [{"from",
"id", "type": "text", "text": {"body"}}]}}]}]}`."""

from collections.abc import Callable
from typing import Any

from rapport.campaigns import hooks, viber_link
from rapport.campaigns.models import MessageChannel


class BadShape(ValueError):
    """The body is not what the provider sends."""


Action = Callable[[], object]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadShape("expected text")
    return value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadShape("expected an object")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadShape("expected a list")
    return value


def viber_actions(event: Any) -> list[Action]:
    """What one Viber callback records."""
    event = _object(event)
    kind = event.get("event")
    token = "" if event.get("message_token") is None else str(event["message_token"])
    if kind in {"delivered", "seen", "failed"}:
        if not token:
            raise BadShape("a receipt without its message_token")
        error = str(event.get("desc", "")) if kind == "failed" else ""
        return [lambda: hooks.receipt(provider_id=token, status=kind, error=error)]
    if kind == "message":
        sender = _text(_object(event.get("sender")).get("id"))
        message = _object(event.get("message"))
        text = _text(message.get("text", "")) if message.get("type") == "text" else ""
        if not token:
            raise BadShape("a message without its message_token")
        return [
            lambda: hooks.reply(
                provider="viber",
                external_id=token,
                channel=MessageChannel.MESSENGER,
                sender=sender,
                text=text,
            )
        ]
    if kind == "unsubscribed":
        user = _text(event.get("user_id"))
        # the event's own token, else one per user and time (Viber repeats it unchanged)
        once = token or f"unsubscribed:{user}:{event.get('timestamp', '')}"
        return [lambda: hooks.unsubscribed(provider="viber", external_id=once, sender=user)]
    if kind == "subscribed":
        user = _text(_object(event.get("user")).get("id"))
        return [lambda: hooks.resubscribed(provider="viber", sender=user)]
    if kind in {"conversation_started", "webhook"}:
        return []  # conversation_started is answered by `viber_conversation`
    raise BadShape(f"unknown Viber event {kind!r}")


def viber_conversation(event: Any) -> Callable[[], dict[str, Any] | None] | None:
    """For a `conversation_started` callback, what links the account and gives the welcome
    message to answer with; None for any other callback."""
    event = _object(event)
    if event.get("event") != "conversation_started":
        return None
    user = _object(event.get("user"))
    viber_id = _text(user.get("id"))
    context = event.get("context") or ""
    if not isinstance(context, str):
        raise BadShape("context is not text")
    language = str(user.get("language") or "")
    return lambda: viber_link.conversation_started(
        viber_id=viber_id, context=context, user_language=language
    )


def _status_action(status: dict[str, Any]) -> Action:
    wamid, state = _text(status.get("id")), _text(status.get("status"))
    errors = [_object(e) for e in _list(status.get("errors", []))]
    error = "; ".join(
        f"{e.get('code', '')} {e.get('title') or e.get('message') or ''}".strip() for e in errors
    )
    return lambda: hooks.receipt(provider_id=wamid, status=state, error=error)


def _message_action(message: dict[str, Any]) -> Action:
    sender, wamid = _text(message.get("from")), _text(message.get("id"))
    kind = message.get("type")
    text = ""
    if kind == "text":
        text = _text(_object(message.get("text")).get("body"))
    elif kind == "button":  # a template's quick-reply button, e.g. "Stop promotions"
        text = _text(_object(message.get("button")).get("text"))
    return lambda: hooks.reply(
        provider="whatsapp",
        external_id=wamid,
        channel=MessageChannel.MESSENGER,
        sender=sender,
        text=text,
    )


def whatsapp_actions(notification: Any) -> list[Action]:
    """What one WhatsApp webhook notification records, in the order given."""
    notification = _object(notification)
    actions: list[Action] = []
    for entry in _list(notification.get("entry")):
        for change in _list(_object(entry).get("changes")):
            value = _object(_object(change).get("value"))
            actions += [_status_action(_object(s)) for s in _list(value.get("statuses", []))]
            actions += [_message_action(_object(m)) for m in _list(value.get("messages", []))]
    return actions
