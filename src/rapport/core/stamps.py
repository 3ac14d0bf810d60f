"""Rows of a long list, fast: a template part rendered once with a marker in place of each
value (a *stamp*), then filled in for every row with that row's values, escaped.

Django's template engine costs about the same for every variable and tag it meets, changing
or not; a list of 75 rows with two forms each spends most of a page's time there. A stamp
keeps the row's markup in the template and makes each further row one string join.

Only plain `{{ row.<name> }}` outputs become values: the part must not filter, test or loop
over them (a marker is not the value), so whatever depends on a row is worked out before.
"""

import html
from collections.abc import Mapping, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# A control character never found in rendered HTML: it bounds each marker's field number.
MARK = "\x1e"


class Stamp:
    """The part `template` (a "file.html#partial" name) rendered with `context`, where
    `row.<name>` for each of `fields` is a marker; `fill` puts a row's values in."""

    def __init__(self, template: str, fields: Sequence[str], context: Mapping[str, Any]) -> None:
        markers = {name: mark_safe(f"{MARK}{n}{MARK}") for n, name in enumerate(fields)}  # noqa: S308
        pieces = render_to_string(template, {**context, "row": markers}).split(MARK)
        self.fixed = pieces[0::2]  # the markup around the values
        self.order = [fields[int(n)] for n in pieces[1::2]]  # which value goes in each gap

    def fill(self, values: Mapping[str, Any]) -> SafeString:
        """The part for one row: `values[name]` (escaped unless marked safe) in each gap."""
        out = [self.fixed[0]]
        for name, after in zip(self.order, self.fixed[1:], strict=True):
            out += (_escaped(values[name]), after)
        return mark_safe("".join(out))  # noqa: S308 (fixed parts rendered, values escaped)


def _escaped(value: Any) -> str:
    """What `{{ value }}` puts in the page: Django's escaping (the standard library's, with
    quotes) without its lazy-string wrapper, which costs more than the escaping itself."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
