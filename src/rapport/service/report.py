"""The root-cause report: which causes bring complaints, in which categories and for which
products, how satisfied the customers were, and whether each cause grows or shrinks.

One query reads the complaints the viewer may see (registered in the period) into a Polars
frame; `rapport.service.causes` does the arithmetic; this module adds the names.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DateField
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.service import causes, selectors
from rapport.service.models import ComplaintCategory, RootCause

MAX_DAYS = 10 * 366


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included, in the site's time zone."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = ZoneInfo(settings.TIME_ZONE)
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return first, after


def period(start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period asked for; by default the last twelve months, this one included."""
    end = end or timezone.localdate()
    start = start or (end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    if end < start:
        raise ValidationError({"to": [_("The end of the period comes before its start.")]})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"from": [_("Choose a period of at most ten years.")]})
    return Period(start, end)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class RootCauseReport:
    period: Period
    months: list[dt.date]
    figures: dict[str, Any]
    causes: dict[int, RootCause]
    categories: dict[int, str]
    products: dict[int, str]

    def cause_name(self, pk: int | None) -> str:
        cause = self.causes.get(pk) if pk is not None else None
        return cause.label if cause else ""

    def as_json(self) -> dict[str, Any]:
        """The API's answer (GET analytics/root-causes)."""
        figures = self.figures
        return {
            "from": self.period.start,
            "to": self.period.end,
            "complaints": figures["complaints"],
            "with_cause": figures["with_cause"],
            "causes": [
                {
                    "root_cause": row["root_cause"],
                    "name": self.cause_name(row["root_cause"]),
                    "parent": getattr(self.causes.get(row["root_cause"]), "parent_id", None),
                    "count": row["count"],
                    "csat_average": _round(row["csat_average"]),
                    "csat_answers": row["csat_answers"],
                    "trend_per_month": row["trend_per_month"],
                }
                for row in figures["causes"]
            ],
            "categories": [
                {
                    "category": row["category"],
                    "name": self.categories.get(row["category"], ""),
                    "count": row["count"],
                    "csat_average": _round(row["csat_average"]),
                }
                for row in figures["categories"]
            ],
            "products": [
                {
                    "product": row["product"],
                    "name": self.products.get(row["product"], ""),
                    "count": row["count"],
                }
                for row in figures["products"]
            ],
            "by_cause": figures["by_cause"],
            "months": [
                {**row, "month": row["month"].strftime("%Y-%m")} for row in figures["months"]
            ],
        }


def root_cause_report(user: Any, within: Period) -> RootCauseReport:
    """The report over the complaints `user` may see, registered within the period."""
    first, after = within.bounds()
    rows = (
        selectors.complaints_for(user)
        .filter(created_at__gte=first, created_at__lt=after)
        .annotate(
            month=TruncMonth(
                "created_at", output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE)
            )
        )
        .values_list("month", "root_cause_id", "category_id", "product_id", "satisfaction")
    )
    frame = pl.DataFrame(list(rows), schema=causes.SCHEMA, orient="row")
    months = causes.months_between(within.start, within.end)
    figures = causes.summarize(frame, months)
    ids = {
        name: {row[name] for row in figures[table] if row[name] is not None}
        for name, table in (("root_cause", "causes"), ("category", "categories"),
                            ("product", "products"))
    }  # fmt: skip
    return RootCauseReport(
        period=within,
        months=months,
        figures=figures,
        causes={
            c.pk: c
            for c in RootCause.objects.filter(pk__in=ids["root_cause"]).select_related("parent")
        },
        categories=dict(
            ComplaintCategory.objects.filter(pk__in=ids["category"]).values_list("pk", "name")
        ),
        products=dict(Product.objects.filter(pk__in=ids["product"]).values_list("pk", "name")),
    )
