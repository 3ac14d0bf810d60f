"""One HTTP POST to a provider's API, its failures sorted as the outbox needs them
(channels/base.py): a request that could not be written was not taken (NotSent); a request
written whose answer never came may have been (OutcomeUnknown)."""

import datetime as dt
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Rejected

TIMEOUT = 15  # seconds


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def post(url: str, *, data: bytes, content_type: str, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (the configured provider's https URL)
        url, data=data, method="POST", headers={"Content-Type": content_type, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers or {}), error.read())
    except urllib.error.URLError as exc:
        # raised while connecting or writing the request: the provider has no whole request
        raise NotSent(f"{url.split('?')[0]}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        # the request went over and the answer did not come back
        raise OutcomeUnknown(f"no answer: {exc!r}") from exc


def retry_after(answer: Answer, default: int) -> dt.timedelta:
    value = answer.headers.get("Retry-After") or answer.headers.get("retry-after") or ""
    return dt.timedelta(seconds=int(value) if value.isdigit() else default)


def classify(answer: Answer, detail: str) -> Exception:
    """The failure an unsuccessful answer means (shared by the HTTP providers)."""
    if answer.status == 429:
        return NotSent(detail, retry_after=retry_after(answer, 30))
    if answer.status in (502, 503, 504):
        return NotSent(detail)  # a gateway answered: the API itself never saw the request
    if answer.status >= 500:
        return OutcomeUnknown(detail)  # the API failed while handling it: it may have sent
    return Rejected(detail)
