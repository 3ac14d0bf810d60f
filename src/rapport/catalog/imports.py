"""Importing products (tours, add-ons, services) with their categories; matched by code (SKU)."""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.catalog.models import Category, Product
from rapport.core import permissions
from rapport.core.cells import choice_code, choice_hint, parse_date
from rapport.core.imports import Counts, FieldSpec, ImportContext, Importer
from rapport.core.money import Money
from rapport.core.tabular import COMMON_ALIASES
from rapport.core.text import clean_text

ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("type", "product type", "тип", "вид", "tipas", "rūšis"),
    "name": ("name", "product", "title", "tour", "название", "назва", "тур", "товар",
             "pavadinimas", "produktas", "kelionė"),
    "sku": ("code", "sku", "product code", "article", "артикул", "код", "код товара",
            "код товару", "kodas", "prekės kodas"),
    "category": ("category", "категория", "категорія", "kategorija"),
    "destination": ("destination", "country / resort", "направление", "напрямок", "куда",
                    "куди", "kryptis", "kelionės kryptis"),
    "departure_date": ("departure", "departure date", "start date", "дата вылета",
                       "дата отправления", "дата виїзду", "дата відправлення",
                       "išvykimo data", "išvykimas"),
    "return_date": ("return", "return date", "end date", "дата возвращения",
                    "дата повернення", "grįžimo data", "grįžimas"),
    "hotel_category": ("hotel stars", "stars", "hotel category", "звёзды", "звезды",
                       "зірки", "категория отеля", "категорія готелю", "žvaigždutės"),
    "price": ("price", "cost", "цена", "стоимость", "ціна", "вартість", "kaina"),
    "currency": tuple(COMMON_ALIASES["currency"]),
    "description": ("description", "описание", "опис", "aprašymas"),
    "is_active": ("active", "on sale", "активен", "активний", "aktyvus"),
}  # fmt: skip
_KINDS = {
    "tour": "tour", "тур": "tour", "kelionė": "tour", "addon": "addon", "add-on": "addon",
    "доп": "addon", "допуслуга": "addon", "дод. послуга": "addon", "priedas": "addon",
    "service": "service", "услуга": "service", "послуга": "service", "paslauga": "service",
}  # fmt: skip
_TRUE = {"1", "true", "yes", "y", "да", "так", "taip", "+"}
_FALSE = {"0", "false", "no", "n", "нет", "ні", "ne", "-"}


def _clean_product(data: dict[str, str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def check(name: str, fn: Any) -> None:
        raw = data.get(name, "").strip()
        if raw:
            try:
                cleaned[name] = fn(raw)
            except ValidationError as exc:
                errors[name] = list(exc.messages)

    def kind(raw: str) -> str:
        value = _KINDS.get(raw.casefold()) or choice_code(Product.Kind, raw)
        if value is None:
            raise ValidationError(choice_hint(Product.Kind))
        return value

    def stars(raw: str) -> int:
        try:
            value = int(raw.replace("*", "").replace("★", "").strip())
        except ValueError:
            value = 0
        if not 1 <= value <= 5:
            raise ValidationError(_("Give hotel stars from 1 to 5."))
        return value

    def active(raw: str) -> bool:
        if raw.casefold() in _TRUE:
            return True
        if raw.casefold() in _FALSE:
            return False
        raise ValidationError(_("Enter yes or no."))

    check("kind", kind)
    check("name", lambda v: clean_text(v, max_length=200))
    check("sku", lambda v: clean_text(v, max_length=64))
    check("category", lambda v: clean_text(v, max_length=100))
    check("destination", lambda v: clean_text(v, max_length=200))
    check("departure_date", parse_date)
    check("return_date", parse_date)
    check("hotel_category", stars)
    check("description", lambda v: clean_text(v, max_length=10000, multiline=True))
    check("is_active", active)
    if not cleaned.get("name") and "name" not in errors:
        errors["name"] = [_("Give the product's name.")]
    currency = data.get("currency", "").strip().upper()
    try:
        price = Money.parse(data.get("price", ""), currency)
        if price.amount < 0:
            errors["price"] = [_("A price cannot be negative.")]
        cleaned["price"], cleaned["currency"] = price.amount, price.currency
    except ValidationError as exc:
        field_name = "currency" if currency not in _currencies() else "price"
        errors[field_name] = list(exc.messages)
    departure, back = cleaned.get("departure_date"), cleaned.get("return_date")
    if departure and back and back < departure:
        errors["return_date"] = [_("The return cannot be before the departure.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _currencies() -> set[str]:
    from rapport.core.money import CURRENCY_MINOR_UNITS

    return set(CURRENCY_MINOR_UNITS)


class ProductImporter(Importer):
    kind = "products"
    label = "Products"
    required = [["name"], ["price"], ["currency"]]

    def fields(self) -> list[FieldSpec]:
        return [
            FieldSpec(name, name.replace("_", " "), aliases) for name, aliases in ALIASES.items()
        ]

    def check_actor(self, actor: Any) -> None:
        if not permissions.allows(actor, "catalog", "create"):
            raise PermissionError(_("Only admins and marketers can import products."))

    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        counts = Counts()
        existing = {p.sku: p for p in Product.objects.exclude(sku=None)}
        categories = {c.name.casefold(): c for c in Category.objects.filter(parent=None)}
        seen_sku: dict[str, int] = {}
        for row, cells in rows:
            data = ctx.as_dict(cells)
            try:
                cleaned = _clean_product(data)
            except ValidationError as exc:
                ctx.validation_error(row, exc)
                continue
            sku = cleaned.get("sku")
            if sku is not None and sku in seen_sku:
                ctx.error(row, "sku", _("Same code as row %(r)d.") % {"r": seen_sku[sku]})
                continue
            if sku is not None:
                seen_sku[sku] = row
            category_name = cleaned.pop("category", None)
            product = existing.get(sku) if sku is not None else None
            if product is None:
                counts.created += 1
            else:
                changed = any(getattr(product, k) != v for k, v in cleaned.items())
                if not changed and not category_name:
                    counts.unchanged += 1
                    continue
                counts.updated += 1
            if not ctx.should_write:
                continue
            if category_name:
                category = categories.get(category_name.casefold())
                if category is None:
                    category = Category.objects.create(name=category_name)
                    categories[category_name.casefold()] = category
                cleaned["category"] = category
            if product is None:
                product = Product.objects.create(**cleaned)
                if sku is not None:
                    existing[sku] = product
            else:
                for key, value in cleaned.items():
                    setattr(product, key, value)
                product.save()
            ctx.advance(1)
        return counts
