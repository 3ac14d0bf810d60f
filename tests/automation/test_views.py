"""The scenario pages: the list and the flow per role, the actions, editing in place (add,
move, delete, an error at the step it names, a stale save refused) and the runs on the 360°
contact page."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rapport.automation import services
from rapport.automation.models import Run, Scenario, ScenarioStatus
from rapport.automation.views.cards import place_errors
from rapport.contacts import services as contacts
from tests.automation.conftest import live_scenario, tick

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HELLO = {
    "type": "send",
    "channel": "email",
    "templates": [{"language": "en", "subject": "Hi {{ first_name }}", "body_text": "Thanks!"}],
}
VILNIUS = {"field": "city", "op": "eq", "value": "Vilnius"}
FLOW: list[dict[str, Any]] = [
    {"type": "wait", "days": 1},
    {
        "type": "condition",
        "rule": VILNIUS,
        "then": [HELLO],
        "else": [{"type": "tag_add", "tag": "far"}],
    },
]


@pytest.fixture
def world(users):
    olena = contacts.contact_create(
        actor=users["manager"],
        data={"first_name": "Olena", "email": "olena@example.com", "city": "Vilnius"},
    )
    live = live_scenario(
        users["marketer"],
        {"type": "custom_event", "name": "visited", "filter": VILNIUS},
        FLOW,
        name="Welcome",
    )
    draft = services.scenario_create(
        actor=users["marketer"],
        data={"name": "Birthday", "trigger": {"type": "birthday", "days_before": 3}},
    )
    return {"olena": olena, "live": live, "draft": draft}


def _url(scenario: Scenario, tail: str = "") -> str:
    return f"/scenarios/{scenario.pk}/{tail}"


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_change"),
    [("marketer", True), ("admin", True), ("agent", False), ("manager", False)],
)
def test_the_list_shows_every_scenario_and_edit_buttons_only_to_those_who_may(
    as_user, world, role, may_change
):
    response = as_user(role).get("/scenarios/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome" in html
    assert "Birthday" in html
    assert "A custom event arrives (API)" in html  # the trigger in words
    assert "version 1" in html
    assert ("New scenario" in html) is may_change
    assert (f'href="/scenarios/{world["draft"].pk}/?show=draft"' in html) is may_change


def test_the_list_filters_by_status(as_user, world):
    html = as_user("agent").get("/scenarios/?status=draft").content.decode()
    assert "Birthday" in html
    assert "Welcome" not in html


def test_a_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/scenarios/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_creating_opens_the_trigger_editor_and_a_reader_may_not_create(as_user, world):
    assert as_user("agent").post("/scenarios/new/", {"name": "Mine"}).status_code == 403
    response = as_user("marketer").post("/scenarios/new/", {"name": "Win back"})
    scenario = Scenario.objects.get(name="Win back")
    assert response.status_code == 302
    assert response["Location"] == f"/scenarios/{scenario.pk}/?edit=trigger"
    html = as_user("marketer").get(response["Location"]).content.decode()
    assert "Save trigger" in html


# --- the flow ------------------------------------------------------------------------------


def test_a_reader_sees_the_published_flow_without_edit_tools(as_user, world):
    response = as_user("agent").get(_url(world["live"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A custom event arrives (API)" in html
    assert "City is Vilnius" in html  # the filter and the condition in words
    assert "Yes: matches" in html
    assert "No: does not match" in html
    assert "Hi {{ first_name }}" in html  # the template's preview
    assert "Edit trigger" not in html
    assert "+ Add a step here" not in html
    assert ">Publish<" not in html


def test_the_editor_sees_tools_and_counts_beside_each_step(as_user, world, users):
    live = world["live"]
    assert live.published is not None
    Run.objects.create(
        scenario=live,
        version=live.published,
        contact=world["olena"],
        occasion="event:1",
        position="1.then.0",
        due_at=timezone.now(),
        started_at=timezone.now(),
    )
    html = as_user("marketer").get(_url(live)).content.decode()
    assert "Edit trigger" in html
    assert "+ Add a step here" in html
    assert ">Publish<" not in html  # nothing new to publish
    assert ">Pause<" in html
    assert "Archive for good" in html
    assert 'id="step-1-then-0"' in html
    card = html.split('id="step-1-then-0"')[1].split("</header>")[0]
    assert '<span class="visually-hidden">entered</span>1</span>' in card
    assert '<span class="visually-hidden">waiting</span>1</span>' in card


def test_an_unknown_scenario_is_404(as_user, world):
    assert as_user("marketer").get("/scenarios/999999/").status_code == 404


# --- actions -------------------------------------------------------------------------------


def test_publish_switch_on_pause_and_archive(as_user, world, users):
    draft = world["draft"]
    client = as_user("marketer")
    services.scenario_update(
        actor=users["marketer"], scenario=draft, data={"steps": [{"type": "tag_add", "tag": "b"}]}
    )
    response = client.post(_url(draft, "publish/"))
    assert (response.status_code, response["Location"]) == (302, _url(draft))
    assert "Published as version 1" in client.get(_url(draft)).content.decode()
    client.post(_url(draft, "activate/"))
    assert Scenario.objects.get(pk=draft.pk).status == ScenarioStatus.ACTIVE
    client.post(_url(draft, "pause/"))
    assert Scenario.objects.get(pk=draft.pk).status == ScenarioStatus.PAUSED
    client.post(_url(draft, "archive/"))
    assert Scenario.objects.get(pk=draft.pk).status == ScenarioStatus.ARCHIVED
    html = client.get(_url(draft)).content.decode()
    assert "Archived: runs in flight were cancelled." in html


def test_an_action_refused_says_why_and_a_reader_gets_403(as_user, world):
    draft = world["draft"]
    assert as_user("agent").post(_url(draft, "publish/")).status_code == 403
    client = as_user("marketer")
    response = client.post(_url(draft, "activate/"))
    assert response.status_code == 302
    html = client.get(_url(draft)).content.decode()
    assert "Publish the scenario before switching it on." in html
    assert client.post(_url(draft, "explode/")).status_code == 403


# --- editing -------------------------------------------------------------------------------


def _stamp(scenario: Scenario) -> str:
    return Scenario.objects.get(pk=scenario.pk).updated_at.isoformat()


def test_add_a_step_then_move_it_and_delete_it(as_user, world):
    live = world["live"]
    client = as_user("marketer")
    form = client.get(_url(live) + "?add=1.else.1&type=tag_add", **HTMX).content.decode()
    assert 'name="p.tag"' in form
    assert "new step" in form
    response = client.post(
        _url(live, "steps/save/"),
        {
            "path": "1.else.1",
            "mode": "add",
            "type": "tag_add",
            "p.tag": "vip",
            "updated_at": _stamp(live),
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Step saved." in response.content.decode()
    steps = Scenario.objects.get(pk=live.pk).steps
    assert steps[1]["else"] == [
        {"type": "tag_add", "tag": "far"},
        {"type": "tag_add", "tag": "vip"},
    ]

    client.post(
        _url(live, "steps/change/"),
        {"path": "1.else.1", "op": "up", "updated_at": _stamp(live)},
        **HTMX,
    )
    assert Scenario.objects.get(pk=live.pk).steps[1]["else"][0] == {"type": "tag_add", "tag": "vip"}
    response = client.post(
        _url(live, "steps/change/"),
        {"path": "1.else.0", "op": "delete", "updated_at": _stamp(live)},
    )
    assert response.status_code == 302  # without HTMX: back to the page
    assert Scenario.objects.get(pk=live.pk).steps[1]["else"] == [{"type": "tag_add", "tag": "far"}]
    html = client.get(_url(live)).content.decode()
    assert "Unpublished changes" not in html  # back to what is published


def test_an_edit_changes_the_step_and_marks_unpublished_changes(as_user, world):
    live = world["live"]
    client = as_user("marketer")
    form = client.get(_url(live) + "?edit=1.then.0", **HTMX).content.decode()
    assert 'name="t.en.subject" value="Hi {{ first_name }}"' in form
    response = client.post(
        _url(live, "steps/save/"),
        {
            "path": "1.then.0",
            "mode": "edit",
            "type": "send",
            "p.channel": "email",
            "p.fallback_channel": "sms",
            "t.en.subject": "Hello {{ first_name }}",
            "t.en.body_text": "Welcome!",
            "t.lt.body_text": "Sveiki!",
            "updated_at": _stamp(live),
        },
        **HTMX,
    )
    html = response.content.decode()
    assert "Unpublished changes" in html
    assert ">Publish<" in html
    step = Scenario.objects.get(pk=live.pk).steps[1]["then"][0]
    assert step["fallback_channel"] == "sms"
    assert [t["language"] for t in step["templates"]] == ["en", "lt"]


def test_a_validation_error_shows_at_the_step_it_names(as_user, world):
    live = world["live"]
    before = Scenario.objects.get(pk=live.pk).steps
    response = as_user("marketer").post(
        _url(live, "steps/save/"),
        {
            "path": "1.then.0",
            "mode": "edit",
            "type": "send",
            "p.channel": "email",
            "t.en.subject": "No text",
            "updated_at": _stamp(live),
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    card = html.split('id="step-1-then-0"')[1].split("</li>")[0]
    assert "Write the message text." in card
    assert 'value="No text"' in card  # what was typed stays
    assert Scenario.objects.get(pk=live.pk).steps == before


def test_a_wrong_number_is_refused_next_to_its_field(as_user, world):
    live = world["live"]
    response = as_user("marketer").post(
        _url(live, "steps/save/"),
        {
            "path": "0",
            "mode": "edit",
            "type": "wait",
            "p.days": "three",
            "updated_at": _stamp(live),
        },
    )
    assert response.status_code == 422
    card = response.content.decode().split('id="step-0"')[1].split("</li>")[0]
    assert 'value="three" aria-invalid="true"' in card
    assert "Give a whole number." in card


def test_a_save_over_a_newer_version_is_refused(as_user, world, users):
    live = world["live"]
    stale = _stamp(live)
    services.scenario_update(actor=users["admin"], scenario=live, data={"name": "Welcome!"})
    response = as_user("marketer").post(
        _url(live, "steps/change/"), {"path": "0", "op": "delete", "updated_at": stale}, **HTMX
    )
    assert "Someone else saved this scenario after you opened it" in response.content.decode()
    assert len(Scenario.objects.get(pk=live.pk).steps) == 2


def test_the_trigger_and_settings_editors(as_user, world):
    draft = world["draft"]
    client = as_user("marketer")
    form = client.get(_url(draft) + "?edit=trigger&type=no_purchase", **HTMX).content.decode()
    assert 'name="p.days"' in form
    response = client.post(
        _url(draft, "trigger/"),
        {"type": "no_purchase", "p.days": "0", "filter": "", "updated_at": _stamp(draft)},
        **HTMX,
    )
    assert "Give at least 1." in response.content.decode()
    client.post(
        _url(draft, "trigger/"),
        {
            "type": "no_purchase",
            "p.days": "90",
            "filter": '{"field": "city", "op": "eq", "value": "Kyiv"}',
            "updated_at": _stamp(draft),
        },
        **HTMX,
    )
    assert Scenario.objects.get(pk=draft.pk).trigger == {
        "type": "no_purchase",
        "days": 90,
        "filter": {"field": "city", "op": "eq", "value": "Kyiv"},
    }
    response = client.post(
        _url(draft, "settings/"),
        {
            "name": "Birthday wishes",
            "description": "",
            "never": "1",
            "holdout_percent": "10",
            "updated_at": _stamp(draft),
        },
        **HTMX,
    )
    saved = Scenario.objects.get(pk=draft.pk)
    assert (saved.name, saved.reentry_days, saved.holdout_percent) == ("Birthday wishes", None, 10)
    assert "A contact goes through it once, never again." in response.content.decode()


def test_a_reader_may_not_edit(as_user, world):
    live = world["live"]
    response = as_user("agent").post(
        _url(live, "steps/change/"), {"path": "0", "op": "delete", "updated_at": _stamp(live)}
    )
    assert response.status_code == 403
    html = as_user("agent").get(_url(live) + "?edit=0").content.decode()
    assert "Save step" not in html


def test_errors_go_to_the_deepest_step_their_key_names():
    steps: list[dict[str, Any]] = [
        {"type": "wait"},
        {"type": "condition", "then": [{"type": "send"}], "else": []},
    ]
    by_step, other = place_errors(
        {
            "steps[1].then[0].templates": ["a"],
            "steps[1].rule": ["b"],
            "steps[0]": ["c"],
            "name": ["d"],
        },
        steps,
    )
    assert by_step == {"1.then.0": ["a"], "1": ["b"], "0": ["c"]}
    assert other == {"name": ["d"]}


# --- the 360° page -------------------------------------------------------------------------


def test_the_contact_page_tells_why_the_customer_got_the_message(as_user, world, users, clock):
    olena = world["olena"]
    services.event_record(actor=users["manager"], contact=olena, name="visited")
    tick(clock)
    clock.advance(days=1, minutes=1)
    tick(clock)
    run = Run.objects.get(contact=olena)
    message_id = run.log.get(kind="send").detail["message"]

    html = as_user("manager").get(f"/contacts/{olena.pk}/").content.decode()
    section = html.split('id="scenario-runs"')[1].split("</article>")[0]
    assert "Welcome" in section
    assert "version 1" in section
    assert "Waited until" in section
    assert "Condition matched: took the “yes” branch" in section
    assert f"Sent E-mail “Hi Olena” — message #{message_id} (Queued)" in section


def test_runs_show_only_to_those_who_may_see_the_contact(world, users, clock):
    from rapport.automation.contact_panel import contact_runs

    olena = world["olena"]
    services.event_record(actor=users["manager"], contact=olena, name="visited")
    tick(clock)
    assert [v.run.scenario.name for v in contact_runs(users["manager"], olena)] == ["Welcome"]
    assert contact_runs(users["manager2"], olena) == []
    assert len(contact_runs(users["agent"], olena)) == 1


def test_the_section_says_so_when_no_scenario_ran(as_user, world):
    html = as_user("manager").get(f"/contacts/{world['olena'].pk}/").content.decode()
    assert "No scenario has run for this contact." in html


def test_failed_and_skipped_steps_are_worded(world):
    from rapport.automation.contact_panel import step_line
    from rapport.automation.models import RunStep

    at = dt.datetime(2026, 5, 3, 7, 0, tzinfo=dt.UTC)
    failed = RunStep(
        position="2", kind="list_add", outcome="failed", detail={"reason": "segment_missing"}, at=at
    )
    skipped = RunStep(
        position="0", kind="task", outcome="skipped", detail={"reason": "no_assignee"}, at=at
    )
    promo = RunStep(position="1", kind="promo", outcome="done", detail={"code": "ABC123"}, at=at)
    assert step_line(failed, None, {}, {}).text == "Failed: segment deleted"
    assert (
        step_line(skipped, None, {}, {}).text
        == "Skipped Task for the manager: nobody to give the task to"
    )
    assert step_line(promo, None, {}, {}).text == "Promo code ABC123"


def test_a_step_that_is_gone_sends_back_to_the_page(as_user, world):
    live = world["live"]
    client = as_user("marketer")
    data = {"path": "7", "op": "delete", "updated_at": _stamp(live)}
    response = client.post(_url(live, "steps/change/"), data, **HTMX)
    assert (response.status_code, response["HX-Redirect"]) == (200, _url(live))
    response = client.post(_url(live, "steps/change/"), data)
    assert (response.status_code, response["Location"]) == (302, _url(live))
    html = client.get(_url(live)).content.decode()
    assert "That step is no longer there: the page shows the draft now." in html


def test_why_a_run_ended_is_worded():
    from rapport.automation.contact_panel import ending

    assert ending(Run(status="exited", exit_reason="exit_step")) == "an “End the run” step"
    failed = Run(status="failed", exit_reason="error", error="Traceback…\nKeyError: 'x'")
    assert ending(failed) == "KeyError: 'x'"
    assert ending(Run(status="done", holdout=True, exit_reason="holdout")) == ""
    assert ending(Run(status="active", exit_reason="")) == ""


def test_an_error_in_a_new_step_shows_once_in_its_form(as_user, world):
    live = world["live"]
    response = as_user("marketer").post(
        _url(live, "steps/save/"),
        {"path": "2", "mode": "add", "type": "tag_add", "p.tag": " ", "updated_at": _stamp(live)},
        **HTMX,
    )
    html = response.content.decode()
    assert html.count("This is required.") == 1
    form = html.split('class="flow-item adding"')[1].split("</li>")[0]
    assert "This is required." in form
    assert len(Scenario.objects.get(pk=live.pk).steps) == 2


def test_the_report_page_shows_the_figures_to_those_who_read_them(client, users_for_report):
    marketer, agent, scenario = users_for_report
    client.force_login(marketer)
    page = client.get(f"/scenarios/{scenario.pk}/report/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Report: Report me" in text
    assert "Held out (the baseline)" in text
    assert "Not sent: No consent for this channel and purpose" in text
    detail = client.get(f"/scenarios/{scenario.pk}/").content.decode()
    assert f"/scenarios/{scenario.pk}/report/" in detail
    client.force_login(agent)
    assert client.get(f"/scenarios/{scenario.pk}/report/").status_code == 403
    assert (
        f"/scenarios/{scenario.pk}/report/"
        not in client.get(f"/scenarios/{scenario.pk}/").content.decode()
    )


@pytest.fixture
def users_for_report(db):
    from django.utils import timezone

    from rapport.automation.models import Run
    from rapport.campaigns.models import Message
    from tests.automation.conftest import live_scenario
    from tests.campaigns.conftest import person
    from tests.factories import UserFactory

    marketer = UserFactory(role="marketer")
    agent = UserFactory(role="service_agent")
    scenario = live_scenario(
        marketer, {"type": "order_placed"}, [{"type": "tag_add", "tag": "x"}], name="Report me"
    )
    olena = person("olena@example.com")
    run = Run.objects.create(
        scenario=scenario,
        version=scenario.published,
        contact=olena,
        occasion="event:1",
        status="done",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    Message.objects.create(
        source=f"scenario:{scenario.pk}:{run.pk}",
        contact=olena,
        channel="email",
        purpose="marketing",
        body_text="Hi",
        status="skipped",
        reason="no_consent",
        available_at=timezone.now(),
    )
    return marketer, agent, scenario
