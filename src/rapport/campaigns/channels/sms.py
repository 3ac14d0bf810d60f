"""SMS through Twilio's Messages API (the most common shape; others plug in the same way).

RAPPORT_SMS_URL = twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/?from=%2B15550001111
(`twilio+http://…` talks plain HTTP to a local test server). Twilio's answers:
201 with the message's `sid`; 429 (code 20429) when sending too fast; 400 with a `code`
for a bad number (21211) or an opted-out recipient (21610), which are refusals.
"""

import base64
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from rapport.campaigns.channels import http
from rapport.campaigns.channels.base import Outgoing, Rejected

# Twilio's codes for a number that cannot take messages: invalid (21211), not a mobile
# number (21614), or one that replied STOP to this sender (21610).
BAD_NUMBER = {21211, 21610, 21614}


class TwilioProvider:
    def __init__(self, url: str, status_callback: str = "") -> None:
        self.status_callback = status_callback
        parts = urlsplit(url)
        scheme = "http" if parts.scheme.endswith("+http") else "https"
        self.account = unquote(parts.username or "")
        self.token = unquote(parts.password or "")
        self.sender = parse_qs(parts.query).get("from", [""])[0]
        host = parts.hostname or "api.twilio.com"
        port = f":{parts.port}" if parts.port else ""
        self.endpoint = f"{scheme}://{host}{port}/2010-04-01/Accounts/{self.account}/Messages.json"
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}"}

    def __enter__(self) -> "TwilioProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        fields = {"To": message.to, "From": self.sender, "Body": message.text}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        form = urlencode(fields)
        answer = http.post(
            self.endpoint,
            data=form.encode(),
            content_type="application/x-www-form-urlencoded",
            headers=self.headers,
        )
        body = answer.json() if isinstance(answer.json(), dict) else {}
        if answer.status in (200, 201) and body.get("sid"):
            return str(body["sid"])
        error = http.classify(
            answer, f"{answer.status} {body.get('code', '')} {body.get('message', '')}"
        )
        if isinstance(error, Rejected) and body.get("code") in BAD_NUMBER:
            error.bad_address = True
        raise error
