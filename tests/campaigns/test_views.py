"""The marketer's campaign pages: the list, the create/edit form (errors in place, a stale
edit refused), the page of a campaign (audience counts, a test to oneself, launch, pause,
the messages and the ones to review), each for every role."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rapport.campaigns.models import Campaign, CampaignStatus, Message, MessageStatus
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, campaign_form

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _message(made: Campaign, contact, status: str, **fields) -> Message:
    return Message.objects.create(
        campaign=made,
        contact=contact,
        channel="email",
        purpose="marketing",
        subject="Hi",
        body_text="Hello",
        status=status,
        available_at=timezone.now(),
        **fields,
    )


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "may_create"),
    [
        ("admin", 200, True),
        ("marketer", 200, True),
        ("analyst", 200, False),
        ("manager", 403, False),
        ("agent", 403, False),
    ],
)
def test_the_list_is_for_the_roles_that_read_campaigns(as_user, audience, role, status, may_create):
    winter = campaign("Winter sun", status=CampaignStatus.DRAFT)
    winter.segment = audience["segment"]
    winter.save()

    response = as_user(role).get("/campaigns/")

    assert response.status_code == status
    if status == 200:
        assert [c.name for c in response.context["page"].items] == ["Winter sun"]
        assert (b'href="/campaigns/new/"' in response.content) is may_create
        assert b"Sun seekers" in response.content
        assert b'href="/campaigns/"' in response.content  # the nav entry


def test_the_list_counts_sent_and_skipped_in_one_query_and_filters_by_status(
    as_user, audience, django_assert_num_queries
):
    spring = campaign("Spring", status=CampaignStatus.SENDING)
    _message(spring, audience["olena"], MessageStatus.SENT)
    _message(spring, audience["ieva"], MessageStatus.DELIVERED)
    _message(spring, audience["taras"], MessageStatus.SKIPPED, reason="no_consent")
    autumn = campaign("Autumn", status=CampaignStatus.DRAFT)
    for n in range(5):
        campaign(f"Draft {n}", status=CampaignStatus.DRAFT)
    client = as_user("marketer")

    # session, user, campaigns, the outbox counts (whatever the number of rows), the bell
    with django_assert_num_queries(5):
        response = client.get("/campaigns/")

    rows = {c.name: c.counts for c in response.context["page"].items}
    assert rows["Spring"] == {"sent": 1, "delivered": 1, "went_out": 2, "skipped": 1}
    assert rows["Autumn"] == {}
    drafts = client.get("/campaigns/?status=draft")
    assert [c.name for c in drafts.context["page"].items][-1] == "Autumn"
    assert "Spring" not in [c.name for c in drafts.context["page"].items]
    assert autumn.pk in [c.pk for c in drafts.context["page"].items]


# --- creating and editing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("marketer", 200), ("analyst", 403), ("manager", 403), ("agent", 403)],
)
def test_the_new_campaign_form_is_for_those_who_may_create(as_user, audience, role, status):
    response = as_user(role).get("/campaigns/new/")

    assert response.status_code == status
    if status == 200:
        assert b'name="text_lt"' in response.content
        assert b"{{ first_name }}" in response.content
        assert f'<option value="{audience["segment"].pk}">Sun seekers</option>'.encode() in (
            response.content
        )


def test_creating_a_campaign_saves_it_in_the_users_time_zone(as_user, users, audience):
    users["marketer"].time_zone = "Europe/Kyiv"
    users["marketer"].save()

    response = as_user("marketer").post("/campaigns/new/", campaign_form(audience["segment"]))

    made = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{made.pk}/"
    assert made.name == "Spring in Crete"
    assert made.status == CampaignStatus.DRAFT
    assert made.segment == audience["segment"]
    assert made.scheduled_at == dt.datetime(2030, 4, 1, 9, 30, tzinfo=ZoneInfo("Europe/Kyiv"))
    assert made.quiet_hours == {"from": "21:00", "to": "09:00"}
    assert made.holdout_percent == 10
    assert made.created_by == users["marketer"]
    assert [(t.language, t.position, t.subject) for t in made.templates.all()] == [
        ("en", 0, "Hello {{ first_name }}"),
        ("uk", 1, "Привіт, {{ first_name }}"),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"fallback_channel": "email"}, "fallback_channel", "Choose a fallback other than"),
        ({"quiet_to": ""}, "quiet_to", "Give both ends of the quiet hours, or neither."),
        ({"holdout_percent": "80"}, "holdout_percent", "less than or equal to 50"),
        ({"text_uk": ""}, "text_uk", "Write the text, or clear this language"),
    ],
)
def test_errors_are_shown_next_to_their_fields(as_user, audience, changes, field, error):
    response = as_user("marketer").post(
        "/campaigns/new/", campaign_form(audience["segment"], **changes)
    )

    assert response.status_code == 422
    form = response.context["form"]
    assert error in " ".join(form.errors[field])
    assert f'id="campaign-{field}_error"'.encode() in response.content
    assert Campaign.objects.count() == 0


def test_a_message_that_cannot_be_rendered_is_shown_above_the_languages(as_user, audience):
    response = as_user("marketer").post(
        "/campaigns/new/", campaign_form(audience["segment"], text_en="Hi {% if %}")
    )

    assert response.status_code == 422
    assert response.context["placed"]["templates"].startswith("en: ")
    assert b'id="templates-error"' in response.content
    assert Campaign.objects.count() == 0


def test_a_campaign_needs_a_message_in_some_language(as_user, audience):
    response = as_user("marketer").post(
        "/campaigns/new/",
        campaign_form(audience["segment"], subject_en="", text_en="", subject_uk="", text_uk=""),
    )

    assert response.status_code == 422
    assert response.context["placed"] == {
        "templates": "Write the message in at least one language."
    }


def test_editing_changes_the_campaign(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    client = as_user("marketer")
    page = client.get(f"/campaigns/{made.pk}/edit/")
    seen = page.context["form"].initial["updated_at"]

    response = client.post(
        f"/campaigns/{made.pk}/edit/",
        campaign_form(audience["segment"], name="Winter sun, again", updated_at=seen),
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.name == "Winter sun, again"
    assert made.segment == audience["segment"]


def test_a_stale_edit_is_refused_with_a_clear_message(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    client = as_user("marketer")
    seen = client.get(f"/campaigns/{made.pk}/edit/").context["form"].initial["updated_at"]
    made.name = "Changed by a colleague"
    made.save()

    response = client.post(
        f"/campaigns/{made.pk}/edit/",
        campaign_form(audience["segment"], name="Mine", updated_at=seen),
    )

    assert response.status_code == 422
    assert "Someone else changed this campaign" in response.context["placed"]["updated_at"]
    assert "Someone else changed this campaign" in response.content.decode()
    made.refresh_from_db()
    assert made.name == "Changed by a colleague"


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("manager", 404), ("agent", 404)])
def test_only_those_who_work_campaigns_may_edit(as_user, audience, role, status):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)

    assert as_user(role).get(f"/campaigns/{made.pk}/edit/").status_code == status
    response = as_user(role).post(f"/campaigns/{made.pk}/edit/", campaign_form(audience["segment"]))
    assert response.status_code == status
    made.refresh_from_db()
    assert made.name == "Winter sun"


def test_a_launched_campaign_is_not_edited(as_user):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)

    response = as_user("marketer").get(f"/campaigns/{made.pk}/edit/", follow=True)

    assert response.redirect_chain == [(f"/campaigns/{made.pk}/", 302)]
    assert "Only a draft or scheduled campaign can be changed." in response.content.decode()


def test_the_live_preview_renders_for_a_chosen_contact_or_the_sample(as_user, audience):
    client = as_user("marketer")
    data = campaign_form(preview_language="uk")

    sample = client.post("/campaigns/content-preview/", data, **HTMX)
    chosen = client.post(
        "/campaigns/content-preview/", {**data, "preview_contact": audience["ieva"].pk}, **HTMX
    )
    broken = client.post("/campaigns/content-preview/", {**data, "text_uk": "{% if %}"}, **HTMX)

    assert sample.context["rendered"]["subject"] == "Привіт, Olena"
    assert sample.context["rendered"]["text"].startswith("Весна прийшла, Olena.")
    assert "(unsubscribe link)" in sample.context["rendered"]["text"]
    assert chosen.context["rendered"]["subject"] == "Привіт, Ieva"
    assert "The template cannot be rendered" in broken.content.decode()


# --- a campaign's page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "buttons"),
    [
        ("admin", 200, True),
        ("marketer", 200, True),
        ("analyst", 200, False),
        ("manager", 404, False),
        ("agent", 404, False),
    ],
)
def test_a_campaigns_page_per_role(as_user, audience, role, status, buttons):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    made.segment = audience["segment"]
    made.quiet_hours = {"from": "21:00", "to": "09:00"}
    made.save()

    response = as_user(role).get(f"/campaigns/{made.pk}/")

    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "Nothing goes out from 21:00 to 09:00 in each person's own time zone." in text
        assert ("Send a test to myself" in text) is buttons
        assert (f'href="/campaigns/{made.pk}/edit/"' in text) is buttons


def test_the_audience_counts_and_the_launch_confirm(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    made.segment = audience["segment"]
    made.save()

    response = as_user("marketer").get(f"/campaigns/{made.pk}/audience/", **HTMX)

    assert response.context["counts"] == {
        "eligible": 2,
        "no_consent": 1,
        "capped": 0,
        "suppressed": 0,
        "no_address": 0,
        "holdout": 0,
    }
    assert "Launch to 2 people" in response.content.decode()
    analyst = as_user("analyst").get(f"/campaigns/{made.pk}/audience/", **HTMX)
    assert "Launch to" not in analyst.content.decode()


def test_launching_from_the_page_queues_the_audience(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    made.segment = audience["segment"]
    made.save()

    response = as_user("marketer").post(f"/campaigns/{made.pk}/launch/", follow=True)

    made.refresh_from_db()
    assert made.status == CampaignStatus.SENDING
    assert Message.objects.filter(campaign=made).count() == 3
    assert "Campaign launched" in response.content.decode()
    assert as_user("analyst").post(f"/campaigns/{made.pk}/launch/").status_code == 403


def test_a_launch_without_a_segment_says_why(as_user):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)

    response = as_user("marketer").post(f"/campaigns/{made.pk}/launch/", follow=True)

    assert "Choose the segment the campaign goes to." in response.content.decode()
    made.refresh_from_db()
    assert made.status == CampaignStatus.DRAFT


def test_pause_resume_and_cancel(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)
    queued = _message(made, audience["olena"], MessageStatus.QUEUED)
    client = as_user("marketer")

    client.post(f"/campaigns/{made.pk}/pause/")
    made.refresh_from_db()
    assert made.status == CampaignStatus.PAUSED
    client.post(f"/campaigns/{made.pk}/resume/")
    made.refresh_from_db()
    assert made.status == CampaignStatus.SENDING
    client.post(f"/campaigns/{made.pk}/cancel/")
    made.refresh_from_db()
    queued.refresh_from_db()
    assert made.status == CampaignStatus.CANCELLED
    assert (queued.status, queued.reason) == (MessageStatus.SKIPPED, "cancelled")
    assert client.post(f"/campaigns/{made.pk}/explode/").status_code == 403


def test_a_test_goes_to_oneself_as_a_service_message(as_user, users):
    users["marketer"].email = "rasa@travel.example"
    users["marketer"].save()
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)
    client = as_user("marketer")

    response = client.post(f"/campaigns/{made.pk}/test/", follow=True)
    client.post(f"/campaigns/{made.pk}/test/")

    tests = list(Message.objects.filter(campaign=None).order_by("step"))
    assert [(m.source, m.step, m.channel, m.purpose) for m in tests] == [
        (f"test:{made.pk}:{users['marketer'].pk}", 0, "email", "service"),
        (f"test:{made.pk}:{users['marketer'].pk}", 1, "email", "service"),
    ]
    assert tests[0].contact.email == "rasa@travel.example"
    assert tests[0].subject == f"[Test] Hello {tests[0].contact.first_name}"
    assert "A test message is queued to you at rasa@travel.example." in response.content.decode()
    assert Message.objects.filter(campaign=made).count() == 0


def test_a_test_needs_the_users_own_address(as_user):
    made = campaign("Winter sun", status=CampaignStatus.DRAFT)

    response = as_user("marketer").post(f"/campaigns/{made.pk}/test/", follow=True)

    assert "Add your e-mail address to your profile" in response.content.decode()
    assert Message.objects.count() == 0


def test_the_messages_list_filters_by_status(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)
    _message(made, audience["olena"], MessageStatus.SENT, sent_at=timezone.now())
    _message(made, audience["taras"], MessageStatus.SKIPPED, reason="no_consent")
    client = as_user("analyst")

    everything = client.get(f"/campaigns/{made.pk}/")
    skipped = client.get(
        f"/campaigns/{made.pk}/?status=skipped", HTTP_HX_TARGET="message-results", **HTMX
    )

    assert [m.contact.first_name for m in everything.context["page"].items] == ["Taras", "Olena"]
    assert [m.contact.first_name for m in skipped.context["page"].items] == ["Taras"]
    assert "No consent for this channel and purpose" in skipped.content.decode()
    assert f'href="/contacts/{audience["taras"].pk}/"' in skipped.content.decode()


def test_the_review_buttons_settle_a_message(as_user, audience, users):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)
    handed = timezone.now() - dt.timedelta(hours=1)
    went = _message(made, audience["olena"], MessageStatus.REVIEW, handed_at=handed)
    lost = _message(made, audience["ieva"], MessageStatus.REVIEW, handed_at=handed)
    client = as_user("marketer")
    page = client.get(f"/campaigns/{made.pk}/")
    assert [m.pk for m in page.context["review"]] == [went.pk, lost.pk]
    assert f"Message #{went.pk} went out" in page.content.decode()

    client.post(f"/campaigns/messages/{went.pk}/review/", {"went_out": "yes"})
    client.post(f"/campaigns/messages/{lost.pk}/review/", {"went_out": "no"})

    went.refresh_from_db()
    lost.refresh_from_db()
    assert (went.status, went.reason, went.sent_at) == (MessageStatus.SENT, "", handed)
    assert (lost.status, lost.reason) == (MessageStatus.FAILED, "unknown_outcome")
    entry = Interaction.objects.get(contact=audience["olena"])
    assert (entry.kind, entry.actor) == ("campaign.message_sent", users["marketer"])
    assert not Interaction.objects.filter(contact=audience["ieva"]).exists()
    assert client.get(f"/campaigns/{made.pk}/").context["review"] == []


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("manager", 404), ("agent", 404)])
def test_only_those_who_work_campaigns_settle_a_message(as_user, audience, role, status):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)
    message = _message(made, audience["olena"], MessageStatus.REVIEW)

    response = as_user(role).post(f"/campaigns/messages/{message.pk}/review/", {"went_out": "yes"})

    assert response.status_code == status
    message.refresh_from_db()
    assert message.status == MessageStatus.REVIEW


def test_a_launched_campaigns_report(as_user, audience):
    made = campaign("Winter sun", status=CampaignStatus.SENDING)
    _message(made, audience["olena"], MessageStatus.SENT, sent_at=timezone.now())
    _message(made, audience["taras"], MessageStatus.SKIPPED, reason="no_consent")
    page = as_user("analyst").get(f"/campaigns/{made.pk}/")
    assert f'hx-get="/campaigns/{made.pk}/report/"' in page.content.decode()

    response = as_user("analyst").get(f"/campaigns/{made.pk}/report/", **HTMX)

    assert response.status_code == 200
    assert (response.context["report"]["sent"], response.context["skipped"]) == (
        1,
        [("No consent for this channel and purpose", 1)],
    )
    assert response.context["percent"]["treated"] == "0.00 %"
    assert "Not measured: the campaign had no holdout" in response.content.decode()
    assert as_user("manager").get(f"/campaigns/{made.pk}/report/").status_code == 404


@pytest.mark.parametrize(
    ("language", "revenue", "added", "cost"),
    [
        ("en", "12,345.60 EUR", "4,000.10 EUR", "2,500.00 EUR"),
        ("ru", "12\xa0345,60 EUR", "4\xa0000,10 EUR", "2\xa0500,00 EUR"),
    ],
)
def test_the_reports_money_is_written_as_the_readers_language_writes_it(
    as_user, audience, monkeypatch, language, revenue, added, cost
):
    made = campaign("Winter sun", status=CampaignStatus.DONE)
    figures = {
        "sent": 10, "delivered": 9, "failed": 1, "skipped": {}, "opened": 0, "clicked": 0,
        "unsubscribed": 0, "replied": 0, "conversions": 3,
        "revenue": {"amount": "12345.60", "currency": "EUR", "left_out": 0},
        "holdout": {"contacts": 2, "conversions": 0, "rate": 0.0},
        "treated": {"contacts": 10, "conversions": 3, "rate": 0.3},
        "uplift": {"rate": 0.3, "low": 0.01, "high": 0.59, "incremental_revenue": "4000.10"},
        "variants": [], "attribution_days": 14,
        "cost": {"amount": "2500.00", "currency": "EUR"}, "romi": 3.938, "incremental_romi": 0.6,
    }  # fmt: skip
    monkeypatch.setattr("rapport.campaigns.views.detail.report.campaign_report", lambda c: figures)
    client = as_user("analyst")
    client.post("/i18n/setlang/", {"language": language})

    page = client.get(f"/campaigns/{made.pk}/report/", **HTMX).content.decode()

    assert revenue in page
    assert added in page
    assert cost in page
