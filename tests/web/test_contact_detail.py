import datetime as dt

import pytest

from rapport.contacts import services
from rapport.contacts.models import ConsentEvent, ContactRelation, LifeEvent
from rapport.timeline.models import Interaction
from tests.factories import ContactFactory, InteractionFactory
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_360_page_shows_profile_formatted_phone_and_audit(as_user, users, olena):
    services.contact_update(actor=users["manager"], contact=olena, data={"city": "Одеса"})

    response = as_user("manager").get(f"/contacts/{olena.pk}/")

    assert response.status_code == 200
    assert "+380 67 123 4567" in response.text
    assert "olena@example.com" in response.text
    assert "Київ</del> → <ins>Одеса" in response.text
    assert f'href="/contacts/{olena.pk}/edit/"' in response.text


def test_read_only_role_sees_no_edit_buttons(as_user, olena):
    response = as_user("analyst").get(f"/contacts/{olena.pk}/")

    assert response.status_code == 200
    assert "/edit/" not in response.text
    assert "hx-post" not in response.text
    # the consent buttons, not the word: a factory may name the owner "Alexis Grant"
    assert ">Grant</button>" not in response.text
    assert ">Withdraw</button>" not in response.text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "consents/",
            {"channel": "email", "purpose": "marketing", "status": "granted", "source": "x"},
        ),
        ("relations/", {"kind": "spouse", "related": "1"}),
        ("life-events/", {"kind": "birthday", "date": "1990-01-01"}),
        ("timeline/", {"channel": "phone", "direction": "outbound", "summary": "Called"}),
    ],
)
def test_writes_are_403_for_read_only_and_404_for_other_team(as_user, olena, path, data):
    assert as_user("analyst").post(f"/contacts/{olena.pk}/{path}", data).status_code == 403
    assert as_user("manager2").post(f"/contacts/{olena.pk}/{path}", data).status_code == 404
    assert ConsentEvent.objects.count() == 0
    assert LifeEvent.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_other_team_gets_404_for_page_and_sections(as_user, olena):
    client = as_user("manager2")

    assert client.get(f"/contacts/{olena.pk}/").status_code == 404
    assert client.get(f"/contacts/{olena.pk}/timeline/").status_code == 404
    assert client.get(f"/contacts/{olena.pk}/consents/form/").status_code == 404
    assert client.get("/contacts/999999/").status_code == 404


def test_grant_and_withdraw_consent_through_htmx(as_user, olena):
    client = as_user("manager")

    form = client.get(
        f"/contacts/{olena.pk}/consents/form/",
        {"channel": "sms", "purpose": "marketing", "status": "granted"},
        **HTMX,
    )
    granted = client.post(
        f"/contacts/{olena.pk}/consents/",
        {
            "channel": "sms",
            "purpose": "marketing",
            "status": "granted",
            "source": "call",
            "evidence": "recording #42",
        },
        **HTMX,
    )
    withdrawn = client.post(
        f"/contacts/{olena.pk}/consents/",
        {"channel": "sms", "purpose": "marketing", "status": "withdrawn", "source": "e-mail reply"},
        **HTMX,
    )

    assert '<option value="sms" selected>' in form.text
    assert granted.status_code == 200
    assert "<html" not in granted.text
    assert "recording #42" in granted.text
    assert list(ConsentEvent.objects.values_list("status", "source").order_by("id")) == [
        ("granted", "call"),
        ("withdrawn", "e-mail reply"),
    ]
    assert 'class="consent withdrawn"' in withdrawn.text
    # the section says what was recorded, and the updated cell's status takes the focus
    assert "Consent recorded: SMS, Marketing: Withdrawn." in withdrawn.text
    assert withdrawn.text.count("data-focus") == 1


def test_consent_without_source_shows_the_error_in_the_form(as_user, olena):
    response = as_user("manager").post(
        f"/contacts/{olena.pk}/consents/",
        {"channel": "email", "purpose": "marketing", "status": "granted", "source": ""},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Say where the consent came from" in response.text
    assert ConsentEvent.objects.count() == 0
    assert response["HX-Retarget"] == "#consent-form-slot"
    # the error and help text carry the ids the field's aria-describedby names
    assert 'aria-describedby="consent_source_helptext consent_source_error"' in response.text
    assert 'id="consent_source_error"' in response.text
    assert 'aria-describedby="consent_evidence_helptext"' in response.text
    assert 'id="consent_evidence_helptext"' in response.text


def test_the_360_page_has_no_duplicate_ids(as_user, olena):
    import re
    from collections import Counter

    html = as_user("manager").get(f"/contacts/{olena.pk}/").text

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    assert "relation_kind" in ids
    assert "life_event_kind" in ids
    assert "interaction_channel" in ids
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described  # help texts are described
    assert [d for d in described for one in d.split() if one not in ids] == []


def test_add_and_remove_related_person(as_user, users, olena):
    child = ContactFactory(first_name="Ira", last_name="K", owner=users["manager"])
    client = as_user("manager")

    added = client.post(
        f"/contacts/{olena.pk}/relations/", {"kind": "child", "related": child.pk}, **HTMX
    )
    relation = ContactRelation.objects.get(contact=olena)
    inverse = ContactRelation.objects.get(contact=child)
    removed = client.post(f"/contacts/{olena.pk}/relations/{relation.pk}/remove/", **HTMX)

    assert "Ira K" in added.text
    assert inverse.kind == "parent"
    assert removed.status_code == 200
    assert ContactRelation.objects.count() == 0


def test_related_person_must_be_visible(as_user, users, olena):
    hidden = ContactFactory(owner=users["manager2"])

    response = as_user("manager").post(
        f"/contacts/{olena.pk}/relations/", {"kind": "child", "related": hidden.pk}, **HTMX
    )

    assert "Choose a person from the search results." in response.text
    assert ContactRelation.objects.count() == 0


def test_add_and_remove_life_event(as_user, olena):
    client = as_user("manager")

    bad = client.post(
        f"/contacts/{olena.pk}/life-events/", {"kind": "moved", "date": "nope"}, **HTMX
    )
    client.post(
        f"/contacts/{olena.pk}/life-events/",
        {"kind": "anniversary", "date": "2015-06-20", "note": "Весілля 💍"},
        **HTMX,
    )
    event = LifeEvent.objects.get()
    removed = client.post(f"/contacts/{olena.pk}/life-events/{event.pk}/remove/", **HTMX)

    assert "Enter a valid date." in bad.text
    assert event.note == "Весілля 💍"
    assert event.date == dt.date(2015, 6, 20)
    assert removed.status_code == 200
    assert LifeEvent.objects.count() == 0


def test_log_interaction_and_filter_timeline_by_channel(as_user, users, olena):
    client = as_user("manager")
    InteractionFactory(contact=olena, channel="email", summary="Sent the offer")

    logged = client.post(
        f"/contacts/{olena.pk}/timeline/",
        {
            "channel": "meeting",
            "direction": "inbound",
            "summary": "Chose a hotel in Antalya",
            "duration_minutes": "30",
        },
        **HTMX,
    )
    meetings = client.get(f"/contacts/{olena.pk}/timeline/", {"channel": "meeting"}, **HTMX)

    interaction = Interaction.objects.get(channel="meeting")
    assert logged.status_code == 200
    assert interaction.actor == users["manager"]
    assert interaction.duration_seconds == 1800
    assert "Chose a hotel in Antalya" in meetings.text
    assert "Sent the offer" not in meetings.text
    assert "<html" not in meetings.text


def test_log_interaction_errors_are_inline(as_user, olena):
    response = as_user("manager").post(
        f"/contacts/{olena.pk}/timeline/",
        {
            "channel": "phone",
            "direction": "outbound",
            "summary": "",
            "occurred_at": "2999-01-01T10:00",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert "Log what happened; plan future calls as activities." in response.text
    assert Interaction.objects.count() == 0


def test_timeline_pages_with_a_cursor(as_user, olena, monkeypatch):
    from rapport.timeline import views as contact_detail

    monkeypatch.setattr(contact_detail, "TIMELINE_PAGE", 1)
    InteractionFactory(
        contact=olena, summary="call-one", occurred_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    InteractionFactory(
        contact=olena, summary="call-two", occurred_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    )
    client = as_user("manager")

    page = client.get(f"/contacts/{olena.pk}/")
    cursor = page.context["timeline"].next
    older = client.get(f"/contacts/{olena.pk}/timeline/", {"cursor": cursor}, **HTMX)

    assert "call-two" in page.text
    assert "call-one" not in page.text
    assert "call-one" in older.text
