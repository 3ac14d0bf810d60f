"""The ready-made scenarios: each passes validation, each message renders in every language,
installing one makes a published scenario that is off, once per key."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise

from rapport.automation import flow, library, services, validation
from rapport.automation.models import Run, Scenario, ScenarioStatus
from rapport.campaigns import content
from rapport.campaigns.models import Message
from rapport.sales.services import order_create
from tests.automation.conftest import tick
from tests.campaigns.conftest import person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SAMPLE = {
    **content.sample_context(),
    "manager_name": "Oksana Melnyk",
    "last_trip": "Lisbon city break",
    "next_best_offer": "Madeira walking week",
    "promo_code": "BACK-7K2M9Q",
    "promo_value": "10%",
    "promo_valid_to": "2027-01-31",
    "survey_url": "https://crm.travel.example/s/token/",
}
NAMED = re.compile(r"{{\s*(\w+)|{%\s*if\s+(\w+)")


def sends(key: str) -> list[dict]:
    ready = library.scenario_data(key)
    return [step for _path, step in flow.walk(ready["steps"]) if step["type"] == "send"]


@pytest.mark.parametrize("key", list(library.READY))
def test_every_ready_made_scenario_passes_validation(key):
    admin = UserFactory(role="admin")
    data = library.scenario_data(key)

    validation.check(data["trigger"], data["steps"], admin)

    assert data["steps"]
    assert isinstance(library.READY[key].name, Promise)
    assert isinstance(library.READY[key].description, Promise)


@pytest.mark.parametrize("key", list(library.READY))
def test_every_message_renders_in_every_language_with_the_sample(key):
    for step in sends(key):
        by_language = {t["language"]: t for t in step["templates"]}
        assert sorted(by_language) == sorted(library.LANGUAGES)
        for language, template in by_language.items():
            source = template["subject"] + template["body_text"]
            named = {a or b for a, b in NAMED.findall(source)}
            assert named <= library.PLACEHOLDERS, (key, language, named - library.PLACEHOLDERS)
            rendered = content.render(
                subject=template["subject"],
                body_text=template["body_text"],
                body_html="",
                context=SAMPLE,
                language=language,
                footer=False,
            )
            text = rendered.subject + rendered.text
            assert "{" not in text, (key, language)
            assert "}" not in text, (key, language)
            assert "Olena" in text
            for name in named - {"unsubscribe_url"}:
                assert SAMPLE[name] in text, (key, language, name)


def test_the_english_texts_differ_from_the_others():
    # each language is written out, not a copy of the English one
    for message, languages in library.MESSAGES.items():
        bodies = {language: paragraphs for language, (_subject, paragraphs) in languages.items()}
        assert len({tuple(p) for p in bodies.values()}) == 4, message


def test_the_win_back_flow_reads_as_the_issue_says():
    data = library.scenario_data("win_back")
    assert data["trigger"] == {
        "type": "no_purchase",
        "days": 540,
        "filter": {"field": "metrics.churn_risk", "op": "gte", "value": 0.7},
    }
    assert [step["type"] for step in data["steps"]] == [
        "promo",
        "survey",
        "send",
        "wait",
        "condition",
    ]
    assert data["steps"][1] == {"type": "survey", "kind": "exit"}


def test_installing_makes_a_published_scenario_that_is_off():
    admin = UserFactory(role="admin")

    scenario = services.scenario_from_library(actor=admin, key="birthday")

    scenario = Scenario.objects.select_related("published").get(pk=scenario.pk)
    assert (scenario.template, scenario.status, scenario.name) == (
        "birthday",
        ScenarioStatus.DRAFT,
        "Birthday greeting with a gift",
    )
    assert scenario.published is not None
    assert scenario.published.number == 1
    assert scenario.published.steps == scenario.steps
    assert not services.draft_differs(scenario)
    assert services.installed_from_library() == {"birthday": scenario.pk}


def test_words_a_step_carries_are_in_the_installers_language():
    admin = UserFactory(role="admin")

    with translation.override("en"):
        scenario = services.scenario_from_library(actor=admin, key="vip_at_risk")
    task = scenario.steps[0]
    assert task["subject"] == "Call a high-value customer who is at risk of leaving"
    assert isinstance(task["notes"], str)


def test_a_key_is_installed_once_until_archived():
    admin = UserFactory(role="admin")
    first = services.scenario_from_library(actor=admin, key="welcome")

    with pytest.raises(services.AlreadyInstalled) as refused:
        services.scenario_from_library(actor=admin, key="welcome")
    assert refused.value.scenario_id == first.pk

    services.scenario_move(actor=admin, scenario=first, action="archive")
    second = services.scenario_from_library(actor=admin, key="welcome")
    assert second.pk != first.pk
    assert Scenario.objects.get(pk=first.pk).template == ""
    assert services.installed_from_library() == {"welcome": second.pk}


def test_an_unknown_key_and_a_reader_are_refused():
    with pytest.raises(KeyError):
        services.scenario_from_library(actor=UserFactory(role="admin"), key="no_such")
    with pytest.raises(PermissionError):
        services.scenario_from_library(actor=UserFactory(role="analyst"), key="welcome")
    assert not Scenario.objects.exists()


def test_an_edited_library_scenario_must_stay_valid():
    admin = UserFactory(role="admin")
    scenario = services.scenario_from_library(actor=admin, key="pre_trip")
    with pytest.raises(ValidationError):
        services.scenario_update(
            actor=admin, scenario=scenario, data={"trigger": {"type": "trip_departing"}}
        )


def test_the_welcome_series_thanks_a_first_order_only(clock):
    admin = UserFactory(role="admin")
    scenario = services.scenario_from_library(actor=admin, key="welcome")
    services.scenario_move(
        actor=admin, scenario=scenario, action="activate", now=clock() - dt.timedelta(minutes=1)
    )
    new = person("new@example.com", language="uk", consents=("email:marketing", "email:service"))
    regular = person("old@example.com", consents=("email:marketing", "email:service"))
    order_create(actor=None, contact=regular, currency="EUR", total="90.00")
    order_create(actor=None, contact=regular, currency="EUR", total="90.00")
    order_create(actor=None, contact=new, currency="EUR", total="120.00")

    tick(clock)

    run = Run.objects.get(scenario=scenario)
    assert run.contact_id == new.pk
    message = Message.objects.get(contact=new)
    assert message.subject == "Дякуємо за перше бронювання, Olena!"
    assert message.purpose == "service"
    assert not Message.objects.filter(contact=regular).exists()
