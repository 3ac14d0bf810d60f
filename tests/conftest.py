"""Test-wide settings: immediate tasks, a fast password hasher, plain HTTP."""

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
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
