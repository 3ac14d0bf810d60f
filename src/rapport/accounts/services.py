"""Write use cases for accounts: issuing and revoking API tokens (CLI and profile page)."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import ApiToken, User
from rapport.core import permissions
from rapport.core.audit import audit_record
from rapport.core.models import AuditEntry
from rapport.core.text import clean_text


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns it with the raw value, which is shown only once."""
    errors: dict[str, list[str]] = {}
    try:
        name = clean_text(name, max_length=100)
        if not name:
            errors["name"] = [_("Name the token after what will use it, like 'website'.")]
    except ValidationError as exc:
        errors["name"] = list(exc.messages)
    if not user.is_active:
        errors["user"] = [_("This user is deactivated and cannot get API tokens.")]
    if errors:
        raise ValidationError(errors)
    token, raw = ApiToken.issue(user=user, name=name)
    audit_record(
        actor=user,
        obj=token,
        action=AuditEntry.Action.CREATE,
        changes={"name": [None, name], "key_prefix": [None, token.key_prefix]},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token at once. Its owner or an admin may; `actor=None` is the operator (CLI)."""
    if actor is not None and actor.pk != token.user_id and not permissions.is_admin(actor):
        raise PermissionError(_("You can revoke only your own API tokens."))
    if token.revoked_at is None:
        token.revoke()
        audit_record(
            actor=actor,
            obj=token,
            action=AuditEntry.Action.UPDATE,
            changes={
                "revoked_at": [None, token.revoked_at.isoformat() if token.revoked_at else None]
            },
        )
    return token


@transaction.atomic
def calendar_secret_replace(*, user: User) -> str:
    """A new secret for the user's calendar feed: the address to subscribe to changes, and the
    old one (if any) stops working at once."""
    user.calendar_secret = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_secret"])
    return user.calendar_secret


@transaction.atomic
def calendar_secret_revoke(*, user: User) -> None:
    """No feed any more: its address answers 404."""
    user.calendar_secret = None
    user.save(update_fields=["calendar_secret"])
