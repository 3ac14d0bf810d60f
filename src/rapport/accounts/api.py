"""REST endpoints about the signed-in user: `GET me`, and their notifications (the bell's
messages: `GET notifications?unread=true`, `POST notifications/{id}/read`)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from rapport.core import notifications, visibility
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, ListParams, Page
from rapport.core.models import Notification

me_router = Router(tags=["me"])
notifications_router = Router(tags=["notifications"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class MeOut(Schema):
    id: int
    username: str
    role: str | None = Field(description="The role the permission rule applies to you.")
    team: int | None
    time_zone: str = Field(description="Your IANA zone (the site's when you chose none).")
    calendar_feed_url: str | None = Field(
        description="Your calendar feed to subscribe to; null until you create one."
    )


@me_router.get("", response=MeOut, url_name="me")
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user."""
    user = _user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "role": visibility.role_of(user),
        "team": user.team_id,
        "time_zone": user.zone.key,
        "calendar_feed_url": user.calendar_feed_url,
    }


class NotificationOut(Schema):
    id: int
    kind: str
    text: str = Field(
        description="One sentence in the request's language (Accept-Language, else yours)."
    )
    url: str | None = Field(description="Where it leads, a full address; null for none.")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Page):
    items: list[NotificationOut]


class NotificationListParams(ListParams):
    unread: bool | None = Field(None, description="Only unread (true) or read (false) ones.")


def _reader_language(request: HttpRequest) -> str:
    """The request's Accept-Language (the locale middleware activated it), else the user's
    interface language."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language() or settings.LANGUAGE_CODE
    language = getattr(_user(request), "language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notification_json(notification: Notification) -> dict[str, Any]:
    url = notification.url
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notifications.text(notification),
        "url": f"{settings.RAPPORT_SITE_URL}{url}" if url.startswith("/") else (url or None),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@notifications_router.get(
    "", response=NotificationPage, exclude_unset=True, url_name="notification_list"
)
def notification_list(
    request: HttpRequest, filters: Query[NotificationListParams]
) -> dict[str, Any]:
    """Your own notifications, newest first."""
    mine = Notification.objects.filter(user=_user(request))
    if filters.unread is not None:
        mine = mine.filter(read_at__isnull=filters.unread)
    with translation.override(_reader_language(request)):
        return page_of(
            mine, ordering=["-created_at", "-id"], params=filters, serialize=notification_json
        )


@notifications_router.post(
    "/{int:notification_id}/read",
    response={200: NotificationOut, 404: ErrorOut},
    url_name="notification_read",
)
def notification_read(request: HttpRequest, notification_id: Id) -> dict[str, Any]:
    """Mark one of your notifications read (the first reading's time is kept)."""
    notification = notifications.mark_read(user=_user(request), notification_id=notification_id)
    if notification is None:
        raise Http404
    with translation.override(_reader_language(request)):
        return notification_json(notification)
