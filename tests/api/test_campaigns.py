"""Campaigns over the API: a draft is written, previewed, launched and steered; its messages
are read from the outbox. Bad input is a 422 naming the field."""

import datetime as dt
import functools

import pytest
from django.utils import timezone

from rapport.campaigns import outbox, split
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
    # the cost is corrected when the invoice arrives, after the sending
    assert campaign["cost"] is None
    costed = api.patch(url, {"cost": "120.50"}, content_type="application/json")
    assert costed.status_code == 200, costed.content
    assert costed.json()["cost"] == {"amount": "120.50", "currency": "EUR"}
    assert api.get(f"{url}/report").json()["cost"] == {"amount": "120.50", "currency": "EUR"}
    negative = api.patch(url, {"cost": "-1"}, content_type="application/json")
    assert negative.status_code == 422
    assert [e["field"] for e in negative.json()["errors"]] == ["cost"]


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


def _variant(name: str, share: int, subject: str = "Hi") -> dict:
    return {
        "name": name,
        "share": share,
        "templates": [{"language": "en", "subject": subject, "body_text": "Sun awaits."}],
    }


def test_variants_are_written_read_and_dropped(api_as, users):
    listed = segment_create(actor=users["marketer"], data={"name": "Sun", "kind": "static"})
    api = api_as("marketer")
    body = _body(listed.pk, templates=[], variants=[_variant("Sun", 40), _variant("Sea", 60)])

    made = api.post(f"{API}/campaigns", body, content_type="application/json")

    assert made.status_code == 201, made.content
    template = {"language": "en", "subject": "Hi", "body_text": "Sun awaits.", "body_html": ""}
    assert (made.json()["templates"], made.json()["variants"]) == (
        [],
        [
            {"name": "Sun", "share": 40, "templates": [template]},
            {"name": "Sea", "share": 60, "templates": [template]},
        ],
    )
    url = f"{API}/campaigns/{made.json()['id']}"
    own = [{"language": "en", "subject": "Hello", "body_text": "One for all."}]
    refused = api.patch(url, {"templates": own}, content_type="application/json")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["templates"]
    dropped = api.patch(url, {"variants": [], "templates": own}, content_type="application/json")
    assert dropped.status_code == 200, dropped.content
    assert (dropped.json()["variants"], [t["subject"] for t in dropped.json()["templates"]]) == (
        [],
        ["Hello"],
    )
    assert api.get(f"{API}/campaigns").json()["items"][0]["variants"] == []


@pytest.mark.parametrize(
    ("variants", "fields"),
    [
        ([_variant("Sun", 100)], ["variants"]),
        ([_variant("Sun", 40), _variant("Sea", 50)], ["variants[1].share"]),
        ([_variant("Sun", 0), _variant("Sea", 100)], ["variants[0].share", "variants[1].share"]),
        ([_variant("Sun", 50), _variant("sun", 50)], ["variants[1].name"]),
        ([_variant("", 50), _variant("Sea", 50)], ["variants[0].name"]),
        (
            [_variant("Sun", 50), {"name": "Sea", "share": 50, "templates": []}],
            ["variants[1].templates"],
        ),
        (
            [_variant("Sun", 50), _variant("Sea", 50, subject="{% if x %}")],
            ["variants[1].templates"],
        ),
    ],
)
def test_bad_variants_are_refused_naming_their_place(api_as, users, variants, fields):
    listed = segment_create(actor=users["marketer"], data={"name": "Sun", "kind": "static"})
    api = api_as("marketer")

    answer = api.post(
        f"{API}/campaigns",
        _body(listed.pk, templates=[], variants=variants),
        content_type="application/json",
    )

    assert answer.status_code == 422, answer.content
    assert [e["field"] for e in answer.json()["errors"]] == fields


def test_variants_and_templates_of_its_own_are_one_or_the_other(api_as, users):
    listed = segment_create(actor=users["marketer"], data={"name": "Sun", "kind": "static"})
    body = _body(listed.pk, variants=[_variant("Sun", 50), _variant("Sea", 50)])

    answer = api_as("marketer").post(f"{API}/campaigns", body, content_type="application/json")

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["templates"]


def test_the_report_shows_the_holdout_the_launch_drew(api_as, users, smtp):  # noqa: F811
    marketer = users["marketer"]
    people = [
        make_contact(users["manager"], first_name=f"P{i}", email=f"p{i}@example.com")
        for i in range(12)
    ]
    for contact in people:
        grant(contact, "email")
    listed = segment_create(actor=marketer, data={"name": "Sun seekers", "kind": "static"})
    members_add(actor=marketer, segment=listed, contact_ids=[p.pk for p in people])
    api = api_as("marketer")
    made = api.post(
        f"{API}/campaigns",
        _body(listed.pk, holdout_percent=50, quiet_hours=None),  # sent whatever the hour
        content_type="application/json",
    ).json()
    url = f"{API}/campaigns/{made['id']}"
    held = sum(split.held_out(made["id"], p.pk, 50) for p in people)
    assert api.post(f"{url}/preview").json()["holdout"] == held

    api.post(f"{url}/launch")
    outbox.deliver_due()
    report = api_as("analyst").get(f"{url}/report")

    assert report.status_code == 200, report.content
    body = report.json()
    assert {k: body[k] for k in ("sent", "delivered", "failed", "skipped", "conversions")} == {
        "sent": 12 - held,
        "delivered": 0,
        "failed": 0,
        "skipped": {"holdout": held} if held else {},
        "conversions": 0,
    }
    assert body["holdout"] == {"contacts": held, "conversions": 0, "rate": 0.0 if held else None}
    assert body["treated"] == {"contacts": 12 - held, "conversions": 0, "rate": 0.0}
    assert body["revenue"] == {"amount": "0.00", "currency": "EUR", "left_out": 0}
    assert len(smtp.messages) == 12 - held
    assert api_as("manager").get(f"{url}/report").status_code == 404


def test_tracking_is_on_unless_the_campaign_says_otherwise(api_as, users):
    listed = segment_create(actor=users["marketer"], data={"name": "Any", "kind": "static"})
    api = api_as("marketer")

    default = api.post(f"{API}/campaigns", _body(listed.pk), content_type="application/json")
    off = api.post(
        f"{API}/campaigns", _body(listed.pk, track=False), content_type="application/json"
    )
    back_on = api.patch(
        f"{API}/campaigns/{off.json()['id']}", {"track": True}, content_type="application/json"
    )
    wrong = api.post(
        f"{API}/campaigns", _body(listed.pk, track="maybe"), content_type="application/json"
    )

    assert (default.status_code, default.json()["track"]) == (201, True)
    assert (off.status_code, off.json()["track"]) == (201, False)
    assert (back_on.status_code, back_on.json()["track"]) == (200, True)
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["track"]
