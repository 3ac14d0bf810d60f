"""Test-wide settings: immediate tasks, a fast password hasher, plain HTTP."""

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests judge correctness, not speed: on a loaded two-core machine (CI runs the
# suite twice, helpers run beside it) generating an input can take a second, which
# Hypothesis's default health check and per-example deadline would report as failures.
hypothesis_settings.register_profile(
    "rapport", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("rapport")


def pytest_configure(config: pytest.Config) -> None:
    from django.core.signals import setting_changed

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # An app's ready() may have defined a task (and so opened the configured backend) before
    # this runs: drop the backends made from the old setting, as override_settings would.
    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def team(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="North")


@pytest.fixture
def users(db, team):
    """One user per role; `manager` and `manager_mate` share a team, `manager2` is in another."""
    from rapport.accounts.models import Role
    from tests.factories import TeamFactory, UserFactory

    south = TeamFactory(name="South")
    return {
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "manager": UserFactory(username="manager", role=Role.SALES_MANAGER, team=team),
        "manager_mate": UserFactory(username="mate", role=Role.SALES_MANAGER, team=team),
        "manager2": UserFactory(username="manager2", role=Role.SALES_MANAGER, team=south),
        "marketer": UserFactory(username="marketer", role=Role.MARKETER),
        "agent": UserFactory(username="agent", role=Role.SERVICE_AGENT),
        "analyst": UserFactory(username="analyst", role=Role.ANALYST),
    }


@pytest.fixture
def as_user(client, users):
    """The test client logged in as the named role fixture user: as_user("analyst")."""

    def login(name: str):
        client.force_login(users[name])
        return client

    return login


class Clock:
    """What timezone.now() answers in a test: a wall-clock time in the site's zone that
    the test moves with `set("2026-01-12T10:00")`."""

    def __init__(self) -> None:
        self.now = self.at("2026-01-09T16:00")  # a Friday afternoon

    @staticmethod
    def at(text: str):
        import datetime as dt
        from zoneinfo import ZoneInfo

        return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))

    def set(self, text: str):
        self.now = self.at(text)
        return self.now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """timezone.now() answers what the test says (saves, services, scheduled checks)."""
    from django.utils import timezone

    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and staged files in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """POST, running what the view queues after commit (the immediate backend runs it)."""

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return post


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """A request in another language leaves it active in the thread after the test (Django
    does not reset it): without this, the tests after one that switched to Russian read
    Russian messages."""
    yield
    translation.deactivate()
