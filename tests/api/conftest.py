"""API test helpers: a Bearer-authenticated client per user, and contacts made the real way."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rapport.accounts.models import ApiToken, User
from rapport.contacts import services
from rapport.contacts.models import Contact

API = "/api/v1"


def bearer_client(user: User) -> Client:
    _token, raw = ApiToken.issue(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_as(users) -> Callable[[str], Client]:
    """api_as("manager") → a client that calls the API with the manager's token."""
    clients: dict[str, Client] = {}

    def get(role: str) -> Client:
        if role not in clients:
            clients[role] = bearer_client(users[role])
        return clients[role]

    return get


def make_contact(actor: User, **data: Any) -> Contact:
    """A contact created through the service (e-mails, phones, search terms, audit); the
    actor owns it unless `owner=<user id>` is given."""
    data.setdefault("first_name", "Olena")
    return services.contact_create(actor=actor, data=data)
