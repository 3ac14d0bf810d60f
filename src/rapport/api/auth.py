"""Who is calling: a Bearer API token (integrations) or the browser session (Rapport's UI).

A request that carries an Authorization header is judged by its token alone: a bad or
revoked token is a 401 even if a session cookie comes along. Session writes must pass
Django's CSRF check, exactly like a form post.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from rapport.accounts.models import ApiToken, User

_CACHE = "_rapport_token_user"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def token_user(request: HttpRequest, raw: str) -> User | None:
    """The active user the token belongs to; looked up once per request."""
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == raw:
        return cached[1]
    user = ApiToken.authenticate(raw.strip())
    setattr(request, _CACHE, (raw, user))
    return user


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else None


class BearerToken(HttpBearer):
    """`Authorization: Bearer rpt_…` with a token from `rapport token create`."""

    def __call__(self, request: HttpRequest) -> Any:
        raw = _bearer(request)
        if raw is None:
            return None
        user = self.authenticate(request, raw)
        if user is None:
            raise AuthenticationError(message=_("This API token is not valid, or it was revoked."))
        return user

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_user(request, token)


class SessionCookie(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if _bearer(request) is not None or not _session_user(request):
            return None  # not a session request: no CSRF complaint, just "unauthenticated"
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _session_user(request)


def _session_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user
    return None


def request_user(request: HttpRequest) -> Any:
    """The caller as the endpoints will see them, or None (then the endpoint answers 401/403).

    Used by hooks that run before ninja's own auth (idempotency keys)."""
    raw = _bearer(request)
    if raw is not None:
        return token_user(request, raw)
    user = _session_user(request)
    if user is None:
        return None
    if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
        return None
    return user


API_AUTH = [BearerToken(), SessionCookie()]
