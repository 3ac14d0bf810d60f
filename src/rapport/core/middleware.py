"""Request hygiene applied to every page and API call."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from rapport.core.dates import date_style, zone_named


def _without_nul(data: QueryDict) -> QueryDict:
    clean = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    clean._mutable = False
    return clean


class StripNulMiddleware:
    """Drop NUL characters from query strings and form fields.

    A NUL is never meaningful in a CRM field, and PostgreSQL refuses it in any text
    parameter, so without this a stray %00 in a filter would be a server error on one
    backend and not the other. Doing it once here keeps every view and endpoint safe.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get(
            "QUERY_STRING", ""
        ):
            request.GET = _without_nul(request.GET)  # type: ignore[assignment]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            post = request.POST
            if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in post.lists()):
                request.POST = _without_nul(post)  # type: ignore[assignment]
        return self.get_response(request)


class DateStyleMiddleware:
    """Show dates in the signed-in user's chosen format (rapport.core.dates) and times in
    their time zone, for the request.

    Placed after AuthenticationMiddleware. A request without a session (an API call with a
    token, a static file) costs no query: its user is anonymous and gets the site's zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def style() -> str:
            return str(getattr(request.user, "date_style", "") or "")

        # Times are shown in the user's own zone (their profile's, else the site's).
        user = request.user
        zone = getattr(user, "time_zone", "") if user.is_authenticated else ""
        timezone.activate(zone_named(zone))
        try:
            with date_style(style):
                return self.get_response(request)
        finally:
            timezone.deactivate()
