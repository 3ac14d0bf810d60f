"""A customer links their Viber account through a deep link whose `context` is a signed,
expiring token for their contact: Viber's `conversation_started` with a valid token creates
(or re-activates) the account and is answered with the welcome message; an expired, forged
or foreign token links nothing and is logged; `subscribed` re-activates an account without
touching consent."""

import datetime as dt
import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import Client
from django.utils import timezone, translation

from rapport.campaigns import config
from rapport.campaigns.hooks import body_signature, hook_url
from rapport.campaigns.models import MessengerAccount
from rapport.campaigns.viber_link import token_check, viber_link_make
from rapport.contacts.models import ConsentEvent
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db
TOKEN = "4453b6ac1b35f2ee-e4d1e4a1f7f7a5a2-91b8d6cf0c1f6f0b"
SITE = "https://crm.travel.example"
VIBER_ID = "01234567890A="
WELCOME = "Hello, Olena! Your Viber account is now linked: we can write to you here."
EXPIRED = "This link has expired or is not valid. Please ask us for a new one."


@pytest.fixture(autouse=True)
def viber_bot(settings):
    settings.RAPPORT_SITE_URL = SITE
    settings.RAPPORT_VIBER_URL = (
        f"viber://{TOKEN}@chatapi.viber.com?sender=Sun%20Travel&uri=suntravel"
    )


def _started(context: str | None, *, user_id: str = VIBER_ID, token: int = 4912661846655238145):
    event = {
        "event": "conversation_started",
        "timestamp": 1457764197627,
        "type": "open",
        "user": {
            "id": user_id,
            "name": "Olena",
            "language": "uk",
            "country": "UA",
            "api_version": 8,
        },
        "message_token": token,
        "subscribed": False,
    }
    if context is not None:
        event["context"] = context
    return _post(event)


def _post(event: dict):
    raw = json.dumps(event).encode()
    return Client().post(
        hook_url("viber").removeprefix(SITE),
        raw,
        content_type="application/json",
        HTTP_X_VIBER_CONTENT_SIGNATURE=body_signature(TOKEN, raw),
    )


def _context(link_url: str) -> str:
    query = parse_qs(urlsplit(link_url).query)
    assert list(query) == ["chatURI", "context"]
    return query["context"][0]


def _accounts() -> list[tuple[int, str, str, bool]]:
    rows = MessengerAccount.objects.order_by("pk")
    return [(a.contact_id, a.provider, a.external_id, a.opted_out_at is None) for a in rows]


def _timeline(kind: str = "campaign.messenger_linked") -> list[tuple[int, str]]:
    return [(i.contact_id, i.text) for i in Interaction.objects.filter(kind=kind).order_by("id")]


def test_the_link_opens_the_bot_with_a_signed_context_valid_for_30_days():
    olena = person()
    now = timezone.now()

    link = viber_link_make(contact=olena, now=now)

    assert re.fullmatch(r"viber://pa\?chatURI=suntravel&context=[\w-]+:[\w-]+", link.url)
    assert link.expires_at == (now + dt.timedelta(days=30)).replace(microsecond=0)
    check = token_check(_context(link.url), now + dt.timedelta(days=29, hours=23))
    assert (check.contact_id, check.problem) == (olena.pk, "")
    late = token_check(_context(link.url), now + dt.timedelta(days=30, seconds=1))
    assert (late.contact_id, late.problem) == (olena.pk, "expired")
    assert token_check(_context(link.url)[:-2] + "xx").problem == "invalid"


def test_no_link_without_the_bots_uri(settings):
    settings.RAPPORT_VIBER_URL = f"viber://{TOKEN}@chatapi.viber.com?sender=Sun%20Travel"

    with pytest.raises(ValidationError) as caught:
        viber_link_make(contact=person())

    assert caught.value.message_dict == {
        "viber": [
            "Viber is not set up for linking: give RAPPORT_VIBER_URL the bot's URI (…&uri=BOT_URI)."
        ]
    }


def test_a_uri_that_is_not_one_is_refused_at_start(settings):
    settings.RAPPORT_VIBER_URL = f"viber://{TOKEN}@chatapi.viber.com?sender=Sun&uri=sun%20travel"

    with pytest.raises(ImproperlyConfigured) as caught:
        config.viber()

    assert str(caught.value).startswith("RAPPORT_VIBER_URL: `uri` is the bot's URI")


def test_opening_the_link_links_the_account_and_answers_with_the_welcome():
    olena = person(consents=())
    context = _context(viber_link_make(contact=olena).url)

    first = _started(context)
    again = _started(context)  # Viber repeating the callback

    welcome = {
        "sender": {"name": "Sun Travel"},
        "type": "text",
        "text": WELCOME,
        "tracking_data": "welcome",
    }
    assert (first.status_code, first.json()) == (200, welcome)
    assert (again.status_code, again.json()) == (200, welcome)
    assert _accounts() == [(olena.pk, "viber", VIBER_ID, True)]
    assert _timeline() == [(olena.pk, "Linked their Viber account through the link")]
    assert ConsentEvent.objects.count() == 0  # linking is not consent


def test_opening_the_link_again_re_activates_a_stopped_account():
    olena = person()
    MessengerAccount.objects.create(
        contact=olena, provider="viber", external_id=VIBER_ID, opted_out_at=timezone.now()
    )

    response = _started(_context(viber_link_make(contact=olena).url))

    assert response.json()["text"] == WELCOME
    assert _accounts() == [(olena.pk, "viber", VIBER_ID, True)]


def test_an_expired_link_links_nothing_and_says_so_on_the_timeline_and_the_log(caplog):
    olena = person()
    made = viber_link_make(contact=olena, now=timezone.now() - dt.timedelta(days=31))

    with caplog.at_level(logging.WARNING, logger="rapport.campaigns.viber_link"):
        response = _started(_context(made.url))

    assert response.json()["text"] == EXPIRED
    assert _accounts() == []
    assert _timeline() == [
        (olena.pk, "Opened an expired Viber link: nothing linked; send them a new link")
    ]
    assert caplog.messages == [
        f"Viber link refused (expired): conversation_started from Viber user {VIBER_ID} "
        f"for contact {olena.pk} linked nothing"
    ]


def test_a_forged_context_links_nothing_and_is_logged(caplog):
    person()

    with caplog.at_level(logging.WARNING, logger="rapport.campaigns.viber_link"):
        response = _started("eyJjIjoxLCJlIjo5OTk5OTk5OTk5fQ:forged")

    # nobody known: answered in the language the Viber user's app reports (uk here)
    with translation.override("uk"):
        expired_uk = translation.gettext(EXPIRED)
    assert expired_uk.startswith("Термін дії посилання минув")
    assert (response.status_code, response.json()["text"]) == (200, expired_uk)
    assert (_accounts(), _timeline()) == ([], [])
    assert caplog.messages == [
        f"Viber link refused (invalid): conversation_started from Viber user {VIBER_ID} "
        "linked nothing"
    ]


def test_an_account_linked_to_someone_else_is_not_moved():
    olena, taras = person(), person(first_name="Taras")
    MessengerAccount.objects.create(contact=taras, provider="viber", external_id=VIBER_ID)

    response = _started(_context(viber_link_make(contact=olena).url))

    assert response.json()["text"] == (
        "This Viber account is already linked to another customer. Please contact us."
    )
    assert _accounts() == [(taras.pk, "viber", VIBER_ID, True)]
    assert _timeline() == [
        (
            olena.pk,
            "Opened their Viber link, but that account is linked to another contact: "
            "nothing changed",
        )
    ]


def test_opening_the_bot_without_a_link_says_nothing_and_links_nothing():
    response = _started(None)

    assert (response.status_code, response.content) == (200, b"")
    assert _accounts() == []


def test_a_conversation_started_without_its_user_is_refused():
    response = _post({"event": "conversation_started", "context": "x", "message_token": 1})

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Expected a viber callback."},
    )


def test_subscribing_again_re_activates_the_account_and_leaves_consent_as_it_was():
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(
        contact=olena, provider="viber", external_id=VIBER_ID, opted_out_at=timezone.now()
    )
    consents = list(ConsentEvent.objects.values_list("channel", "purpose", "status"))

    response = _post(
        {
            "event": "subscribed",
            "timestamp": 1457764197627,
            "user": {"id": VIBER_ID, "name": "Olena", "language": "uk", "api_version": 8},
            "message_token": 4912661846655238145,
        }
    )

    assert response.status_code == 200
    assert _accounts() == [(olena.pk, "viber", VIBER_ID, True)]
    assert list(ConsentEvent.objects.values_list("channel", "purpose", "status")) == consents
    assert _timeline("campaign.messenger_subscribed") == [
        (olena.pk, "Subscribed to the Viber bot again: messages go there again")
    ]


# --- where staff make the link ---------------------------------------------------------------


def test_the_api_makes_a_link_for_a_contact_one_may_change(client, users):
    olena = person()
    olena.owner = users["manager"]
    olena.save(update_fields=["owner"])
    client.force_login(users["manager"])

    response = client.post(f"/api/v1/contacts/{olena.pk}/viber-link")

    body = response.json()
    assert (response.status_code, sorted(body)) == (200, ["contact", "expires_at", "url"])
    assert token_check(_context(body["url"])).contact_id == olena.pk


def test_the_api_lists_the_accounts_and_which_are_stopped(client, users):
    olena = person()
    stopped = timezone.now().replace(microsecond=0)
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="555")
    MessengerAccount.objects.create(
        contact=olena, provider="whatsapp", external_id="380501234567", opted_out_at=stopped
    )
    client.force_login(users["admin"])

    body = client.get(f"/api/v1/contacts/{olena.pk}/messengers").json()

    assert [(a["messenger"], a["external_id"], a["active"]) for a in body["accounts"]] == [
        ("whatsapp", "380501234567", False),
        ("telegram", "555", True),
    ]
    assert body["accounts"][0]["opted_out_at"].startswith(stopped.strftime("%Y-%m-%dT%H:%M:%S"))


def test_the_contact_page_shows_the_accounts_and_makes_a_link_to_copy(client, users):
    olena = person()
    MessengerAccount.objects.create(
        contact=olena, provider="whatsapp", external_id="380501234567", opted_out_at=timezone.now()
    )
    client.force_login(users["admin"])

    page = client.get(f"/contacts/{olena.pk}/").content.decode()
    made = client.post(f"/contacts/{olena.pk}/viber-link/", HTTP_HX_REQUEST="true")

    assert '<article id="messengers">' in page
    assert "<strong>WhatsApp</strong> <code>380501234567</code>" in page
    assert "Make a Viber link" in page
    html = made.content.decode()
    url = made.context["link"].url
    assert f'value="{url}" readonly' in html.replace("&amp;", "&")
    assert f'data-copy="viber-link-{olena.pk}"' in html
    assert ">Copy link</button>" in html


def test_an_analyst_sees_the_accounts_but_makes_no_link(client, users):
    olena = person()
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="555")
    client.force_login(users["analyst"])

    page = client.get(f"/contacts/{olena.pk}/").content.decode()
    refused = client.post(f"/contacts/{olena.pk}/viber-link/", HTTP_HX_REQUEST="true")

    assert "<strong>Telegram</strong> <code>555</code>" in page
    assert "Make a Viber link" not in page
    assert refused.status_code == 403
