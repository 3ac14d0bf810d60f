"""The dry run: for one contact, whether they would enter and why, and what each step would
do — without writing anything."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from rapport.automation import services
from rapport.automation.dryrun import dry_run
from rapport.automation.intake import in_holdout
from rapport.automation.models import Run, RunStatus
from rapport.campaigns.models import Message, Suppression
from rapport.contacts.models import Tag
from tests.api.conftest import API, bearer_client
from tests.automation.conftest import live_scenario
from tests.campaigns.conftest import grant, person

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
HELLO: dict[str, Any] = {
    "type": "send",
    "channel": "email",
    "templates": [
        {"language": "en", "subject": "Hi {{ first_name }}", "body_text": "Code {{ promo_code }}"},
        {
            "language": "lt",
            "subject": "Labas {{ first_name }}",
            "body_text": "Kodas {{ promo_code }}",
        },
    ],
}
VILNIUS = {"field": "city", "op": "eq", "value": "Vilnius"}


def _lines(result, position: str) -> list[str]:
    return next(s.detail for s in result.steps if s.position == position)


def test_no_consent_and_the_fallback_channel(marketer):
    scenario = live_scenario(
        marketer, {"type": "order_placed"}, [{**HELLO, "fallback_channel": "sms"}]
    )
    olena = person("olena@example.com", phone="+37061234567", consents=())
    result = dry_run(scenario, olena, marketer, NOW)
    lines = _lines(result, "0")
    assert lines[0] == "Channel: SMS (the first has no address or no consent)."
    assert "Consent: not granted — the message would be skipped." in lines
    assert "It would go out." not in lines


def test_a_message_that_would_go_out_in_the_contacts_language_with_a_promo_code(marketer):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed"},
        [{"type": "promo", "discount": "percent", "value": 10, "prefix": "sun"}, HELLO],
    )
    ieva = person("ieva@example.com", language="lt", first_name="Ieva")
    result = dry_run(scenario, ieva, marketer, NOW)
    assert result.enters is True
    assert _lines(result, "0") == ["A new code such as SUNK7M2P9Q4."]
    lines = _lines(result, "1")
    assert lines[:3] == ["Channel: E-mail.", "Consent: granted.", "Address: ieva@example.com."]
    assert "It would go out." in lines
    assert lines[-2:] == ["Subject: Labas Ieva", "Kodas SUNK7M2P9Q4"]
    assert Message.objects.count() == 0  # nothing queued


@override_settings(RAPPORT_FREQUENCY_CAP="1/7d")
def test_the_frequency_cap_and_a_suppressed_address(marketer):
    scenario = live_scenario(marketer, {"type": "order_placed"}, [HELLO])
    olena = person("olena@example.com")
    Message.objects.create(
        contact=olena,
        channel="email",
        purpose="marketing",
        body_text="Earlier",
        source="scenario:0:0",
        status="sent",
        handed_at=timezone.now() - dt.timedelta(days=1),
        available_at=timezone.now() - dt.timedelta(days=1),
    )
    Suppression.objects.create(channel="email", address="olena@example.com")
    lines = _lines(dry_run(scenario, olena, marketer, timezone.now()), "0")
    assert "The address is suppressed — the message would be skipped." in lines
    assert "Frequency cap reached (1 of 1) — it would wait in the outbox." in lines


def test_a_condition_chooses_its_branch_and_says_why(marketer):
    steps = [
        {"type": "wait", "days": 2, "at_time": "10:00"},
        {
            "type": "condition",
            "rule": {"all": [VILNIUS, {"field": "first_name", "op": "eq", "value": "Olena"}]},
            "then": [{"type": "tag_add", "tag": "local"}],
            "else": [{"type": "exit", "reason": "far away"}, {"type": "tag_add", "tag": "never"}],
        },
        {"type": "task", "subject": "Call"},
    ]
    scenario = live_scenario(marketer, {"type": "order_placed"}, steps)
    taras = person("taras@example.com", first_name="Taras")
    taras.city = "Vilnius"
    taras.save()
    result = dry_run(scenario, taras, marketer, NOW)
    assert [s.position for s in result.steps] == ["0", "1", "1.else.0"]
    # noon in Vilnius, two days on, then the next 10:00
    assert _lines(result, "0") == ["Would wait until 07.05.2026 10:00."]
    assert _lines(result, "1") == ["Does not match (First name is Olena): the no branch."]
    assert _lines(result, "1.else.0") == ["The run would end here."]

    olena = person("olena@example.com")
    olena.city = "Vilnius"
    olena.save()
    result = dry_run(scenario, olena, marketer, NOW)
    assert [s.position for s in result.steps] == ["0", "1", "1.then.0", "2"]
    assert _lines(result, "1.then.0") == ["The tag would be added."]
    assert olena.owner is not None  # the task goes to the contact's manager
    assert _lines(result, "2") == [f"A task for {olena.owner.get_full_name()}."]
    assert Tag.objects.filter(name="local").exists() is False


def test_entering_the_filter_a_run_in_flight_reentry_and_holdout(marketer):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed", "filter": VILNIUS},
        [{"type": "tag_add", "tag": "x"}],
        reentry_days=None,
    )
    olena = person("olena@example.com")
    result = dry_run(scenario, olena, marketer, NOW)
    assert result.enters is False
    assert "Does not match the trigger's filter: City is Vilnius." in result.reasons
    assert "Has never been in this scenario." in result.reasons

    olena.city = "Vilnius"
    olena.save()
    assert scenario.published is not None
    Run.objects.create(
        scenario=scenario,
        version=scenario.published,
        contact=olena,
        occasion="event:1",
        status=RunStatus.DONE,
        started_at=NOW - dt.timedelta(days=30),
        finished_at=NOW - dt.timedelta(days=29),
    )
    result = dry_run(scenario, olena, marketer, NOW)
    assert result.enters is False
    assert result.reasons[1:3] == [
        "Matches the trigger's filter.",
        "Has been through this scenario: it never starts twice for them.",
    ]

    services.scenario_update(
        actor=marketer, scenario=scenario, data={"reentry_days": 7, "holdout_percent": 50}
    )
    scenario.refresh_from_db()
    result = dry_run(scenario, olena, marketer, NOW)
    assert "Ended a run earlier; the re-entry delay has passed." in result.reasons
    held = in_holdout(scenario.pk, olena.pk, 50)
    assert result.enters is not held
    expected = (
        "Falls in the 50 % holdout: the run would be recorded and take no step."
        if held
        else "Not in the holdout: steps would be taken."
    )
    assert expected in result.reasons


def test_the_draft_is_walked_when_asked(marketer):
    scenario = live_scenario(marketer, {"type": "order_placed"}, [{"type": "tag_add", "tag": "a"}])
    services.scenario_update(
        actor=marketer, scenario=scenario, data={"steps": [{"type": "tag_remove", "tag": "a"}]}
    )
    scenario.refresh_from_db()
    olena = person("olena@example.com")
    assert dry_run(scenario, olena, marketer, NOW).steps[0].type == "tag_add"
    draft = dry_run(scenario, olena, marketer, NOW, version="draft")
    assert (draft.version, draft.steps[0].type) == ("draft", "tag_remove")
    assert draft.steps[0].detail == ["Not tagged: no change."]


# --- the API and the page ------------------------------------------------------------------


def test_the_api_answers_for_a_visible_contact_and_refuses_another(users):
    from rapport.contacts import services as contacts

    scenario = live_scenario(users["marketer"], {"type": "order_placed"}, [HELLO])
    olena = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olena", "email": "olena@example.com"}
    )
    grant(olena, "email")
    url = f"{API}/scenarios/{scenario.pk}/dry-run"
    response = bearer_client(users["manager"]).post(
        url, {"contact": olena.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["contact"], body["version"], body["enters"]) == (olena.pk, "published", True)
    assert body["steps"][0]["position"] == "0"
    assert body["steps"][0]["type"] == "send"
    assert body["steps"][0]["summary"] == "Send a message: E-mail · Marketing"
    assert "Subject: Hi Olena" in body["steps"][0]["detail"]

    refused = bearer_client(users["manager2"]).post(
        url, {"contact": olena.pk}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["contact"]


def test_the_page_shows_the_result_beside_the_flow(client, users):
    from rapport.contacts import services as contacts

    scenario = live_scenario(users["marketer"], {"type": "order_placed"}, [HELLO])
    olena = contacts.contact_create(actor=users["manager"], data={"first_name": "Olena"})
    client.force_login(users["manager"])
    url = f"/scenarios/{scenario.pk}/dry-run/?contact={olena.pk}&version=published"
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Would enter the scenario." in html
    assert "No address for this channel — the message would be skipped." in html
    client.force_login(users["manager2"])
    response = client.get(url)
    assert response.status_code == 422
    assert "No such contact (or you may not see it)." in response.content.decode()
