"""Declarative list filters: one definition per list serves its web page, its API list and its
export, so a filter added once appears in all three (NetBox's `filtersets.py` is the model).

This module holds the filters themselves. Each filter has the query parameter(s) it reads, a
translatable label, a kind (choice, id, date range, number range, text, search, bool), a parser
that turns the raw string into a value or a clear message, and how the value narrows a
queryset; `equals`, `period_filter`, `number_range` and `from_to` build the common ones. A list
gathers its filters in a `FilterSet` (`core.filtersets`).
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Field

from rapport.core.api.schemas import Id
from rapport.core.params import parse_id as plain_id

Label = str | Promise
Choices = Callable[[], Iterable[tuple[Any, Label]]]
# How a filter narrows a queryset: (queryset, parsed value, viewer) -> queryset.
Apply = Callable[[QuerySet[Any], Any, Any], QuerySet[Any]]


class FilterError(ValueError):
    """A raw value a filter cannot use; the message is shown to the user as is."""


def _clean(raw: Any) -> str:
    return str(raw).strip()


def parse_id(raw: str) -> int:
    """A database id (`core.params.parse_id`: 1 … 2^63−1), or a message saying what is wrong."""
    number = plain_id(raw)
    if number is None:
        if raw.isascii() and raw.isdigit():
            raise FilterError(_("No such record."))
        raise FilterError(_("Give a whole number."))
    return number


def parse_day_or_time(raw: str) -> dt.date | dt.datetime:
    """A day (YYYY-MM-DD) or a time with its UTC offset (ISO 8601)."""
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            if 1900 <= day.year <= 2999:
                return day
        else:
            moment = dt.datetime.fromisoformat(raw)
            if timezone.is_aware(moment) and 1900 <= moment.year <= 2999:
                return moment
    except ValueError:
        pass
    raise FilterError(
        _("Give a date like 2026-05-01 or a time with its UTC offset, like 2026-05-01T10:00+03:00.")
    )


@dataclass(frozen=True, kw_only=True)
class Filter(ABC):
    """One filter of a list. `apply` is only called with a value (never None)."""

    name: str
    label: Label
    apply: Apply | None = None  # None only in a FilterSet with `combine`
    aliases: tuple[str, ...] = ()  # older parameter names still understood (saved links)
    description: str = ""
    in_bar: bool = True  # shown on the web page's filter bar (else only read from the URL)
    web_default: str = ""  # the value the web page and its export assume when none is given
    widget: ClassVar[str] = "text"

    def params(self) -> tuple[str, ...]:
        return (self.name,)

    @abstractmethod
    def parse(self, raw: str) -> Any:
        """The value of one raw parameter; FilterError (with a message for people) if bad."""

    def read(self, params: Mapping[str, Any]) -> tuple[Any, dict[str, str], dict[str, str]]:
        """(value or None, raw strings by parameter, error messages by parameter)."""
        raw = first_raw(params, self.name, self.aliases)
        if not raw:
            return None, {}, {}
        try:
            return self.parse(raw), {self.name: raw}, {}
        except FilterError as exc:
            return None, {self.name: raw}, {self.name: str(exc)}

    def annotation(self) -> Any:
        return str

    def schema_fields(self) -> dict[str, Any]:
        """The API query parameters this filter adds (for ninja and the OpenAPI document)."""
        return {self.name: (self.annotation() | None, Field(None, description=self.description))}

    def options(self) -> list[tuple[str, Label]]:
        return []


def first_raw(params: Mapping[str, Any], name: str, aliases: Sequence[str]) -> str:
    """The first value given for `name` or one of its `aliases`, stripped ("" if none)."""
    for key in (name, *aliases):
        value = params.get(key)
        if value not in (None, ""):
            return _clean(value)
    return ""


@dataclass(frozen=True, kw_only=True)
class ChoiceFilter(Filter):
    """One of a fixed set of values (a status, a kind)."""

    choices: Choices
    any_label: Label = ""
    # (group label, [(value, label), ...]) pairs drawn as <optgroup>s; `choices` stays flat
    groups: Callable[[], Iterable[tuple[Label, list[tuple[str, Label]]]]] | None = None
    group_in_option: bool = True  # "Email · Marketing: granted" in the closed dropdown
    widget: ClassVar[str] = "select"

    def parse(self, raw: str) -> str:
        if raw not in {str(value) for value, _label in self.choices()}:
            shown = raw.replace("\x00", "")[:50]
            raise FilterError(_("“%(value)s” is not one of the choices.") % {"value": shown})
        return raw

    def annotation(self) -> Any:
        return Literal[tuple(str(value) for value, _label in self.choices())]

    def options(self) -> list[tuple[str, Label]]:
        return [(str(value), label) for value, label in self.choices()]


@dataclass(frozen=True, kw_only=True)
class IdFilter(Filter):
    """A record's id (an owner, a source, a pipeline); `none_label` also allows "none" (not set).
    `choices` (ids and labels, read when the page is drawn) makes it a dropdown on the page."""

    choices: Choices | None = None
    any_label: Label = ""
    none_label: Label = ""
    # (group label, [(id, label), ...]) pairs drawn as <optgroup>s (stages by pipeline)
    groups: Callable[[], Iterable[tuple[Label, list[tuple[Any, Label]]]]] | None = None
    widget: ClassVar[str] = "select"

    def parse(self, raw: str) -> int | Literal["none"]:
        if self.none_label and raw == "none":
            return "none"
        return parse_id(raw)

    def annotation(self) -> Any:
        return Id | Literal["none"] if self.none_label else Id

    def schema_fields(self) -> dict[str, Any]:
        extra = ' or "none" for records without one' if self.none_label else ""
        description = self.description or f"An id{extra}."
        return {self.name: (self.annotation() | None, Field(None, description=description))}

    def options(self) -> list[tuple[str, Label]]:
        if self.choices is None:
            return []
        none = [("none", self.none_label)] if self.none_label else []
        return none + [(str(value), label) for value, label in self.choices()]


@dataclass(frozen=True, kw_only=True)
class TextFilter(Filter):
    """Free text, cut to `max_length`; `search` filters run after all the others."""

    max_length: int = 200
    truncate: bool = True  # False: a longer value is an error (a code, an exact id)
    placeholder: Label = ""
    search: bool = False
    # values to offer in a dropdown on the page (any other value is still accepted)
    suggestions: Callable[[], Iterable[str]] | None = None
    any_label: Label = ""

    @property
    def widget(self) -> str:  # type: ignore[override]
        if self.suggestions is not None:
            return "select"
        return "search" if self.search else "text"

    def parse(self, raw: str) -> str | None:
        # A NUL byte is never meaningful and PostgreSQL refuses it in a parameter.
        raw = raw.replace("\x00", "").strip()
        if not raw:
            return None
        if len(raw) > self.max_length and not self.truncate:
            raise FilterError(_("At most %(n)d characters.") % {"n": self.max_length})
        return raw[: self.max_length]

    def options(self) -> list[tuple[str, Label]]:
        return [(value, value) for value in self.suggestions()] if self.suggestions else []

    def schema_fields(self) -> dict[str, Any]:
        return {
            self.name: (
                str | None,
                # the API refuses what the page would cut short
                Field(None, max_length=self.max_length, description=self.description or None),
            )
        }


@dataclass(frozen=True, kw_only=True)
class SearchFilter(TextFilter):
    search: bool = True
    autofocus: bool = False  # the page's first field (the contact list)


@dataclass(frozen=True, kw_only=True)
class BoolFilter(Filter):
    """true/false (also 1/0, yes/no, on/off); without a value, or with "all", it is off.
    With `true_label` the page shows a dropdown (true, false, all), else a checkbox."""

    true_label: Label = ""
    false_label: Label = ""
    any_label: Label = ""

    @property
    def widget(self) -> str:  # type: ignore[override]
        return "select" if self.true_label else "checkbox"

    def parse(self, raw: str) -> bool | None:
        lowered = raw.lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
        if lowered == "all":
            return None
        raise FilterError(_("Give true or false."))

    def annotation(self) -> Any:
        return bool | Literal["all"]

    def options(self) -> list[tuple[str, Label]]:
        if not self.true_label:
            return []
        shown = [("true", self.true_label), ("false", self.false_label)]
        return [*shown, ("all", self.any_label)] if self.web_default else shown


@dataclass(frozen=True)
class Period:
    """A half-open range of time [start, end): either bound may be open (None)."""

    start: dt.datetime | None
    end: dt.datetime | None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True, kw_only=True)
class DateRangeFilter(Filter):
    """Two parameters, `after` and `before`: a day (the whole day counts, in the site's time
    zone) or a time with its offset (`before` is then exclusive). Applies a `Period`."""

    after: str
    before: str
    after_aliases: tuple[str, ...] = ()
    before_aliases: tuple[str, ...] = ()
    after_label: Label = ""
    before_label: Label = ""
    # False: a day given to `before` is excluded too (`departs_before`: departure < that day)
    before_inclusive: bool = True
    widget: ClassVar[str] = "date_range"

    def params(self) -> tuple[str, ...]:
        return (self.after, self.before)

    def parse(self, raw: str) -> dt.date | dt.datetime:
        """One bound: a day or a time with its offset."""
        return parse_day_or_time(raw)

    def read(self, params: Mapping[str, Any]) -> tuple[Any, dict[str, str], dict[str, str]]:
        raws: dict[str, str] = {}
        errors: dict[str, str] = {}
        bounds: dict[str, dt.datetime | None] = {}
        for param, aliases in (
            (self.after, self.after_aliases),
            (self.before, self.before_aliases),
        ):
            bounds[param] = None
            raw = first_raw(params, param, aliases)
            if not raw:
                continue
            raws[param] = raw
            try:
                value = self.parse(raw)
            except FilterError as exc:
                errors[param] = str(exc)
                continue
            if isinstance(value, dt.datetime):
                bounds[param] = value
            else:  # a day: from its start; up to the start of the next day
                whole_day = param == self.before and self.before_inclusive
                bounds[param] = _start_of(value + dt.timedelta(1) if whole_day else value)
        start, end = bounds[self.after], bounds[self.before]
        return (Period(start, end) if start or end else None), raws, errors

    def schema_fields(self) -> dict[str, Any]:
        what = "A day (YYYY-MM-DD, the whole day counts) or a time with its UTC offset"
        return {
            self.after: (str | None, Field(None, max_length=40, description=f"{what}: from.")),
            self.before: (
                str | None,
                Field(None, max_length=40, description=f"{what}: up to (a time: before it)."),
            ),
        }


@dataclass(frozen=True)
class NumberRange:
    """A range of numbers [low, below): either bound may be open (None)."""

    low: Decimal | None
    below: Decimal | None


@dataclass(frozen=True, kw_only=True)
class NumberRangeFilter(Filter):
    """Two parameters, `after` (at least) and `before` (less than): decimal numbers between
    `minimum` and `maximum`. Applies a `NumberRange`. Half-open so that adjacent ranges (a
    histogram's bins) never hold the same row twice."""

    after: str
    before: str
    after_label: Label = ""
    before_label: Label = ""
    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(10) ** 14
    step: str = "any"  # the page's number input step
    widget: ClassVar[str] = "number_range"

    def params(self) -> tuple[str, ...]:
        return (self.after, self.before)

    def parse(self, raw: str) -> Decimal:
        try:
            number = Decimal(raw.replace(",", ".").replace(" ", ""))
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not self.minimum <= number <= self.maximum:
            raise FilterError(
                _("Give a number from %(low)s to %(high)s.")
                % {"low": _plain(self.minimum), "high": _plain(self.maximum)}
            )
        return number

    def read(self, params: Mapping[str, Any]) -> tuple[Any, dict[str, str], dict[str, str]]:
        raws: dict[str, str] = {}
        errors: dict[str, str] = {}
        bounds: dict[str, Decimal | None] = {}
        for param in (self.after, self.before):
            bounds[param] = None
            raw = first_raw(params, param, ())
            if not raw:
                continue
            raws[param] = raw
            try:
                bounds[param] = self.parse(raw)
            except FilterError as exc:
                errors[param] = str(exc)
        low, below = bounds[self.after], bounds[self.before]
        return (
            (NumberRange(low, below) if low is not None or below is not None else None),
            raws,
            errors,
        )

    def schema_fields(self) -> dict[str, Any]:
        what = f"A number from {_plain(self.minimum)} to {_plain(self.maximum)}"
        return {
            self.after: (str | None, Field(None, max_length=40, description=f"{what}: at least.")),
            self.before: (str | None, Field(None, max_length=40, description=f"{what}: below.")),
        }


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def number_range(field_name: str) -> Apply:
    """`apply` for a NumberRangeFilter: `field_name` at least the low bound, below the other
    (rows where it is null never match a bound)."""

    def apply(queryset: QuerySet[Any], value: NumberRange, _user: Any) -> QuerySet[Any]:
        if value.low is not None:
            queryset = queryset.filter(**{f"{field_name}__gte": value.low})
        if value.below is not None:
            queryset = queryset.filter(**{f"{field_name}__lt": value.below})
        return queryset

    return apply


def from_to(name: str, label: Label, *, column: str, after: str, before: str) -> DateRangeFilter:
    """A date range on a date-time column as list pages show it: "From" and "To" day inputs,
    the older `from` / `to` parameters of saved links still understood."""
    return DateRangeFilter(
        name=name,
        label=label,
        after=after,
        before=before,
        after_aliases=("from",),
        before_aliases=("to",),
        after_label=_lazy("From"),
        before_label=_lazy("To"),
        apply=period_filter(column),
    )


def period_filter(field_name: str, *, dates: bool = False) -> Apply:
    """`apply` for a DateRangeFilter on a date-time column (`dates`: on a date column, each
    bound taken as the day it falls on in the site's time zone)."""

    def bound(moment: dt.datetime) -> dt.datetime | dt.date:
        return timezone.localtime(moment).date() if dates else moment

    def apply(queryset: QuerySet[Any], period: Period, _user: Any) -> QuerySet[Any]:
        if period.start:
            queryset = queryset.filter(**{f"{field_name}__gte": bound(period.start)})
        if period.end:
            queryset = queryset.filter(**{f"{field_name}__lt": bound(period.end)})
        return queryset

    return apply


def equals(field_name: str) -> Apply:
    """`apply` that keeps rows whose `field_name` equals the value ("none": is null)."""

    def apply(queryset: QuerySet[Any], value: Any, _user: Any) -> QuerySet[Any]:
        if value == "none":
            return queryset.filter(**{f"{field_name}__isnull": True})
        return queryset.filter(**{field_name: value})

    return apply
