"""Creating and changing products and categories."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import Category, Product
from rapport.core import permissions
from rapport.core.errors import Conflict
from rapport.core.money import Money
from rapport.core.text import clean_text


def _require_editor(actor: Any) -> None:
    if not permissions.allows(actor, "catalog", "change"):
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
    if current is None and data.get("price") in (None, ""):
        errors["price"] = [_("Give the price.")]
    elif "price" in data or "currency" in data or current is None:
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


def clean_category_data(data: dict[str, Any], *, current: Category | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data:
        try:
            cleaned["name"] = clean_text(data["name"], max_length=100)
        except ValidationError as exc:
            errors["name"] = list(exc.messages)
    if not cleaned.get("name", current.name if current else "") and "name" not in errors:
        errors["name"] = [_("Give the category a name.")]
    if "parent" in data:
        parent = None
        if data["parent"] not in (None, ""):
            parent = Category.objects.filter(pk=data["parent"]).first()
            if parent is None:
                errors["parent"] = [_("No such category.")]
            elif current is not None and _is_within(parent, current):
                errors["parent"] = [_("A category cannot sit inside itself.")]
        cleaned["parent"] = parent
    if errors:
        raise ValidationError(errors)
    return cleaned


def _is_within(category: Category, ancestor: Category) -> bool:
    """Whether `category` is `ancestor` or below it (the tree is shallow; walk it up)."""
    node: Category | None = category
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == ancestor.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _save_category(category: Category) -> None:
    # NULL parents are distinct to the unique constraint, so top-level names are checked here.
    twin = Category.objects.filter(parent=category.parent, name__iexact=category.name)
    if category.pk:
        twin = twin.exclude(pk=category.pk)
    if twin.exists():
        raise Conflict(_("A category with this name exists here already."), field="name")
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError as exc:
        raise Conflict(_("A category with this name exists here already."), field="name") from exc


@transaction.atomic
def category_create(*, actor: Any, data: dict[str, Any]) -> Category:
    """A new product category (administrators and marketers)."""
    _require_editor(actor)
    category = Category(**clean_category_data(data))
    _save_category(category)
    return category


@transaction.atomic
def category_update(*, actor: Any, category: Category, data: dict[str, Any]) -> Category:
    _require_editor(actor)
    for field, value in clean_category_data(data, current=category).items():
        setattr(category, field, value)
    _save_category(category)
    return category


@transaction.atomic
def category_delete(*, actor: Any, category: Category) -> None:
    """Delete a category; its products stay, uncategorised. One with subcategories stays."""
    _require_editor(actor)
    if category.children.exists():
        raise Conflict(_("Move or delete its subcategories first."), field="parent")
    category.delete()
