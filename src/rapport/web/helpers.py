"""Glue between HTML views and the domain: visibility lookups, service errors onto forms."""

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from rapport.core import visibility


class Request(HttpRequest):
    """A request as our middleware leaves it: `.htmx` set, `.user` a logged-in user."""

    htmx: HtmxDetails
    user: Any


def get_visible_or_404[M: Model](queryset: QuerySet[M], pk: Any) -> M:
    """One object the viewer may see (the queryset is already scoped), else 404 (no leak)."""
    try:
        return queryset.get(pk=int(pk))
    except (ObjectDoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def require(user: Any, action: visibility.Action, obj: Model, **kwargs: Any) -> None:
    """Refuse a write the viewer's role or ownership does not allow with 403."""
    if not visibility.can(user, action, obj, **kwargs):
        raise PermissionDenied


def apply_errors(
    form: forms.Form,
    exc: ValidationError,
    aliases: dict[str, str | None] | None = None,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Put a service's ValidationError on the form, each message under the field it names.

    Services key errors by their input names; `aliases` maps those onto form fields
    ("custom.<key>" becomes "custom_<key>"); keys in `skip` are shown by the view itself.
    Anything else is a form-wide error.
    """
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, messages in exc.message_dict.items():
        if key in skip:
            continue
        target: str | None = aliases.get(key, key)
        if target and target.startswith("custom."):
            target = "custom_" + target.removeprefix("custom.")
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)


class PicoForm(forms.Form):
    """Marks fields with errors `aria-invalid` so Pico CSS outlines them in red."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._mark_invalid()

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
