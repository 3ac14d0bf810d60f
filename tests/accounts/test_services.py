import pytest
from django.core.exceptions import ValidationError

from rapport.accounts import services
from rapport.accounts.models import ApiToken
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_token_create_returns_a_working_token_stored_hashed(users):
    token, raw = services.token_create(user=users["manager"], name="  website ")

    assert token.name == "website"
    assert raw.startswith("rpt_")
    assert raw not in token.key_hash
    assert ApiToken.authenticate(raw) == users["manager"]
    assert AuditEntry.objects.filter(action="create", object_id=token.pk).count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_token_create_needs_a_sensible_name(users, name):
    with pytest.raises(ValidationError) as exc:
        services.token_create(user=users["manager"], name=name)

    assert set(exc.value.message_dict) == {"name"}
    assert not ApiToken.objects.exists()


def test_token_create_refuses_a_deactivated_user(users):
    users["manager"].is_active = False

    with pytest.raises(ValidationError) as exc:
        services.token_create(user=users["manager"], name="web")

    assert set(exc.value.message_dict) == {"user"}


def test_owner_revokes_their_token_at_once(users):
    token, raw = services.token_create(user=users["manager"], name="web")

    services.token_revoke(actor=users["manager"], token=token)

    assert ApiToken.authenticate(raw) is None
    assert ApiToken.objects.get().revoked_at is not None


def test_admin_may_revoke_anyones_token_others_may_not(users):
    token, raw = services.token_create(user=users["manager"], name="web")

    with pytest.raises(PermissionError):
        services.token_revoke(actor=users["manager_mate"], token=token)
    assert ApiToken.authenticate(raw) == users["manager"]

    services.token_revoke(actor=users["admin"], token=token)
    assert ApiToken.authenticate(raw) is None
