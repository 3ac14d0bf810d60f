from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_create_prints_a_token_that_authenticates(users):
    raw = _run("create", "manager", "--name", "zapier").strip()

    assert ApiToken.authenticate(raw) == users["manager"]
    assert ApiToken.objects.get().name == "zapier"


def test_list_shows_prefixes_never_values(users):
    raw = _run("create", "manager").strip()

    listing = _run("list", "manager")

    assert raw[:12] in listing
    assert raw not in listing
    assert "cli" in listing
    assert "active" in listing


def test_revoke_by_prefix_and_by_id(users):
    first = _run("create", "manager").strip()
    second = _run("create", "manager").strip()

    _run("revoke", first[:12])
    _run("revoke", str(ApiToken.objects.get(key_prefix=second[:12]).pk))

    assert ApiToken.authenticate(first) is None
    assert ApiToken.authenticate(second) is None


def test_unknown_user_or_token_is_a_clear_error(users):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        _run("create", "nobody")
    with pytest.raises(CommandError, match="No single token"):
        _run("revoke", "rpt_unknown")
