"""Rendering a message's content for one contact, in a sandboxed template language.

Templates are written by marketers, so they run in an engine of their own: no template
loaders (no `{% include %}` or `{% extends %}` of files), no custom tag libraries, and a
context of plain strings only, so nothing can reach a model or call a method. The
unsubscribe link is only known once the message has an outbox id: the content carries
UNSUBSCRIBE_MARK in its place, which the outbox fills in when it sends."""

from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template
from django.template.base import FilterExpression, Variable, VariableNode
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from rapport.campaigns import template_subject

UNSUBSCRIBE_MARK = "%%unsubscribe_url%%"
ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, builtins=[])


@dataclass(frozen=True)
class Content:
    """`params`: the body parameters of the WhatsApp template the subject names (None when it
    names none), rendered for the person."""

    subject: str
    text: str
    html: str
    params: tuple[str, ...] | None = None


# What a campaign's template may say about its recipient (the keys of `person_context`).
PERSON_VARIABLES = ("first_name", "last_name", "full_name", "unsubscribe_url")


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
        template = template_subject.parse(subject)
        if template is None:
            return Content(
                subject=" ".join(_render(subject, context, autoescape=False).split()),
                text=text,
                html=html,
            )
        return Content(
            subject=template.head,
            text=text,
            html=html,
            params=tuple(_one_line(p, context) for p in template.params),
        )


def _one_line(source: str, context: dict[str, str]) -> str:
    # WhatsApp refuses a parameter with a line break, a tab or four spaces in a row
    return " ".join(_render(source, context, autoescape=False).split())


def _names(expression: FilterExpression) -> list[str]:
    found = [expression.var] + [arg for _f, args in expression.filters for _l, arg in args]
    return [str(v.lookups[0]) for v in found if isinstance(v, Variable) and v.lookups]


def template_parameter_errors(subject: str, known: tuple[str, ...]) -> list[str]:
    """What is wrong with the parameters of the WhatsApp template the subject names: a
    variable the message's context does not have (it would be sent empty), or a parameter
    that is empty for a person without that value (WhatsApp refuses the whole message) and
    so needs a default. Checked when the content is saved, previewed and launched."""
    template = template_subject.parse(subject)
    if template is None:
        return []
    errors = []
    nobody = dict.fromkeys(known, "")
    for number, source in enumerate(template.params, start=1):
        nodes = Template(source, engine=ENGINE).nodelist
        names = [
            n
            for node in nodes
            if isinstance(node, VariableNode)
            for n in _names(node.filter_expression)
        ]
        unknown = [name for name in names if name not in known]
        if unknown:
            errors.append(
                _("Template parameter %(n)s: no variable “%(name)s”; use one of %(known)s.")
                % {"n": number, "name": unknown[0], "known": ", ".join(known)}
            )
        elif not _one_line(source, nobody):
            errors.append(
                _(
                    "Template parameter %(n)s (%(source)s) is empty for a person without that "
                    "value, and WhatsApp refuses an empty parameter: give it a default, e.g. "
                    '{{ first_name|default:"friend" }}.'
                )
                % {"n": number, "source": source}
            )
    return errors


def _render(source: str, context: dict[str, str], *, autoescape: bool) -> str:
    template = Template(source, engine=ENGINE)
    return template.render(Context(context, autoescape=autoescape))


def fill_unsubscribe(text: str, url: str) -> str:
    return text.replace(UNSUBSCRIBE_MARK, url)
