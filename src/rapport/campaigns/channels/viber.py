"""Messenger messages through the Viber REST Bot API.

RAPPORT_VIBER_URL = viber://AUTH_TOKEN@chatapi.viber.com?sender=Name (campaigns/config.py).
`POST /pa/send_message` with the `X-Viber-Auth-Token` header and
`{"receiver", "type": "text", "text", "sender": {"name"}}`. Viber answers HTTP 200 whatever
happened, with `{"status": 0, "status_message": "ok", "message_token": …}` on success and a
non-zero `status` otherwise: 12 (tooManyRequests) is "try later"; 5 and 6 (the person is not
on Viber, or not subscribed to the bot) refuse the address for good; 1, 2, 7–10
(invalid URL or token, the bot blocked, missing, suspended, no webhook) are the bot's own
configuration, so nothing is taken and the message waits for it to be fixed.
"""

import datetime as dt
import json

from rapport.campaigns.channels import http
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Rejected
from rapport.campaigns.config import ViberConfig

RATE_LIMITED = {12}
BAD_RECEIVER = {5, 6}  # receiverNotRegistered, receiverNotSubscribed
CONFIGURATION = {1, 2, 7, 8, 9, 10}  # invalidUrl, invalidAuthToken, the bot's account, webhook
# Viber gives no Retry-After; this is where its backoff starts.
RATE_LIMIT_WAIT = dt.timedelta(seconds=60)


class ViberProvider:
    def __init__(self, config: ViberConfig) -> None:
        self.config = config
        self.endpoint = f"{config.base}/pa/send_message"

    def __enter__(self) -> "ViberProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        payload = {
            "receiver": message.to,
            "type": "text",
            "text": message.text,
            "sender": {"name": self.config.sender},
            # returned in the person's reply: which outbox message they answer
            "tracking_data": str(message.key),
        }
        answer = http.post(
            self.endpoint,
            data=json.dumps(payload).encode(),
            content_type="application/json",
            headers={"X-Viber-Auth-Token": self.config.token},
        )
        body = answer.json() if isinstance(answer.json(), dict) else {}
        status = body.get("status")
        if answer.status == 200 and status == 0 and body.get("message_token") is not None:
            return str(body["message_token"])
        detail = f"{answer.status} {status if status is not None else ''} "
        detail += str(body.get("status_message", ""))
        detail = detail.strip()
        if answer.status != 200:
            raise http.classify(answer, detail)
        if not isinstance(status, int):
            raise OutcomeUnknown(f"not Viber's answer: {detail}")  # it may have sent
        if status in RATE_LIMITED:
            raise NotSent(detail, retry_after=RATE_LIMIT_WAIT)
        if status in CONFIGURATION:
            raise NotSent(f"Viber bot configuration: {detail}")
        raise Rejected(detail, bad_address=status in BAD_RECEIVER)
