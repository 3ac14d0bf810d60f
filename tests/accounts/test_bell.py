"""The bell: the unread count in every page's header, the poll that answers 204 when nothing
changed, the notifications page and marking read."""

import pytest

from rapport.core import notifications
from rapport.core.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kind():
    notifications.register("test.bell", lambda p: f"Call {p['who']}")


@pytest.fixture
def reader(client):
    user = UserFactory()
    client.force_login(user)
    return user


def note(user, who: str = "Ona", key: str | None = None) -> Notification:
    made = notifications.notify(user=user, kind="test.bell", params={"who": who}, key=key)
    assert made is not None
    return made


def test_every_page_shows_the_unread_count_as_text_with_a_label(client, reader):
    note(reader)
    note(reader, "Jonas")
    note(UserFactory())  # someone else's

    page = client.get("/notifications/").text

    assert 'aria-label="Notifications: 2 unread"' in page
    assert '<span class="bell-count" aria-hidden="true">2</span>' in page
    assert "Call Ona" in page
    assert "Call Jonas" in page


def test_the_poll_answers_204_while_nothing_changed_and_the_bell_when_it_did(client, reader):
    note(reader)
    _count, state = notifications.bell_state(reader)

    unchanged = client.get("/notifications/bell/", {"state": state})
    note(reader, "Jonas")
    changed = client.get("/notifications/bell/", {"state": state})

    assert (unchanged.status_code, unchanged.content) == (204, b"")
    assert changed.status_code == 200
    assert 'aria-label="Notifications: 2 unread"' in changed.text
    assert f"state={notifications.bell_state(reader)[1]}" in changed.text


def test_marking_one_read_swaps_its_row_and_tells_the_bell(client, reader):
    first = note(reader)
    note(reader, "Jonas")

    response = client.post(f"/notifications/{first.pk}/read/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert "Mark read" not in response.text
    assert notifications.unread_count(reader) == 1


def test_mark_all_read_and_no_one_marks_someone_elses(client, reader):
    note(reader)
    note(reader, "Jonas")
    theirs = note(UserFactory())

    other = client.post(f"/notifications/{theirs.pk}/read/")
    response = client.post("/notifications/read-all/")

    assert other.status_code == 404
    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    assert notifications.unread_count(reader) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, reader):
    made = notifications.notify(
        user=reader, kind="test.bell", params={"who": "Ona"}, url="/activities/7/"
    )
    assert made is not None

    response = client.get(f"/notifications/{made.pk}/open/")

    assert (response.status_code, response["Location"]) == (302, "/activities/7/")
    assert notifications.unread_count(reader) == 0
