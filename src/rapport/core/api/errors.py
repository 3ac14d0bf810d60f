"""Every error the API answers, in one shape: {"detail": ..., "errors": [{"field", "message"}]}.

Services raise django ValidationError (keyed by field), Conflict (duplicates, stale versions)
or PermissionError; ninja raises its own validation, auth and HTTP errors. The handlers here
turn each into a 4xx with that body, so a client never has to parse two formats.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rapport.core.errors import Conflict
from rapport.core.pagination import InvalidCursor

# Where ninja says a bad value came from; the client only needs the field name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Every body parameter of every endpoint is called `payload` (see the routers).
_BODY_PARAM = "payload"


def error_body(detail: str, errors: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"detail": detail, "errors": [{"field": f, "message": m} for f, m in errors]}


def error_response(
    status: int, detail: str, errors: Iterable[tuple[str, str]] = (), **extra: Any
) -> JsonResponse:
    return JsonResponse({**error_body(detail, errors), **extra}, status=status)


def _field_from_loc(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == _BODY_PARAM:
            parts.pop(0)
        if not parts:
            return source
    return ".".join(parts)


# How pydantic names the member of a union that refused a value ("bool", "literal['all']").
_UNION_MEMBER = re.compile(
    r"^(bool|int|float|str|bytes|none|decimal|date|datetime|time|uuid|constrained-[a-z]+"
    r"|[a-z]+(-[a-z]+)*\[.*\])$"
)


def _query_field(loc: Iterable[Any]) -> str | None:
    """A query parameter's name. ninja flattens a query schema's fields, but an error inside
    a union ("true or all") keeps its raw path: `query.<schema param>.<name>.<member>`."""
    parts = list(loc)
    if len(parts) < 2 or parts[0] != "query":
        return None
    if len(parts) > 2 and isinstance(parts[-1], str) and _UNION_MEMBER.match(parts[-1]):
        parts.pop()
    if len(parts) > 2 and isinstance(parts[2], str):  # not a list's index
        return parts[2]
    return str(parts[1])


def validation_errors(errors: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """ninja/pydantic error dicts → (field, message) pairs with the client's field names
    (one message per query parameter: a union's members each complain otherwise)."""
    result = []
    seen_query: set[str] = set()
    for error in errors:
        message = str(error.get("msg") or _("Invalid value."))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        query = _query_field(error.get("loc", ()))
        if query is not None:
            if query in seen_query:
                continue
            seen_query.add(query)
        result.append((query or _field_from_loc(error.get("loc", ())), message))
    return result


def django_errors(exc: DjangoValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            ("" if field == NON_FIELD_ERRORS else field, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in exc.messages]


def _detail(errors: list[tuple[str, str]], fallback: str) -> str:
    if len(errors) == 1:
        field, message = errors[0]
        return f"{field}: {message}" if field else message
    return fallback


def install(api: NinjaAPI, *, describe_existing: Callable[[HttpRequest, Any], Any]) -> None:
    """Register the handlers on `api`. `describe_existing(request, obj)` returns the
    `existing` reference for a Conflict (or None when the caller may not see that record)."""

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = validation_errors(exc.errors)
        return error_response(422, _detail(errors, _("The input is not valid.")), errors)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = django_errors(exc)
        return error_response(422, _detail(errors, _("The input is not valid.")), errors)

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        errors = django_errors(exc)
        existing = describe_existing(request, exc.existing) if exc.existing is not None else None
        if exc.existing is not None and existing is None:
            # The message names the other record; someone who may not see it learns only
            # that the value is taken.
            errors = [
                (field, _("This value belongs to a record you cannot see; ask its owner."))
                for field, _message in errors
            ]
        return error_response(
            409, _detail(errors, _("This conflicts with another record.")), errors,
            existing=existing,
        )  # fmt: skip

    @api.exception_handler(PermissionError)
    def on_permission(request: HttpRequest, exc: PermissionError) -> HttpResponse:
        return error_response(403, str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, _("Not found."))

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else None
        response = error_response(
            401, message or _("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
        )
        response["WWW-Authenticate"] = 'Bearer realm="rapport"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # ninja could not parse the body; say why, without a stack trace.
            message = _("The request body must be a JSON object in UTF-8.")
            return error_response(400, message, [("body", message)])
        if exc.status_code == 403 and "CSRF" in exc.message:
            return error_response(403, _("The CSRF token is missing or wrong; reload the page."))
        return error_response(exc.status_code, exc.message)

    @api.exception_handler(InvalidCursor)
    def on_invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
        message = _("This cursor is not valid for this list; start again from the first page.")
        return error_response(422, message, [("cursor", message)])

    @api.exception_handler(ProtectedError)
    def on_protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
        # A delete that other records still need (a contact with orders or deals).
        names = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        return error_response(
            409,
            _("Other records still need this one (%(names)s); it cannot be deleted.")
            % {"names": ", ".join(names)},
        )

    @api.exception_handler(DataError)
    def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the validation let through (out of range, bad bytes).
        return error_response(422, _("A value is out of range or not valid for storage."))


@csrf_exempt  # it changes nothing; without this a POST got Django's HTML CSRF page, not a 404
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under the API that matches no endpoint, whatever the method."""
    return error_response(404, _("No such API endpoint: %(path)s") % {"path": request.path})


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
            json_response = error_response(
                405,
                _("Method %(method)s is not allowed here; use %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            json_response["Allow"] = allowed
            return json_response
        return response

    wrapper.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return wrapper


def with_json_405(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """ninja answers a wrong method in plain text; give it the common error shape."""
    result: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern, _json_405(pattern.callback), pattern.default_args, pattern.name
            )
        result.append(pattern)
    return result
