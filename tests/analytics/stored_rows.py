"""What a refresh stored, comparable between runs: every row of its tables but ids and times
(used in this process and, as source, in child processes)."""

from rapport.analytics.models import (
    CrossSellPair,
    CustomerMetrics,
    ProductMetrics,
    ReportSnapshot,
    RfmSegmentHistory,
)


def rows(model, *leave_out):
    fields = [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in {"id", "computed_at", *leave_out}
    ]
    return sorted(model.objects.values_list(*fields), key=repr)


def timeless(value):
    """A payload without the seconds a model's fit took (they differ from run to run)."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def stored():
    return {
        "metrics": rows(CustomerMetrics),
        "products": rows(ProductMetrics),
        "pairs": rows(CrossSellPair),
        "reports": [(*row[:-1], timeless(row[-1])) for row in rows(ReportSnapshot)],
        "history": rows(RfmSegmentHistory),
    }
