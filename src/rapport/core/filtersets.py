"""A list's filters together: a `FilterSet` is a tuple of typed filters (`core.filters`) that
parses a request's parameters (`Parsed`), narrows a queryset, draws the web filter bar
(`BoundField`) and generates the API's query schema. The web list renders its filter bar from
the set (`web/filter_bar.html`) and ignores a bad value, showing why; the API answers it with a
422 naming the parameter; the API's query schema (and so the OpenAPI document) is generated from
the same set.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import create_model

from rapport.core.filters import (
    DateRangeFilter,
    Filter,
    Label,
    NumberRangeFilter,
    TextFilter,
    first_raw,
)


@dataclass
class BoundField:
    """One filter as the web bar draws it: its raw values, options and error."""

    filter: Filter
    values: dict[str, str]
    errors: dict[str, str]

    @property
    def name(self) -> str:
        return self.filter.name

    @property
    def widget(self) -> str:
        return self.filter.widget if self.filter.in_bar else "hidden"

    @property
    def value(self) -> str:
        return self.values.get(self.filter.name, "")

    @property
    def error(self) -> str:
        return " ".join(self.errors.values())

    @property
    def parts(self) -> list[tuple[str, Label, str, str]]:
        """A date range's two inputs: (parameter, label, raw value, error)."""
        f = self.filter
        if not isinstance(f, DateRangeFilter | NumberRangeFilter):
            return []
        return [
            (param, label or f.label, self.values.get(param, ""), self.errors.get(param, ""))
            for param, label in ((f.after, f.after_label), (f.before, f.before_label))
        ]


@dataclass
class Parsed:
    """What a list was asked for: values by filter name, raw strings and errors by parameter."""

    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def raise_errors(self) -> None:
        """For the API: a bad value is a 422 naming its parameter."""
        if self.errors:
            raise ValidationError({param: [msg] for param, msg in self.errors.items()})


Combine = Callable[[QuerySet[Any], dict[str, Any], Any], QuerySet[Any]]


class FilterSet:
    """The filters of one list, in the order the web bar shows them.

    Each filter narrows the queryset with its `apply`, searches last. A list whose selector
    already filters in one call gives it as `combine` (queryset, values by name, viewer)
    instead, so that its query stays exactly what that selector builds (contacts); filters
    of such a set that have their own `apply` narrow its result further.

    An app above the list's own may `add` a filter to it from its AppConfig.ready() (the
    contact list's "no next step" comes from activities), the way it adds a section to a
    page: the lower app never imports it.
    """

    def __init__(self, *filters: Filter, combine: Combine | None = None) -> None:
        self.filters: tuple[Filter, ...] = ()
        self.combine = combine
        for f in filters:
            self.add(f)

    def add(self, added: Filter) -> None:
        """Add a filter at the end (an app's ready(): before any API schema is built from
        the set, which happens when the URLs load). Adding the same filter again is a no-op."""
        if added in self.filters:
            return
        if self.combine is None and added.apply is None:
            raise ValueError("every filter needs `apply` unless the set has `combine`")
        names = [param for f in (*self.filters, added) for param in f.params()]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate filter parameters: {names}")
        self.filters = (*self.filters, added)

    def param_names(self) -> list[str]:
        """Every query parameter the list understands (not counting old aliases)."""
        return [param for f in self.filters for param in f.params()]

    def parse(self, params: Mapping[str, Any], *, web: bool = True) -> Parsed:
        """What `params` ask for. The web page (and its export) fill in each filter's
        `web_default` when the parameter is absent; the API does not (`web=False`)."""
        parsed = Parsed()
        for f in self.filters:
            if web and f.web_default and not first_raw(params, f.name, f.aliases):
                # One value per key: `{**request.GET}` would copy a QueryDict's lists, and
                # every other filter would then read "['addon']" instead of "addon".
                params = {**{key: params.get(key) for key in params}, f.name: f.web_default}
            value, raws, errors = f.read(params)
            parsed.raw.update(raws)
            parsed.errors.update(errors)
            if value is not None:
                parsed.values[f.name] = value
        return parsed

    def strict(self, params: Mapping[str, Any]) -> Parsed:
        """For the API: parse, and answer a bad value with a 422 naming its parameter."""
        parsed = self.parse(params, web=False)
        parsed.raise_errors()
        return parsed

    def filter[M: Model](
        self, queryset: QuerySet[M], parsed: Parsed, user: Any = None
    ) -> QuerySet[M]:
        """`queryset` narrowed by every valid value; searches run last, on the narrowed rows."""
        ordered = sorted(self.filters, key=lambda f: isinstance(f, TextFilter) and f.search)
        if self.combine is not None:
            queryset = self.combine(queryset, parsed.values, user)
        for f in ordered:
            value = parsed.values.get(f.name)
            if value is not None and f.apply is not None:
                queryset = f.apply(queryset, value, user)
        return queryset

    def apply[M: Model](
        self, queryset: QuerySet[M], params: Mapping[str, Any], user: Any = None
    ) -> QuerySet[M]:
        """Parse and filter in one step; bad values are ignored (the web list shows why)."""
        return self.filter(queryset, self.parse(params), user)

    def bar(self, parsed: Parsed) -> list[BoundField]:
        """The web filter bar: one bound field per filter (those not `in_bar` only show their
        error, as a value given in the URL that the page ignores must say why)."""
        return [
            BoundField(
                f,
                {p: parsed.raw[p] for p in f.params() if p in parsed.raw},
                {p: parsed.errors[p] for p in f.params() if p in parsed.errors},
            )
            for f in self.filters
        ]

    def query_params[S: type[Schema]](self, cls: S) -> S:
        """Class decorator for an API list's query schema: `cls` (paging, `sort`) plus every
        filter of the set, so the endpoint and the OpenAPI document take exactly the
        parameters the web list and the export take."""
        fields: dict[str, Any] = {}
        for f in self.filters:
            fields.update(f.schema_fields())
        model = create_model(
            cls.__name__, __base__=cls, __module__=cls.__module__, __doc__=cls.__doc__, **fields
        )
        return cast("S", model)
