"""`rapport hooks`: every hook URL and where it goes, and Telegram's and Viber's registration
through their APIs (local fake servers answering as theirs do), each failure naming what to
fix."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.campaigns.hooks import hook_secret, hook_url
from tests.campaigns.fakes import fake_api

SITE = "https://crm.suntravel.example"
TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"


def run(*args: str) -> str:
    out = StringIO()
    call_command("hooks", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def site(settings):
    settings.RAPPORT_SITE_URL = SITE
    return settings


@pytest.fixture
def telegram(site):
    with fake_api("telegram") as (state, port):
        site.RAPPORT_TELEGRAM_URL = f"telegram+http://123456:ABC-def@127.0.0.1:{port}"
        yield state


@pytest.fixture
def viber(site):
    with fake_api("viber") as (state, port):
        site.RAPPORT_VIBER_URL = f"viber+http://{TOKEN}@127.0.0.1:{port}?sender=Sun%20Travel"
        yield state


def test_the_list_names_every_hook_and_where_it_goes(site):
    site.RAPPORT_TELEGRAM_URL = ""
    site.RAPPORT_VIBER_URL = ""
    site.RAPPORT_WHATSAPP_URL = ""
    site.RAPPORT_SMS_URL = "twilio://AC123:secret@api.twilio.com/?from=%2B15550001111"
    text = run()
    secret = hook_secret("telegram")
    assert f"telegram (not configured)\n  {SITE}/hooks/telegram/{secret}/\n" in text
    assert f"twilio (configured)\n  {SITE}/hooks/twilio/{hook_secret('twilio')}/\n" in text
    assert "“A message comes in”, HTTP POST" in text
    assert f"{SITE}/hooks/dsn/{hook_secret('dsn')}/" in text
    assert "Callback URL, the verify token of RAPPORT_WHATSAPP_URL" in text


def test_telegram_registers_the_hook_with_its_secret_and_checks_it(telegram):
    assert run("--register", "telegram") == f"Telegram will call {hook_url('telegram')}.\n"
    request = telegram.requests[-1]
    assert request["path"] == "/bot123456:ABC-def/setWebhook"
    assert request["body"] == {
        "url": f"{SITE}/hooks/telegram/{hook_secret('telegram')}/",
        "secret_token": hook_secret("telegram"),
        "allowed_updates": ["message"],
    }
    assert "telegram (configured)" in run("--check")
    assert "  registered, as it should be.\n" in run("--check")

    telegram.webhook_error = "Wrong response from the webhook: 502 Bad Gateway"
    assert (
        "  registered, as it should be. Last delivery error: Wrong response from the webhook: "
        "502 Bad Gateway\n"
    ) in run("--check")

    assert run("--unregister", "telegram") == "Telegram no longer calls Rapport.\n"
    assert telegram.webhook == ""
    assert "no hook registered: run `rapport hooks --register telegram`." in run("--check")


def test_a_hook_registered_elsewhere_is_named(telegram):
    telegram.webhook = "https://old-crm.example/telegram"
    assert (
        "registered https://old-crm.example/telegram, which is not this server's hook: run "
        "`rapport hooks --register telegram`."
    ) in run("--check")


def test_an_answer_without_the_hooks_details_reads_as_none_registered(telegram):
    telegram.answers.append((200, {"ok": True}, {}))
    assert "  no hook registered: run `rapport hooks --register telegram`.\n" in run("--check")


def test_viber_registers_the_events_rapport_reads(viber):
    assert run("--register", "viber") == f"Viber will call {hook_url('viber')}.\n"
    request = viber.requests[-1]
    assert request["path"] == "/pa/set_webhook"
    assert request["headers"]["X-Viber-Auth-Token"] == TOKEN
    assert request["body"] == {
        "url": hook_url("viber"),
        "event_types": [
            "delivered",
            "seen",
            "failed",
            "subscribed",
            "unsubscribed",
            "conversation_started",
        ],
        "send_name": True,
        "send_photo": False,
    }
    assert "  registered, as it should be.\n" in run("--check")
    assert run("--unregister", "viber") == "Viber no longer calls Rapport.\n"
    assert viber.requests[-1]["body"] == {"url": ""}


def test_a_local_address_is_refused_before_any_call(telegram, site):
    site.RAPPORT_SITE_URL = "http://localhost:8000"
    with pytest.raises(CommandError) as refused:
        run("--register", "telegram")
    assert str(refused.value) == (
        "Telegram and Viber call only public https:// addresses, and this hook would be "
        f"http://localhost:8000/hooks/telegram/{hook_secret('telegram')}/: set "
        "RAPPORT_SITE_URL to the address people reach this server at (https://…)."
    )
    assert telegram.requests == []


def test_a_refusal_and_a_silent_provider_are_named(viber, telegram, site):
    viber.answers.append((200, {"status": 2, "status_message": "invalidAuthToken"}, {}))
    with pytest.raises(CommandError) as refused:
        run("--register", "viber")
    assert str(refused.value) == "Viber refused: 2 invalidAuthToken"

    telegram.answers.append(
        (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, {})
    )
    with pytest.raises(CommandError) as refused:
        run("--register", "telegram")
    assert str(refused.value) == "Telegram refused: 401 Unauthorized"

    site.RAPPORT_TELEGRAM_URL = "telegram+http://123456:ABC-def@127.0.0.1:9"  # nothing listens
    with pytest.raises(CommandError) as refused:
        run("--register", "telegram")
    assert str(refused.value).startswith("Telegram did not answer: http://127.0.0.1:9/bot")


def test_an_unconfigured_provider_says_which_setting_to_set(site):
    site.RAPPORT_VIBER_URL = ""
    with pytest.raises(CommandError) as refused:
        run("--register", "viber")
    assert str(refused.value) == "Viber is not configured: set RAPPORT_VIBER_URL first."
