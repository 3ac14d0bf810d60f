"""Columns of the product list when exported to CSV or XLSX (see core/export.py).

The headers are the names the products import understands, so an exported list can be
edited in a spreadsheet and imported back (rows are matched by code).
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.core.export import Column


def product_columns() -> list[Column]:
    """Columns for products fetched with their category (select_related("category"))."""
    return [
        Column("id", lambda p: p.pk),
        Column(_("code"), lambda p: p.sku or ""),
        Column(pgettext("product", "name"), lambda p: p.name),
        Column(_("type"), lambda p: p.get_kind_display()),
        Column(_("category"), lambda p: p.category.name if p.category else ""),
        Column(_("destination"), lambda p: p.destination),
        Column(_("departure date"), lambda p: p.departure_date),
        Column(_("return date"), lambda p: p.return_date),
        Column(_("hotel stars"), lambda p: p.hotel_category),
        Column(_("price"), lambda p: p.price),
        Column(_("currency"), lambda p: p.currency),
        Column(_("on sale"), lambda p: p.is_active),
        Column(_("description"), lambda p: p.description),
    ]
