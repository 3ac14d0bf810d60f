"""Open and click tracking of campaign e-mail (docs/campaigns.md, "Opens and clicks").

When an e-mail goes out, each http(s) link of its HTML part becomes `/t/c/<token>/` and a
1×1 pixel `/t/o/<token>.gif` is added. A token signs the message id (and, for a click, the
link's position among the message's tracked links) with the site's key, like the
unsubscribe links; the redirect's target is read back from the message's own stored HTML,
so a token can only ever lead where the message itself pointed (no open redirect). The
unsubscribe link, mailto:, tel: and #anchors are left as written, and so is the plain-text
part: clicks in text mail are not tracked.

Each open and click is a MessageEvent row, once per message × kind × link with a count of
the repeats; a click writes the open too (a reader who clicked has opened it), and the first
click of a link lands on the contact's timeline (opens do not: mail scanners and Apple Mail
Privacy Protection load pixels nobody saw)."""

import functools
import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.content import UNSUBSCRIBE_MARK
from rapport.campaigns.models import Message, MessageChannel, MessageEvent
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

SALT = "rapport.campaigns.tracking"
OPEN = -1  # the `link` of an open in a token and in MessageEvent

# The href of an <a> element, quoted with " or ': what a marketer's HTML (or our templates'
# autoescaped output) holds. Links without quotes are left alone, untracked.
# (`data-href` and the like are not it.)
_HREF = re.compile(r"""(<a\b[^>]*?(?<![\w-])href\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TRACKED_SCHEMES = ("http://", "https://")
_URL_NOISE = re.compile(r"[\t\r\n]")
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

# The smallest transparent GIF (1×1, 43 bytes).
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class BadToken(Exception):
    """A tracking token that was not made by us, or names a message or link that is gone."""


def site_enabled() -> bool:
    """RAPPORT_TRACKING: off, no message is tracked whatever its campaign says."""
    return bool(getattr(settings, "RAPPORT_TRACKING", True))


def enabled(message: Message) -> bool:
    """Whether this message's e-mail carries tracking: e-mail with an HTML part, the site's
    RAPPORT_TRACKING on, and its campaign (if any) not opted out."""
    if not site_enabled():
        return False
    if message.channel != MessageChannel.EMAIL or not message.body_html:
        return False
    return message.campaign is None or message.campaign.track


def _trackable(href: str) -> str:
    """The URL a link points at when it is one we track (http or https, not the unsubscribe
    link); "" otherwise."""
    # Tabs and line breaks inside a URL are dropped, as browsers do (and as a Location header
    # must not carry them).
    url = _URL_NOISE.sub("", html.unescape(href)).strip()
    if UNSUBSCRIBE_MARK in url or not url.lower().startswith(_TRACKED_SCHEMES):
        return ""
    return url


def links(body_html: str) -> list[str]:
    """The tracked links of an HTML body, in order: link i of a click token is links()[i]."""
    return [url for url in (_trackable(m[3]) for m in _HREF.finditer(body_html)) if url]


def token_for(message_id: int, link: int = OPEN) -> str:
    """ "<message>" (an open) or "<message>.<link>" (a click), signed. No timestamp: the same
    link in the same message always reads the same. A plain string rather than a signed
    object: a message has a token per link, and this is cheaper to make and shorter."""
    value = str(message_id) if link == OPEN else f"{message_id}.{link}"
    return signing.Signer(salt=SALT).sign(value)


_PLACEHOLDER = "TOKEN"
_VALUE = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,5}))?")


def _url_of(view: str) -> str:
    # Reversed once with a stand-in token: a reverse per link costs more than the signing,
    # a message can have dozens of links, and two reverses per message were a tenth of the
    # sender's CPU in a 2,000-message send.
    return settings.RAPPORT_SITE_URL + _path(view, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=16)
def _path(view: str, script_prefix: str, urlconf: str | None) -> str:
    # keyed by what reverse() depends on, so a test's other URLconf gets its own
    return reverse(view, args=[_PLACEHOLDER])


def click_url(message_id: int, link: int) -> str:
    return _url_of("campaigns:track_click").replace(_PLACEHOLDER, token_for(message_id, link))


def open_url(message_id: int) -> str:
    return _url_of("campaigns:track_open").replace(_PLACEHOLDER, token_for(message_id))


def tracked_html(message_id: int, body_html: str) -> str:
    """The HTML as sent: its tracked links through click redirects, and the open pixel
    (before </body> when there is one)."""
    position = 0
    click = _url_of("campaigns:track_click")

    def rewrite(match: re.Match[str]) -> str:
        nonlocal position
        if not _trackable(match[3]):
            return match[0]
        url = html.escape(click.replace(_PLACEHOLDER, token_for(message_id, position)))
        position += 1
        return f"{match[1]}{match[2]}{url}{match[2]}"

    rewritten = _HREF.sub(rewrite, body_html)
    pixel = (
        f'<img src="{html.escape(open_url(message_id))}" width="1" height="1" alt="" '
        'style="display:block;width:1px;height:1px;border:0">'
    )
    ends = list(_BODY_END.finditer(rewritten))
    if ends:
        at = ends[-1].start()
        return rewritten[:at] + pixel + rewritten[at:]
    return rewritten + pixel


@dataclass(frozen=True)
class Target:
    """What a valid token names: the message, and the link's position and URL for a click."""

    message: Message
    link: int
    url: str


def target_of(token: str, *, click: bool) -> Target:
    """The message (and link) a token was made for; BadToken otherwise. An open token is
    not a click token and the other way round."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise BadToken(token) from exc
    parsed = _VALUE.fullmatch(value)
    if parsed is None or bool(parsed[2]) != click:
        raise BadToken(token)
    link = int(parsed[2]) if click else OPEN
    message = Message.objects.select_related("campaign").filter(pk=int(parsed[1])).first()
    if message is None:
        raise BadToken(token)
    if not click:
        return Target(message=message, link=OPEN, url="")
    found = links(message.body_html)
    if not 0 <= link < len(found):
        raise BadToken(token)
    return Target(message=message, link=link, url=found[link])


def _seen(message: Message, kind: str, link: int, url: str) -> bool:
    """Count one more `kind` event; True when it is the first one."""
    now = timezone.now()
    mine = MessageEvent.objects.filter(message=message, kind=kind, link=link)
    if mine.update(count=F("count") + 1, last_at=now):
        return False
    try:
        with transaction.atomic():
            MessageEvent.objects.create(
                message=message, kind=kind, link=link, url=url, first_at=now, last_at=now
            )
    except IntegrityError:  # another request recorded it first: count this one as a repeat
        mine.update(count=F("count") + 1, last_at=now)
        return False
    return True


def open_record(*, message: Message) -> bool:
    """Record that the message was opened (its pixel loaded); True the first time."""
    return _seen(message, MessageEvent.Kind.OPEN, OPEN, "")


@transaction.atomic
def click_record(*, target: Target) -> bool:
    """Record a click on one of the message's links (and so an open); the first click of a
    link goes on the contact's timeline. True the first time."""
    message = target.message
    _seen(message, MessageEvent.Kind.OPEN, OPEN, "")
    first = _seen(message, MessageEvent.Kind.CLICK, target.link, target.url[:2000])
    if first:
        campaign = message.campaign
        timeline.record(
            contact=message.contact_id,
            channel=Channel.CAMPAIGN,
            direction=Direction.INBOUND,
            kind=kinds.LINK_CLICKED,
            params={
                "message": message.pk,
                "campaign": message.campaign_id,
                "campaign_name": campaign.name if campaign else "",
                "url": target.url[:2000],
            },
            source=message,
        )
    return first
