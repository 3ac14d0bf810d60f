"""Sign-in throttling (accounts/throttle.py) on the site's and the admin's sign-in pages,
and the client address behind a trusted proxy."""

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from rapport.accounts import throttle
from rapport.core.models import ThrottleEvent
from rapport.core.ratelimit import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
THROTTLED = "Too many failed sign-ins. Try again in"


class Clock:
    def __init__(self, monkeypatch):
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def olena(db):
    user = UserFactory(username="olena", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(password: str, *, address: str = "203.0.113.5", path: str = "/login/",
            username: str = "olena"):  # fmt: skip
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return response, "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_sixty_quick_guesses_are_not_sixty_attempts_and_the_right_password_waits(
    olena, clock, path
):
    # when 60 wrong passwords arrive within a second
    answers = [sign_in(f"guess{i}", path=path)[0] for i in range(60)]

    # then only the first three were checked; the rest were told to wait
    assert sum(THROTTLED in a.text for a in answers) == 57
    assert ThrottleEvent.objects.count() == 3 * 3  # pair, address and account keys
    # and the right password does not work at once either
    response, signed_in = sign_in(PASSWORD, path=path)
    assert (signed_in, THROTTLED in response.text) == (False, True)
    # but does after the delay
    clock.advance(1)
    assert sign_in(PASSWORD, path=path)[1] is True


def test_delays_grow_and_ten_failures_block_the_pair_for_fifteen_minutes(olena, clock):
    waits = []
    for i in range(10):
        response, _ = sign_in(f"guess{i}")
        assert THROTTLED not in response.text
        waits.append(throttle.check(username="olena", address="203.0.113.5").wait_seconds)
        clock.advance(waits[-1] if i < 9 else 0)

    # 1 s after the 3rd failure, doubling up to a minute; after the 10th, until the first
    # failure is 15 minutes old (123 s have passed since)
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60, 15 * 60 - 123]
    response, signed_in = sign_in(PASSWORD)
    assert (signed_in, THROTTLED in response.text) == (False, True)
    clock.advance(waits[-1])
    assert sign_in(PASSWORD)[1] is True


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(olena, clock):
    # given the owner signed in from the office once
    assert sign_in(PASSWORD, address="198.51.100.7")[1] is True
    # and a guesser tries 40 passwords from 40 addresses
    for i in range(40):
        sign_in(f"guess{i}", address=f"192.0.2.{i}")
    # then the owner signs in from the office at once
    assert sign_in(PASSWORD, address="198.51.100.7")[1] is True
    # a new address waits a growing delay, never more than a minute, then gets in
    response, signed_in = sign_in(PASSWORD, address="203.0.113.99")
    assert (signed_in, THROTTLED in response.text) == (False, True)
    clock.advance(60)
    assert sign_in(PASSWORD, address="203.0.113.99")[1] is True


def test_one_address_spraying_many_accounts_is_stopped(olena, clock):
    for i in range(30):
        response, _ = sign_in("Winter2026!", username=f"user{i}")
        assert THROTTLED not in response.text

    response, signed_in = sign_in(PASSWORD)

    assert (signed_in, THROTTLED in response.text) == (False, True)
    assert sign_in(PASSWORD, address="203.0.113.6")[1] is True


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "10.0.0.2", "1.2.3.4", "10.0.0.2"),  # no proxy configured: the header is ignored
        (["10.0.0.0/8"], "192.0.2.9", "1.2.3.4", "192.0.2.9"),  # not from a trusted proxy
        (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", "1.2.3.4"),  # spoofed left
        (["10.0.0.0/8", "::1/128"], "::1", "2001:db8::1", "2001:db8::1"),
        (["10.0.0.0/8"], "10.0.0.2", "not-an-address", "10.0.0.2"),
        (["10.0.0.0/8"], "10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_the_client_address_behind_a_trusted_proxy(settings, trusted, remote, forwarded, expected):
    settings.RAPPORT_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_throttling_counts_the_forwarded_client_behind_a_proxy(olena, clock, settings):
    settings.RAPPORT_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(password: str, client_address: str) -> str:
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address)
        return client.post("/login/", {"username": "olena", "password": password}).text

    for i in range(3):
        via_proxy(f"guess{i}", "192.0.2.1")

    assert THROTTLED in via_proxy("guess", "192.0.2.1")
    assert THROTTLED not in via_proxy("guess", "192.0.2.2")
