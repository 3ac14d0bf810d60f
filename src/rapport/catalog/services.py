"""Creating and changing products and categories."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import Category, Product
from rapport.core.errors import Conflict
from rapport.core.money import Money
from rapport.core.text import clean_text

ROLES_THAT_EDIT_CATALOG = {"admin", "marketer"}


def _require_editor(actor: Any) -> None:
    role = "admin" if getattr(actor, "is_superuser", False) else getattr(actor, "role", None)
    if role not in ROLES_THAT_EDIT_CATALOG:
        raise PermissionError(_("Only administrators and marketers change the catalog."))


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def clean_product_data(data: dict[str, Any], *, current: Product | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, limit in (("name", 200), ("destination", 200), ("sku", 64)):
        if field in data:
            try:
                cleaned[field] = clean_text(data[field], max_length=limit)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if "sku" in cleaned:
        cleaned["sku"] = cleaned["sku"] or None
    if "description" in data:
        try:
            cleaned["description"] = clean_text(
                data["description"], max_length=10000, multiline=True
            )
        except ValidationError as exc:
            errors["description"] = list(exc.messages)
    if not cleaned.get("name", current.name if current else "") and "name" not in errors:
        errors["name"] = [_("Give the product a name.")]
    if "kind" in data:
        if data["kind"] not in Product.Kind.values:
            errors["kind"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Product.Kind.values)}]
        else:
            cleaned["kind"] = data["kind"]
    for field in ("departure_date", "return_date"):
        if field in data:
            cleaned[field] = _date(data[field], field, errors)
    departure = cleaned.get("departure_date", current.departure_date if current else None)
    back = cleaned.get("return_date", current.return_date if current else None)
    if departure and back and back < departure and "return_date" not in errors:
        errors["return_date"] = [_("The return cannot be before the departure.")]
    if data.get("hotel_category") not in (None, ""):
        try:
            stars = int(data["hotel_category"])
            if not 1 <= stars <= 5:
                raise ValueError
            cleaned["hotel_category"] = stars
        except (TypeError, ValueError):
            errors["hotel_category"] = [_("Give hotel stars from 1 to 5.")]
    elif "hotel_category" in data:
        cleaned["hotel_category"] = None
    if "price" in data or "currency" in data or current is None:
        currency = str(data.get("currency") or (current.currency if current else "")).upper()
        try:
            money = Money.parse(data.get("price", current.price if current else ""), currency)
            if money.amount < 0:
                errors["price"] = [_("A price cannot be negative.")]
            cleaned["price"], cleaned["currency"] = money.amount, money.currency
        except ValidationError as exc:
            field = "price" if currency and _known_currency(currency) else "currency"
            errors[field] = list(exc.messages)
    if "category" in data:
        if data["category"] in (None, ""):
            cleaned["category"] = None
        else:
            category = Category.objects.filter(pk=data["category"]).first()
            if category is None:
                errors["category"] = [_("No such category.")]
            cleaned["category"] = category
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _known_currency(code: str) -> bool:
    from rapport.core.money import CURRENCY_MINOR_UNITS

    return code in CURRENCY_MINOR_UNITS


def _save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        raise Conflict(_("Another product has this code."), field="sku") from exc


@transaction.atomic
def product_create(*, actor: Any, data: dict[str, Any]) -> Product:
    _require_editor(actor)
    product = Product(**clean_product_data(data))
    _save(product)
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, data: dict[str, Any]) -> Product:
    _require_editor(actor)
    for field, value in clean_product_data(data, current=product).items():
        setattr(product, field, value)
    _save(product)
    return product


@transaction.atomic
def product_delete(*, actor: Any, product: Product) -> None:
    """Delete a product nobody ordered; a product with history is taken off sale instead."""
    _require_editor(actor)
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:
        product.is_active = False
        product.save(update_fields=["is_active", "updated_at"])
