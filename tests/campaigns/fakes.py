"""Local fake servers that answer as Twilio's Messages API, Telegram's Bot API, Viber's REST
Bot API and Meta's WhatsApp Cloud API do, including their errors and rate-limit answers,
scripted per test. Viber's and WhatsApp's also refuse a request that is not their shape, as
the real ones do (Viber: HTTP 200 with status 3 badData; WhatsApp: 400 with error code 100)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Scripted:
    """Requests received, and the answers to give next: (status, JSON body, headers) or
    "hang" (read the request, never answer)."""

    requests: list[dict] = field(default_factory=list)
    answers: list = field(default_factory=list)
    counter: int = 0
    webhook: str = ""  # the URL a bot's setWebhook / set_webhook registered
    webhook_error: str = ""  # Telegram's last_error_message for its getWebhookInfo


def telegram_method(state: Scripted, method: str, body: dict):
    """Telegram's answers to its webhook methods (core.telegram.org/bots/api#setwebhook)."""
    if method == "setWebhook":
        if not str(body.get("url", "")).startswith("https://"):
            description = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            return (400, {"ok": False, "error_code": 400, "description": description}, {})
        state.webhook = body["url"]
        return (200, {"ok": True, "result": True, "description": "Webhook was set"}, {})
    if method == "deleteWebhook":
        state.webhook = ""
        return (200, {"ok": True, "result": True, "description": "Webhook was deleted"}, {})
    if method == "getWebhookInfo":
        info = {"url": state.webhook, "has_custom_certificate": False, "pending_update_count": 0}
        if state.webhook_error:
            info |= {"last_error_date": 1764676800, "last_error_message": state.webhook_error}
        return (200, {"ok": True, "result": info}, {})
    return None


def viber_method(state: Scripted, path: str, body: dict):
    """Viber's answers to its webhook and account calls (developers.viber.com/docs/api)."""
    if path == "/pa/set_webhook":
        state.webhook = body.get("url", "")
        events = body.get("event_types") or ["delivered", "seen", "failed", "subscribed"]
        answer = {"status": 0, "status_message": "ok", "chat_hostname": "SN-CHAT-05_"}
        return (200, answer | ({"event_types": events} if state.webhook else {}), {})
    if path == "/pa/get_account_info":
        return (
            200,
            {
                "status": 0,
                "status_message": "ok",
                "id": "pa:75346594275468546724",
                "name": "Sun Travel",
                "uri": "suntravel",
                "webhook": state.webhook,
                "subscribers_count": 35,
            },
            {},
        )
    return None


def viber_ok(counter: int) -> dict:
    return {
        "status": 0,
        "status_message": "ok",
        "message_token": 5741311803571721000 + counter,
        "chat_hostname": "SN-CHAT-05_",
    }


def viber_error(status: int, message: str) -> dict:
    return {"status": status, "status_message": message, "chat_hostname": "SN-CHAT-05_"}


def whatsapp_ok(to: str, counter: int) -> dict:
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": f"wamid.HBgM{counter:024d}"}],
    }


def whatsapp_error(code: int, message: str, *, kind: str = "OAuthException") -> dict:
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "error_subcode": 2494010,
            "fbtrace_id": "AbCdEf123456",
        }
    }


def _viber_shape(headers, body: dict, path: str):
    if not headers.get("X-Viber-Auth-Token"):
        return (200, viber_error(2, "invalidAuthToken"), {})
    if path != "/pa/send_message":
        return None
    sender = body.get("sender") or {}
    if not body.get("receiver") or body.get("type") != "text" or not sender.get("name"):
        return (200, viber_error(3, "badData"), {})
    return None


# The approved templates the fake WhatsApp Business account has: (name, language) → how many
# body parameters ({{1}}, {{2}}…) each has. Meta refuses any other name or language (132001),
# a wrong number of parameters (132000), and a parameter that is not non-empty text (131008).
WHATSAPP_TEMPLATES = {
    **{("spring_offer", code): 0 for code in ("en", "ru", "uk", "lt")},
    **{("trip_reminder", code): 2 for code in ("en", "ru", "uk", "lt")},
}


def _whatsapp_template(template: dict):
    name = template.get("name")
    language = (template.get("language") or {}).get("code")
    expected = WHATSAPP_TEMPLATES.get((name, language))
    if expected is None:
        message = "(#132001) Template name does not exist in the translation"
        return (404, whatsapp_error(132001, message), {})
    body = [c for c in template.get("components") or [] if c.get("type") == "body"]
    parameters = body[0].get("parameters", []) if body else []
    if not isinstance(parameters, list) or len(parameters) != expected:
        message = "(#132000) Number of parameters does not match the expected number of params"
        return (400, whatsapp_error(132000, message), {})
    for parameter in parameters:
        text = parameter.get("text") if isinstance(parameter, dict) else None
        if parameter.get("type") != "text" or not isinstance(text, str) or not text.strip():
            return (400, whatsapp_error(131008, "(#131008) Required parameter is missing"), {})
    return None


def _whatsapp_shape(headers, body: dict, path: str):
    if not (headers.get("Authorization") or "").startswith("Bearer "):
        return (401, whatsapp_error(190, "Invalid OAuth access token."), {})
    kind = body.get("type")
    wrong = (
        body.get("messaging_product") != "whatsapp"
        or not body.get("to")
        or (kind == "text" and not (body.get("text") or {}).get("body"))
        or (kind == "template" and not (body.get("template") or {}).get("name"))
        or kind not in {"text", "template"}
    )
    if wrong:
        return (400, whatsapp_error(100, "Invalid parameter"), {})
    if kind == "template":
        return _whatsapp_template(body["template"])
    return None


SHAPE_CHECKS = {"viber": _viber_shape, "whatsapp": _whatsapp_shape}


def _handler(api: str, state: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return None

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if api == "twilio":
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            else:
                body = json.loads(raw)
            state.requests.append(
                {
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            answer = state.answers.pop(0) if state.answers else None
            if answer is None and api in SHAPE_CHECKS:
                answer = SHAPE_CHECKS[api](self.headers, body, self.path)
            if answer == "hang":
                self.wfile.flush()
                self.close_connection = True
                self.connection.close()
                return
            if answer is None and api == "telegram":
                answer = telegram_method(state, self.path.rsplit("/", 1)[-1], body)
            if answer is None and api == "viber":
                answer = viber_method(state, self.path, body)
            if answer is None:
                state.counter += 1
                if api == "twilio":
                    answer = (201, {"sid": f"SM{state.counter:032d}", "status": "queued"}, {})
                elif api == "viber":
                    answer = (200, viber_ok(state.counter), {})
                elif api == "whatsapp":
                    answer = (200, whatsapp_ok(body["to"], state.counter), {})
                else:
                    answer = (200, {"ok": True, "result": {"message_id": state.counter}}, {})
            status, payload, headers = answer
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def fake_api(api: str) -> Iterator[tuple[Scripted, int]]:
    state = Scripted()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api, state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
