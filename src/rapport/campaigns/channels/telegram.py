"""Messenger messages through the Telegram Bot API.

RAPPORT_TELEGRAM_URL = telegram://BOT_TOKEN@api.telegram.org (the token as "123456:ABC…";
`telegram+http://…` talks plain HTTP to a local test server). The API answers
`{"ok": true, "result": {"message_id": …}}`, or `{"ok": false, "error_code": …,
"description": …}` with `parameters.retry_after` on a 429; a 403 ("bot was blocked by the
user") and a 400 ("chat not found") are refusals.
"""

import datetime as dt
import json
from urllib.parse import unquote, urlsplit

from rapport.campaigns.channels import http
from rapport.campaigns.channels.base import NotSent, Outgoing, Rejected


def bot_base(url: str) -> str:
    """The bot's API address ("https://api.telegram.org/botTOKEN"), its methods below it."""
    parts = urlsplit(url)
    scheme = "http" if parts.scheme.endswith("+http") else "https"
    token = unquote(parts.username or "")
    if parts.password:
        token += ":" + unquote(parts.password)
    host = parts.hostname or "api.telegram.org"
    port = f":{parts.port}" if parts.port else ""
    return f"{scheme}://{host}{port}/bot{token}"


class TelegramProvider:
    def __init__(self, url: str) -> None:
        self.endpoint = f"{bot_base(url)}/sendMessage"

    def __enter__(self) -> "TelegramProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        payload = {"chat_id": message.to, "text": message.text}
        answer = http.post(
            self.endpoint,
            data=json.dumps(payload).encode(),
            content_type="application/json",
            headers={},
        )
        body = answer.json() if isinstance(answer.json(), dict) else {}
        if answer.status == 200 and body.get("ok"):
            return f"{message.to}:{body['result']['message_id']}"
        detail = f"{answer.status} {body.get('description', '')}"
        retry = (body.get("parameters") or {}).get("retry_after")
        if answer.status == 429 and isinstance(retry, int):
            raise NotSent(detail, retry_after=dt.timedelta(seconds=retry))
        error = http.classify(answer, detail)
        if isinstance(error, Rejected) and answer.status == 403:
            error.bad_address = True  # the person blocked the bot, or the chat is gone
        raise error
