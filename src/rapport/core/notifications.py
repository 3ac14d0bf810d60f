"""In-app notifications (the bell) and their e-mail copies: the one writer and the renderers.

An app that notifies registers how its kinds read, once, from its AppConfig.ready():

    notifications.register("activities.reminder", lambda p: _("Reminder: %(subject)s") % p)

and writes with `notify(user=…, kind=…, params=…, url=…, key=…)`. The text is worded when
shown, under the reader's language (the bell, the API, the e-mail in the recipient's language),
so a Lithuanian reader never gets an English sentence stored by someone else's request.
`key` makes a notification once-only: however many workers race to deliver the same event,
one row is inserted and one e-mail is sent.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.models import Notification

log = logging.getLogger(__name__)

Renderer = Callable[[dict[str, Any]], str]
_RENDERERS: dict[str, Renderer] = {}


def register(kind: str, render: Renderer) -> None:
    """Say how notifications of `kind` read: `render(params)`, in the active language."""
    _RENDERERS[kind] = render


def text(notification: Notification) -> str:
    """The notification's sentence in the active language."""
    render = _RENDERERS.get(notification.kind)
    if render is None:  # a kind whose app is gone: say something rather than nothing
        return notification.kind
    try:
        return render(notification.params)
    except (KeyError, TypeError, ValueError):
        log.exception(
            "notification %s (%s) could not be worded", notification.pk, notification.kind
        )
        return notification.kind


def notify(
    *,
    user: Any,
    kind: str,
    params: dict[str, Any] | None = None,
    url: str = "",
    key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Tell `user` something; None when a notification with this `key` already exists (or the
    user cannot sign in). An e-mail copy goes to users with an address, after commit."""
    if kind not in _RENDERERS:
        raise ValueError(f"unknown notification kind {kind!r}: register a renderer first")
    if not user.is_active:
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                params=params or {},
                url=url,
                key=key,
                email_wanted=email and bool(user.email),
            )
    except IntegrityError:
        if key is not None and Notification.objects.filter(key=key).exists():
            return None
        raise
    if notification.email_wanted:
        transaction.on_commit(lambda: send_email.enqueue(notification.pk))
    return notification


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def bell_state(user: Any) -> tuple[int, str]:
    """(unread count, a short token that changes whenever the bell would show something else):
    one aggregate query, so the bell's poll can answer "nothing new" without rendering."""
    found = Notification.objects.filter(user=user, read_at__isnull=True).aggregate(
        count=Count("id"), newest=Max("id")
    )
    count = found["count"] or 0
    return count, f"{count}-{found['newest'] or 0}"


def mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; how many were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read (once: the first time is kept)."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def email_body(notification: Notification) -> tuple[str, str]:
    """(subject, body) of the e-mail copy, in the recipient's language."""
    language = notification.user.language or settings.LANGUAGE_CODE
    zone = getattr(notification.user, "zone", None) or timezone.get_default_timezone()
    with translation.override(language), timezone.override(zone):
        sentence = text(notification)
        link = f"{settings.RAPPORT_SITE_URL}{notification.url}" if notification.url else ""
        body = sentence + ("\n\n" + _("Open in Rapport: %(url)s") % {"url": link} if link else "")
    return sentence, body


@task()
def send_email(notification_id: int) -> None:
    """Send a notification's e-mail copy at most once: the sender that claims it sends it."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_wanted=True, email_claimed_at__isnull=True
    ).update(email_claimed_at=now)
    if not claimed:
        return
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    subject, body = email_body(notification)
    send_mail(subject, body, None, [notification.user.email])
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


@task()
def send_emails(notification_ids: list[int]) -> None:
    """The e-mail copies of many notifications written at once (a batch of reminders): one
    task for the batch rather than one per row, each copy still claimed and sent at most once."""
    for notification_id in notification_ids:
        send_email.call(notification_id)
