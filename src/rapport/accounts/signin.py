"""Sign-in forms that go through the throttle (accounts/throttle.py): the site's and the
admin's."""

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from rapport.accounts import throttle
from rapport.core.ratelimit import client_ip


class ThrottledSignIn:
    """Mixin for an AuthenticationForm: refuse throttled attempts before checking the
    password, and count failures and successes."""

    request: Any
    cleaned_data: dict[str, Any]
    throttle_message = ""  # shown by the sign-in page instead of "did not match"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password or self.request is None:
            return super().clean()  # type: ignore[misc]
        address = client_ip(self.request)
        verdict = throttle.check(username=username, address=address)
        if not verdict.allowed:
            self.throttle_message = ngettext(
                "Too many failed sign-ins. Try again in %(n)d second.",
                "Too many failed sign-ins. Try again in %(n)d seconds.",
                verdict.wait_seconds,
            ) % {"n": verdict.wait_seconds}
            raise ValidationError(self.throttle_message, code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            throttle.failed(username=username, address=address)
            raise
        throttle.succeeded(username=username, address=address)
        return cleaned


class SignInForm(ThrottledSignIn, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    pass
