"""Rendering a message's content for one contact, in a sandboxed template language.

Templates are written by marketers, so they run in an engine of their own: no template
loaders (no `{% include %}` or `{% extends %}` of files), no custom tag libraries, and a
context of plain strings only, so nothing can reach a model or call a method. The
unsubscribe link is only known once the message has an outbox id: the content carries
UNSUBSCRIBE_MARK in its place, which the outbox fills in when it sends."""

from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

UNSUBSCRIBE_MARK = "%%unsubscribe_url%%"
ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, builtins=[])


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


def person_context(contact: Any) -> dict[str, str]:
    """What a template may say about its recipient."""
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "unsubscribe_url": UNSUBSCRIBE_MARK,
    }


def sample_context() -> dict[str, str]:
    """A stand-in recipient, to try a template before it goes to anyone."""
    return {
        "first_name": "Olena",
        "last_name": "Kovalenko",
        "full_name": "Olena Kovalenko",
        "unsubscribe_url": UNSUBSCRIBE_MARK,
    }


def render(
    *,
    subject: str,
    body_text: str,
    body_html: str,
    context: dict[str, str],
    language: str,
    footer: bool,
) -> Content:
    """The content for one person. With `footer` (marketing), a text without the
    unsubscribe link gets a line that gives it, in the person's language."""
    with translation.override(language):
        text = _render(body_text, context, autoescape=False)
        html = _render(body_html, context, autoescape=True) if body_html else ""
        if footer and UNSUBSCRIBE_MARK not in text:
            text += "\n\n-- \n" + _("To stop receiving these messages: %(url)s") % {
                "url": UNSUBSCRIBE_MARK
            }
        if footer and html and UNSUBSCRIBE_MARK not in html:
            html += format_html(
                '<p style="font-size:small"><a href="{}">{}</a></p>',
                UNSUBSCRIBE_MARK,
                _("Unsubscribe"),
            )
        return Content(
            subject=" ".join(_render(subject, context, autoescape=False).split()),
            text=text,
            html=html,
        )


def _render(source: str, context: dict[str, str], *, autoescape: bool) -> str:
    template = Template(source, engine=ENGINE)
    return template.render(Context(context, autoescape=autoescape))


def fill_unsubscribe(text: str, url: str) -> str:
    return text.replace(UNSUBSCRIBE_MARK, url)
