"""A WhatsApp template named in a message's subject, with the values of its body parameters.

Outside WhatsApp's 24-hour window a business may only send a template Meta approved; its body
has numbered placeholders {{1}}, {{2}}… that the sender fills in. A campaign's (or a
scenario's) message says which template and how to fill it in its subject:

    template:NAME[:LANGUAGE] {{ variable }} {{ variable|default:"…" }} …

one `{{ … }}` per body parameter, in the template's order, written in the same template
language as the message (so `{{ first_name|default:"friend" }}` works). Without LANGUAGE the
template goes in the message's language (the contact's). Anything else after the name is an
error, reported when the content is saved or previewed, never when it is sent.

Parsing is here, without Django's template engine; rendering and the checks that need the
engine (unknown variables, values that may be empty) are in campaigns/content.py."""

import re
from dataclasses import dataclass

from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _

PREFIX = "template:"
# Meta's template names are lower-case letters, digits and underscores; language codes are
# "en", "pt_BR"… (older names with capitals are let through: Meta answers for them).
_HEAD = re.compile(
    r"template:(?P<name>[A-Za-z0-9_]+)(?::(?P<language>[A-Za-z]{2,3}(?:_[A-Za-z]{2,4})?))?"
)
_PARAMETER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class SubjectError(TemplateSyntaxError):
    """A subject that starts as a template but is not `template:NAME[:LANGUAGE] {{ … }}…`.
    A TemplateSyntaxError, so every place that checks content reports it the same way."""


@dataclass(frozen=True)
class TemplateSubject:
    """`name` and `language` ("" for the message's own) of the approved template, and the
    source of each body parameter, in order."""

    name: str
    language: str
    params: tuple[str, ...]

    @property
    def head(self) -> str:
        """The subject as the message keeps it: the template without its parameters."""
        return PREFIX + self.name + (f":{self.language}" if self.language else "")


def parse(subject: str) -> TemplateSubject | None:
    """The template the subject names, or None when it names none; a SubjectError when it
    starts with "template:" but is not written as above."""
    text = subject.strip()
    if not text.startswith(PREFIX):
        return None
    head = _HEAD.match(text)
    if head is None:
        raise SubjectError(
            _("Write the template's name after “template:” (letters, digits and underscores).")
        )
    rest = text[head.end() :]
    if rest and not rest[0].isspace() and not rest.startswith("{{"):
        raise SubjectError(
            _("“%(text)s” is not a template name with an optional language (e.g. en, pt_BR).")
            % {"text": text.split()[0]}
        )
    leftover = _PARAMETER.sub(" ", rest).strip()
    if leftover:
        raise SubjectError(
            _(
                "After the template's name give only its parameters, each as {{ variable }}; "
                "“%(text)s” is neither."
            )
            % {"text": leftover[:60]}
        )
    return TemplateSubject(
        name=head["name"], language=head["language"] or "", params=tuple(_PARAMETER.findall(rest))
    )
