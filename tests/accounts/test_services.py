import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.accounts import services
from rapport.accounts.models import ApiToken, User
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


def test_a_deactivated_users_token_stops_working_at_once(users):
    _token, raw = services.token_create(user=users["manager"], name="web")
    users["manager"].is_active = False
    users["manager"].save(update_fields=["is_active"])

    assert ApiToken.authenticate(raw) is None


def test_authenticate_returns_the_user_as_the_orm_reads_them(users):
    _token, raw = services.token_create(user=users["manager"], name="web")

    user = ApiToken.authenticate(raw)

    expected = User.objects.get(pk=users["manager"].pk)
    assert user is not None
    assert {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert timezone.is_aware(user.date_joined)
    assert not hasattr(user, "token_pk")
    assert not hasattr(user, "token_stale")


def test_authenticate_reads_the_users_team_in_the_same_statement(users, django_assert_num_queries):
    mate, other = users["manager_mate"], users["manager2"]
    team_raw = services.token_create(user=users["manager"], name="web")[1]
    alone_raw = services.token_create(user=users["admin"], name="web")[1]
    for raw in (team_raw, alone_raw):
        ApiToken.authenticate(raw)  # last use written: the calls below only read

    with django_assert_num_queries(1):
        in_team = ApiToken.authenticate(team_raw)
        assert in_team is not None
        assert in_team.colleague_ids == sorted([users["manager"].pk, mate.pk])
    with django_assert_num_queries(1):
        alone = ApiToken.authenticate(alone_raw)
        assert alone is not None
        assert alone.colleague_ids == [users["admin"].pk]
    assert other.pk not in in_team.colleague_ids
    assert in_team.colleague_ids == User.objects.get(pk=users["manager"].pk).colleague_ids


def test_last_use_is_written_at_most_once_a_minute(users):
    token, raw = services.token_create(user=users["manager"], name="web")
    assert token.last_used_at is None

    ApiToken.authenticate(raw)
    first = ApiToken.objects.get().last_used_at
    assert first is not None

    ApiToken.authenticate(raw)
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=first - dt.timedelta(seconds=61))
    ApiToken.authenticate(raw)
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.parametrize("raw", ["", "rpt_", "rpt_unknown", "nope_" + "x" * 40, "rpt_" + "x" * 300])
def test_unknown_or_malformed_tokens_authenticate_nobody(users, raw):
    services.token_create(user=users["manager"], name="web")

    assert ApiToken.authenticate(raw) is None
