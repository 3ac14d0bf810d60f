"""REST endpoints for the timeline: interactions logged by hand or recorded by other apps.

Visibility follows the contact: an interaction is seen (and changed) by whoever may see
(change) its contact; deleting one needs the right to delete the contact.
"""

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.contacts import selectors as contact_selectors
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, InputSchema, ListParams, Page, Timestamp
from rapport.timeline import selectors, services
from rapport.timeline.models import Interaction

router = Router(tags=["interactions"])

ChannelValue = Literal[
    "phone", "email", "sms", "messenger", "meeting", "visit", "web", "chatbot", "social",
    "note", "order", "complaint", "campaign",
]  # fmt: skip
ManualChannel = Literal["phone", "email", "sms", "messenger", "meeting", "visit", "social", "note"]
DirectionValue = Literal["inbound", "outbound", "internal"]
InteractionSort = Literal["-occurred", "occurred"]
INTERACTION_ORDERINGS: dict[str, list[str]] = {
    "-occurred": ["-occurred_at", "-id"],
    "occurred": ["occurred_at", "id"],
}
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_DURATION = 2**31 - 1


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _reader_language(request: HttpRequest) -> str | None:
    """The language summaries are worded in: the request's Accept-Language (which the locale
    middleware has activated), else the token user's interface language."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language()
    language = getattr(_user(request), "language", "")
    return language if language in dict(settings.LANGUAGES) else translation.get_language()


class InteractionOut(Schema):
    id: int
    contact: int
    channel: str
    direction: str
    occurred_at: dt.datetime
    actor: int | None
    kind: str = Field(
        description="What happened, for events written by the apps (order.placed, "
        "deal.stage_changed, …); empty for entries people wrote by hand."
    )
    params: dict[str, Any] = Field(description="The event's data; `summary` is worded from it.")
    summary: str = Field(
        description="One line in the request's language (Accept-Language, else the token "
        "user's interface language); a hand-written entry's own words."
    )
    body: str
    duration_seconds: int | None
    source_type: str | None = Field(description="app_label.model of the source object, if any.")
    source_id: int | None
    created_at: dt.datetime


class InteractionPage(Page):
    items: list[InteractionOut]


class InteractionIn(InputSchema):
    contact: Id
    channel: ManualChannel
    summary: str
    direction: DirectionValue = "outbound"
    occurred_at: Timestamp | None = Field(None, description="Default: now. Never in the future.")
    body: str = ""
    duration_seconds: int | None = Field(None, ge=0, le=MAX_DURATION)


class InteractionPatch(InputSchema):
    summary: str | None = None
    body: str | None = None


class InteractionListParams(ListParams):
    contact: Id | None = None
    channel: ChannelValue | None = None
    direction: DirectionValue | None = None
    since: Timestamp | None = Field(None, description="occurred_at ≥ since")
    until: Timestamp | None = Field(None, description="occurred_at < until")
    sort: InteractionSort = "-occurred"


def interaction_json(interaction: Interaction) -> dict[str, Any]:
    source_type = None
    if interaction.source_type_id:
        ct = ContentType.objects.get_for_id(interaction.source_type_id)  # cached per process
        source_type = f"{ct.app_label}.{ct.model}"
    return {
        "id": interaction.pk,
        "contact": interaction.contact_id,
        "channel": interaction.channel,
        "direction": interaction.direction,
        "occurred_at": interaction.occurred_at,
        "actor": interaction.actor_id,
        "kind": interaction.kind,
        "params": interaction.params,
        "summary": interaction.text,
        "body": interaction.body,
        "duration_seconds": interaction.duration_seconds,
        "source_type": source_type,
        "source_id": interaction.source_id,
        "created_at": interaction.created_at,
    }


def _interaction_or_404(request: HttpRequest, interaction_id: int) -> Interaction:
    return get_object_or_404(
        selectors.interactions_for(_user(request)).select_related("contact"), pk=interaction_id
    )


@router.get("", response=InteractionPage, exclude_unset=True, url_name="interaction_list")
def interaction_list(request: HttpRequest, filters: Query[InteractionListParams]) -> dict[str, Any]:
    """Interactions with contacts the caller may see, newest first."""
    interactions = selectors.interactions_for(_user(request))
    if filters.contact:
        interactions = interactions.filter(contact_id=filters.contact)
    if filters.channel:
        interactions = interactions.filter(channel=filters.channel)
    if filters.direction:
        interactions = interactions.filter(direction=filters.direction)
    if filters.since:
        interactions = interactions.filter(occurred_at__gte=filters.since)
    if filters.until:
        interactions = interactions.filter(occurred_at__lt=filters.until)
    with translation.override(_reader_language(request)):
        return page_of(
            interactions,
            ordering=INTERACTION_ORDERINGS[filters.sort],
            params=filters,
            serialize=interaction_json,
        )


@router.post("", response={201: InteractionOut, **WRITE_ERRORS}, url_name="interaction_create")
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Status[dict[str, Any]]:
    """Log a call, meeting, message or note with a contact."""
    user = _user(request)
    contact = contact_selectors.contacts_for(user).filter(pk=payload.contact).first()
    if contact is None:
        raise ValidationError({"contact": [_("No such contact.")]})
    data = payload.model_dump()
    del data["contact"]
    interaction = services.interaction_log(actor=user, contact=contact, **data)
    with translation.override(_reader_language(request)):
        return Status(201, interaction_json(interaction))


@router.get(
    "/{int:interaction_id}",
    response={200: InteractionOut, 404: ErrorOut},
    url_name="interaction_detail",
)
def interaction_detail(request: HttpRequest, interaction_id: Id) -> dict[str, Any]:
    interaction = _interaction_or_404(request, interaction_id)
    with translation.override(_reader_language(request)):
        return interaction_json(interaction)


@router.patch(
    "/{int:interaction_id}",
    response={200: InteractionOut, **WRITE_ERRORS},
    url_name="interaction_update",
)
def interaction_update(
    request: HttpRequest, interaction_id: Id, payload: InteractionPatch
) -> dict[str, Any]:
    """Correct the summary or details of an interaction."""
    interaction = services.interaction_update(
        actor=_user(request),
        interaction=_interaction_or_404(request, interaction_id),
        data=payload.model_dump(exclude_unset=True),
    )
    with translation.override(_reader_language(request)):
        return interaction_json(interaction)


@router.delete(
    "/{int:interaction_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="interaction_delete",
)
def interaction_delete(request: HttpRequest, interaction_id: Id) -> Status[None]:
    services.interaction_delete(
        actor=_user(request), interaction=_interaction_or_404(request, interaction_id)
    )
    return Status(204, None)
