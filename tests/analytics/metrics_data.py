"""Stored customer metrics written directly, for tests of what pages and lists do with them
(the refresh that computes them is tested in test_refresh.py)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.analytics.models import CustomerMetrics, ProductMetrics

AS_OF = dt.date(2026, 1, 31)


def make_metrics(contact: Any, **fields: Any) -> CustomerMetrics:
    """A metrics row for `contact` as of AS_OF; `fields` override the plain defaults."""
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "computed_at": timezone.now(),
        "currency": "EUR",
        "orders": 1,
        "first_purchase": dt.date(2025, 6, 1),
        "last_purchase": dt.date(2025, 6, 1),
        "recency_days": 244,
        "frequency": 0,
        "T_days": 244,
        "total_revenue": Decimal("100.00"),
        "monetary": Decimal("0.00"),
        "r_score": 3,
        "f_score": 1,
        "m_score": 3,
        "rfm_segment": "about_to_sleep",
        "abc_class": "B",
        "xyz_class": "Y",
    }
    values.update(fields)
    return CustomerMetrics.objects.create(contact=contact, **values)


def make_product_metrics(product: Any, **fields: Any) -> ProductMetrics:
    """A product's metrics row as of AS_OF; `fields` override the plain defaults."""
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "computed_at": timezone.now(),
        "currency": "EUR",
        "revenue": Decimal("100.00"),
        "orders": 1,
        "customers": 1,
        "abc_class": "C",
        "xyz_class": "Z",
    }
    values.update(fields)
    return ProductMetrics.objects.create(product=product, **values)
