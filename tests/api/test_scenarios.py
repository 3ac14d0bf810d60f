"""The scenarios API: create a draft, publish, switch on; runs per contact; custom events;
422 naming the bad part's path."""

import pytest

from rapport.automation.intake import run_intake
from rapport.automation.runner import run_due
from tests.api.conftest import API, bearer_client, make_contact

pytestmark = pytest.mark.django_db

WELCOME = {
    "name": "Welcome",
    "trigger": {"type": "custom_event", "name": "signed_up"},
    "steps": [{"type": "tag_add", "tag": "welcomed"}, {"type": "wait", "days": 2}],
}


def test_a_custom_event_starts_a_run_that_the_api_shows(users):
    api = bearer_client(users["marketer"])
    created = api.post(f"{API}/scenarios", WELCOME, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["version"], body["unpublished_changes"]) == ("draft", None, True)
    scenario = body["id"]
    published = api.post(f"{API}/scenarios/{scenario}/publish")
    assert (published.status_code, published.json()["version"]) == (200, 1)
    assert api.post(f"{API}/scenarios/{scenario}/activate").json()["status"] == "active"
    olena = make_contact(users["manager"], first_name="Olena")

    posted = api.post(
        f"{API}/events",
        {"contact": olena.pk, "name": "signed_up", "properties": {"plan": "gold"}},
        content_type="application/json",
    )
    assert posted.status_code == 201
    assert (posted.json()["name"], posted.json()["properties"]) == ("signed_up", {"plan": "gold"})
    run_intake()
    run_due()

    runs = api.get(f"{API}/scenarios/{scenario}/runs?contact={olena.pk}").json()["items"]
    assert len(runs) == 1
    run = runs[0]
    assert (run["status"], run["position"], run["version"]) == ("active", "1", 1)
    assert [(s["position"], s["kind"], s["outcome"]) for s in run["steps"]] == [
        ("0", "tag_add", "done")
    ]
    counts = api.get(f"{API}/scenarios/{scenario}/counts").json()
    assert counts == [
        {"position": "0", "entered": 1, "waiting": 0, "done": 1, "exited": 0},
        {"position": "1", "entered": 1, "waiting": 1, "done": 0, "exited": 0},
    ]


def test_bad_steps_get_a_422_naming_the_path(users):
    api = bearer_client(users["marketer"])
    answer = api.post(
        f"{API}/scenarios",
        {
            "name": "Broken",
            "trigger": {"type": "birthday"},
            "steps": [
                {"type": "wait"},
                {
                    "type": "condition",
                    "rule": {"field": "city", "op": "eq", "value": "Kyiv"},
                    "then": [{"type": "send", "channel": "pigeon", "templates": []}],
                },
            ],
        },
        content_type="application/json",
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {
        "trigger.days_before",
        "steps[0]",
        "steps[1].then[0].channel",
        "steps[1].then[0].templates",
    }


def test_only_marketers_and_admins_change_scenarios(users):
    scenario = (
        bearer_client(users["marketer"])
        .post(f"{API}/scenarios", WELCOME, content_type="application/json")
        .json()["id"]
    )
    manager = bearer_client(users["manager"])
    assert manager.get(f"{API}/scenarios/{scenario}").status_code == 200
    assert manager.post(f"{API}/scenarios/{scenario}/publish").status_code == 403
    assert (
        manager.post(f"{API}/scenarios", WELCOME, content_type="application/json").status_code
        == 403
    )
