"""Campaigns over the API: a draft is written, previewed, launched and steered; its messages
are read from the outbox. Bad input is a 422 naming the field."""

import datetime as dt
import functools

import pytest
from django.utils import timezone

from rapport.campaigns import outbox
from rapport.segments.services import members_add, segment_create
from tests.api.conftest import API, make_contact
from tests.campaigns.conftest import grant, smtp  # noqa: F401 (the SMTP server fixture)

pytestmark = pytest.mark.django_db


@functools.cache
def _quiet_later() -> dict[str, str]:
    """Quiet hours that do not hold a message sent now (they start in two hours, for one
    hour, in the site's zone, where the test's contacts live)."""
    local = timezone.localtime(timezone.now())
    start, end = local + dt.timedelta(hours=2), local + dt.timedelta(hours=3)
    return {"from": start.strftime("%H:%M"), "to": end.strftime("%H:%M")}


def _body(segment_id: int, **changes):
    return {
        "name": "Winter sun",
        "goal": "Fill the January flights",
        "channel": "email",
        "segment": segment_id,
        "quiet_hours": _quiet_later(),
        "templates": [
            {"language": "en", "subject": "Hi {{ first_name }}", "body_text": "Sun awaits."}
        ],
        **changes,
    }


def test_a_marketer_writes_previews_launches_and_reads_the_messages(api_as, users, smtp):  # noqa: F811
    marketer = users["marketer"]
    olena = make_contact(users["manager"], first_name="Olena", email="olena@example.com")
    petras = make_contact(users["manager"], first_name="Petras", email="petras@example.com")
    grant(olena, "email")
    listed = segment_create(actor=marketer, data={"name": "Sun seekers", "kind": "static"})
    members_add(actor=marketer, segment=listed, contact_ids=[olena.pk, petras.pk])
    api = api_as("marketer")

    made = api.post(f"{API}/campaigns", _body(listed.pk), content_type="application/json")
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert {k: campaign[k] for k in ("status", "segment", "fallback_channel", "quiet_hours")} == {
        "status": "draft",
        "segment": listed.pk,
        "fallback_channel": None,
        "quiet_hours": _quiet_later(),
    }
    url = f"{API}/campaigns/{campaign['id']}"
    preview = api.post(f"{url}/preview")
    assert preview.json() == {
        "eligible": 1,
        "no_consent": 1,
        "capped": 0,
        "suppressed": 0,
        "no_address": 0,
        "holdout": 0,
    }
    launched = api.post(f"{url}/launch")
    assert launched.json()["status"] == "sending"
    outbox.deliver_due()
    listed_messages = api.get(f"{API}/messages?campaign={campaign['id']}").json()["items"]
    assert sorted((m["contact"], m["status"], m["reason"]) for m in listed_messages) == sorted(
        [(olena.pk, "sent", ""), (petras.pk, "skipped", "no_consent")]
    )
    assert [m["To"] for m in smtp.messages] == ["olena@example.com"]
    assert api.post(f"{url}/pause").json()["status"] == "paused"
    assert api.post(f"{url}/resume").json()["status"] == "sending"
    changed = api.patch(url, {"name": "Too late"}, content_type="application/json")
    assert changed.status_code == 422
    assert [e["field"] for e in changed.json()["errors"]] == ["status"]


def test_bad_campaigns_are_refused_naming_the_field(api_as, users):
    south = segment_create(actor=users["manager2"], data={"name": "South", "kind": "static"})
    mine = segment_create(actor=users["manager"], data={"name": "North", "kind": "static"})
    api = api_as("manager")
    assert (
        api.post(f"{API}/campaigns", _body(mine.pk), content_type="application/json").status_code
        == 403
    )
    api = api_as("marketer")

    def errors(body):
        answer = api.post(f"{API}/campaigns", body, content_type="application/json")
        assert answer.status_code == 422, answer.content
        return [e["field"] for e in answer.json()["errors"]]

    broken = [{"language": "en", "subject": "Hi", "body_text": "{% if x %}open"}]
    assert errors(_body(mine.pk, templates=broken)) == ["templates"]
    twice = [{"language": "en", "body_text": "a"}, {"language": "en", "body_text": "b"}]
    assert errors(_body(mine.pk, templates=twice)) == ["templates"]
    assert errors(_body(mine.pk, fallback_channel="email")) == ["fallback_channel"]
    assert errors(_body(mine.pk, quiet_hours={"from": "25:00", "to": "09:00"})) != []
    assert errors(_body(2**40)) == ["segment"]
    assert south.pk  # the marketer sees every segment: South's is a valid target
    assert (
        api.post(f"{API}/campaigns", _body(south.pk), content_type="application/json").status_code
        == 201
    )
