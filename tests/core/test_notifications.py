"""The bell's one writer: once per key, worded in the reader's language, one e-mail copy."""

import pytest
from django.core import mail
from django.utils import translation

from rapport.core import notifications
from rapport.core.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kind():
    notifications.register("test.hello", lambda p: f"Hello {p['who']}")


def test_notify_writes_one_row_per_key_however_often_it_is_called(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="o@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.notify(user=user, kind="test.hello", params={"who": "Ona"}, key="k1")
        second = notifications.notify(user=user, kind="test.hello", params={"who": "Ona"}, key="k1")

    assert first is not None
    assert second is None
    assert Notification.objects.filter(key="k1").count() == 1
    assert [m.to for m in mail.outbox] == [["o@example.com"]]


def test_the_email_copy_is_sent_at_most_once():
    user = UserFactory(email="o@example.com")
    note = Notification.objects.create(
        user=user, kind="test.hello", params={"who": "A"}, email_wanted=True
    )

    notifications.send_email.call(note.pk)
    notifications.send_email.call(note.pk)

    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_no_email_for_a_user_without_an_address(django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        note = notifications.notify(user=user, kind="test.hello", params={"who": "A"})
    assert note is not None
    assert note.email_wanted is False
    assert mail.outbox == []


def test_text_is_worded_when_read_in_the_readers_language():
    notifications.register("test.language", lambda p: f"{p['who']} in {translation.get_language()}")
    note = notifications.notify(user=UserFactory(), kind="test.language", params={"who": "Ona"})
    assert note is not None
    with translation.override("lt"):
        assert notifications.text(note) == "Ona in lt"
    with translation.override("uk"):
        assert notifications.text(note) == "Ona in uk"


def test_the_email_copy_is_worded_in_the_recipients_language():
    user = UserFactory(email="o@example.com", language="ru")
    notifications.register("test.language", lambda p: f"{p['who']} in {translation.get_language()}")
    note = notifications.notify(user=user, kind="test.language", params={"who": "Ona"}, url="/x/")
    assert note is not None
    with translation.override("en"):
        subject, body = notifications.email_body(note)
    assert subject == "Ona in ru"
    assert body.startswith("Ona in ru\n\n")
    assert body.endswith("http://127.0.0.1:8000/x/")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown notification kind"):
        notifications.notify(user=UserFactory(), kind="nobody.registered")


def test_an_inactive_user_is_not_notified():
    assert (
        notifications.notify(
            user=UserFactory(is_active=False), kind="test.hello", params={"who": "x"}
        )
        is None
    )


def test_mark_read_keeps_the_first_time_and_touches_only_own_notifications():
    owner, other = UserFactory(), UserFactory()
    note = notifications.notify(user=owner, kind="test.hello", params={"who": "x"}, email=False)
    assert note is not None

    assert notifications.mark_read(user=other, notification_id=note.pk) is None
    first = notifications.mark_read(user=owner, notification_id=note.pk)
    assert first is not None
    assert first.read_at is not None
    again = notifications.mark_read(user=owner, notification_id=note.pk)
    assert again is not None
    assert again.read_at == first.read_at
    assert notifications.unread_count(owner) == 0
