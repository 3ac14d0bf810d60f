"""Trigger parameters stored as codes (an RFM segment, a life event's kind) are chosen from a
list and shown in the reader's words, never as the code; an unknown code is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from rapport.automation import services
from tests.api.conftest import API
from tests.automation.conftest import live_scenario

pytestmark = pytest.mark.django_db

STEPS = [{"type": "tag_add", "tag": "seen"}]


def test_the_list_words_the_codes_in_the_readers_language(client, marketer):
    live_scenario(marketer, {"type": "rfm_segment_changed", "to": "at_risk"}, STEPS, name="R")
    live_scenario(marketer, {"type": "life_event", "kind": "child_born"}, STEPS, name="L")
    client.force_login(marketer)

    english = client.get(reverse("automation:scenario_list")).content.decode()
    client.cookies["django_language"] = "ru"
    russian = client.get(reverse("automation:scenario_list")).content.decode()

    assert "New RFM segment: At risk" in english
    assert "Child born" in english
    with translation.override("ru"):
        at_risk = translation.pgettext("RFM segment", "At risk")
        born = translation.gettext("Child born")
    assert (at_risk, born) != ("At risk", "Child born")  # really translated
    assert at_risk in russian
    assert born in russian
    assert "at_risk" not in english + russian
    assert "child_born" not in english + russian


def test_the_editor_offers_the_configured_segments_and_the_kinds(client, marketer):
    scenario = services.scenario_create(
        actor=marketer, data={"name": "R", "trigger": {"type": "rfm_segment_changed"}}
    )
    client.force_login(marketer)

    url = reverse("automation:scenario_detail", args=[scenario.pk])
    page = client.get(f"{url}?edit=trigger").content.decode()

    assert '<option value="at_risk">At risk</option>' in page
    assert '<option value="cant_lose_them">Can&#x27;t lose them</option>' in page
    assert '<select name="p.to">\n    <option value="">—</option>' in page  # any segment


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"type": "rfm_segment_changed", "to": "at risk"}, "trigger.to"),
        ({"type": "life_event", "kind": "wedding"}, "trigger.kind"),
    ],
)
def test_an_unknown_code_is_refused_with_the_choices(marketer, trigger, field):
    with pytest.raises(ValidationError) as caught:
        services.scenario_create(actor=marketer, data={"name": "X", "trigger": trigger})

    (message,) = caught.value.message_dict[field]
    assert message.startswith("Choose from: ")
    assert ("at_risk" if "to" in trigger else "child_born") in message


def test_the_catalog_gives_integrators_the_choices(client, marketer):

    client.force_login(marketer)
    body = client.get(f"{API}/scenarios/catalog").json()

    triggers = {t["type"]: t for t in body["triggers"]}
    (to,) = triggers["rfm_segment_changed"]["params"]
    (kind,) = triggers["life_event"]["params"]
    assert (to["name"], to["type"], to["required"]) == ("to", "choice", False)
    assert to["choices"][:3] == ["champions", "loyal", "potential_loyalist"]
    assert "at_risk" in to["choices"]
    assert (kind["name"], kind["type"]) == ("kind", "choice")
    assert kind["choices"] == [
        "birthday", "anniversary", "child_born", "moved", "new_job", "graduation",
        "retirement", "other",
    ]  # fmt: skip
