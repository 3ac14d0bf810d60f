"""Glue between HTML views and the domain: visibility lookups, service errors onto forms."""

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from rapport.core import visibility
from rapport.core.params import parse_id, parse_int


class Request(HttpRequest):
    """A request as our middleware leaves it: `.htmx` set, `.user` a logged-in user."""

    htmx: HtmxDetails
    user: Any


def get_visible_or_404[M: Model](queryset: QuerySet[M], pk: Any) -> M:
    """One object the viewer may see (the queryset is already scoped), else 404 (no leak)."""
    number = parse_id(pk)
    if number is None:
        raise Http404
    try:
        return queryset.get(pk=number)
    except ObjectDoesNotExist as exc:
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


def int_or_none(value: Any) -> int | None:
    """A query-string whole number (an id, a row index), or None for anything that is not a
    number or does not fit a 64-bit database integer (which was a server error on SQLite)."""
    return parse_int(value)


def date_or_none(value: Any) -> Any:
    """A query-string date (YYYY-MM-DD), or None when it is missing or malformed."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def page_of(
    request: Request, queryset: QuerySet[Any], *, ordering: list[str], limit: int
) -> tuple[Any, str | None]:
    """One cursor page of `queryset`; an expired or forged cursor falls back to page one."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from rapport.core.pagination import InvalidCursor, paginate

    cursor = request.GET.get("cursor") or None
    try:
        return paginate(queryset, ordering=ordering, limit=limit, cursor=cursor), cursor
    except InvalidCursor:
        messages.warning(request, _("That page link has expired; here is the first page."))
        return paginate(queryset, ordering=ordering, limit=limit, cursor=None), None
