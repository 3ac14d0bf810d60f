"""A customer links their Viber account to their contact through a deep link.

Viber gives a bot no one's id until that person opens it, so the business shares a deep link
(`viber://pa?chatURI=BOT_URI&context=TOKEN`) made on the contact's page or through the API.
Its `context` is a signed token naming the contact and the moment it expires
(RAPPORT_VIBER_LINK_DAYS after it was made): nothing to keep in the database, revoked by
time. Opening the link makes Viber post `conversation_started` with that context and the
person's Viber id; a valid token creates (or re-activates) the contact's Viber account, and
the answer to the callback is the welcome message Viber shows (its response body, shaped as
a send_message request without `receiver`). An expired, forged or foreign token links
nothing; it is logged as a warning and, when the contact is known, noted on their timeline,
and the person is told to ask for a new link. Linking records no consent: that stays as the
customer gave it."""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.campaigns import config
from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.models import MessageChannel, MessengerAccount
from rapport.campaigns.services import LANGUAGES, language_of
from rapport.contacts.models import Contact
from rapport.timeline import services as timeline
from rapport.timeline.models import Direction

log = logging.getLogger(__name__)
SALT = "rapport.campaigns.viber-link"
VIBER = MessengerAccount.Provider.VIBER.value


@dataclass(frozen=True)
class ViberLink:
    url: str
    expires_at: dt.datetime


def viber_link_make(*, contact: Contact, now: dt.datetime | None = None) -> ViberLink:
    """The deep link `contact` opens to link their Viber account; refused, saying what to
    set, while the Viber bot or its URI is not configured."""
    viber = config.viber()
    if viber is None or not viber.uri:
        raise ValidationError(
            {
                "viber": [
                    _(
                        "Viber is not set up for linking: give RAPPORT_VIBER_URL the bot's "
                        "URI (…&uri=BOT_URI)."
                    )
                ]
            }
        )
    expires_at = (now or timezone.now()) + config.viber_link_validity()
    token = signing.Signer(salt=SALT).sign_object(
        {"c": contact.pk, "e": int(expires_at.timestamp())}
    )
    # the token is base64url and ":" (allowed in a query as it is): nothing for Viber to decode
    url = "viber://pa?" + urlencode({"chatURI": viber.uri, "context": token}, safe=":")
    return ViberLink(url=url, expires_at=expires_at.replace(microsecond=0))


@dataclass(frozen=True)
class TokenCheck:
    """Whom a link's token names (None when forged or not one of ours) and what is wrong
    with it: "" (valid), "invalid" or "expired"."""

    contact_id: int | None
    problem: str


def token_check(token: str, now: dt.datetime | None = None) -> TokenCheck:
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return TokenCheck(None, "invalid")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "ce"):
        return TokenCheck(None, "invalid")
    if data["e"] <= (now or timezone.now()).timestamp():
        return TokenCheck(data["c"], "expired")
    return TokenCheck(data["c"], "")


def _welcome(text: str) -> dict[str, Any]:
    viber = config.viber()
    sender = viber.sender if viber is not None else "Rapport"
    return {"sender": {"name": sender}, "type": "text", "text": text, "tracking_data": "welcome"}


def _language(value: Any) -> str:
    code = str(value or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def _refused(problem: str, contact: Contact | None, viber_id: str, language: str) -> dict:
    log.warning(
        "Viber link refused (%s): conversation_started from Viber user %s%s linked nothing",
        problem,
        viber_id,
        f" for contact {contact.pk}" if contact else "",
    )
    if contact is not None:
        timeline.record(
            contact=contact.pk,
            channel=MessageChannel.MESSENGER,
            direction=Direction.INBOUND,
            kind=kinds.MESSENGER_LINKED,
            params={"messenger": VIBER, "problem": problem},
        )
    with translation.override(language_of(contact) if contact else language):
        return _welcome(
            _("This link has expired or is not valid. Please ask us for a new one.")
            if problem in ("expired", "invalid")
            else _("This Viber account is already linked to another customer. Please contact us.")
        )


@transaction.atomic
def conversation_started(
    *, viber_id: str, context: str, user_language: str = ""
) -> dict[str, Any] | None:
    """Link the Viber account `viber_id` to the contact the link's `context` names; the
    welcome message to answer the callback with, or None when there is no context (the bot
    opened from its own info screen: nobody to link, nothing to say)."""
    if not context:
        return None
    language = _language(user_language)
    check = token_check(context)
    contact = Contact.objects.filter(pk=check.contact_id).first() if check.contact_id else None
    if check.problem or contact is None:
        return _refused(check.problem or "invalid", contact, viber_id, language)
    account = (
        MessengerAccount.objects.select_for_update()
        .filter(provider=VIBER, external_id=viber_id)
        .first()
    )
    if account is not None and account.contact_id != contact.pk:
        return _refused("taken", contact, viber_id, language)
    changed = account is None or account.opted_out_at is not None
    if account is None:
        MessengerAccount.objects.create(contact=contact, provider=VIBER, external_id=viber_id)
    elif account.opted_out_at is not None:
        account.opted_out_at = None
        account.save(update_fields=["opted_out_at"])
    if changed:  # Viber repeats a callback it thinks failed: one timeline row per change
        timeline.record(
            contact=contact.pk,
            channel=MessageChannel.MESSENGER,
            direction=Direction.INBOUND,
            kind=kinds.MESSENGER_LINKED,
            params={"messenger": VIBER},
        )
    name = (contact.first_name or contact.full_name).strip()
    with translation.override(language_of(contact)):
        if not name:
            return _welcome(_("Hello! Your Viber account is now linked: we can write to you here."))
        return _welcome(
            _("Hello, %(name)s! Your Viber account is now linked: we can write to you here.")
            % {"name": name}
        )
