"""Importing products: categories by name, matching by code, all-or-nothing."""

import pytest

from rapport.catalog.models import Category, Product
from rapport.core.imports import import_file

HEADER = "Тип;Назва;Код;Категорія;Напрямок;Дата виїзду;Дата повернення;Зірки;Ціна;Валюта\n"


def run(actor, text, **options):
    return import_file(kind="products", data=text.encode("cp1251"), actor=actor, **options)


def test_products_are_created_with_categories_made_on_the_way(users):
    text = HEADER + (
        "тур;Анталія 7 ночей;ANT-7;Пляж;Туреччина;01.07.2025;08.07.2025;5;1250,50;EUR\n"
        "addon;Страховка;INS-1;;;;;;15;EUR\n"
    )
    result = run(users["admin"], text)
    assert (result.created, result.error_count) == (2, 0)
    tour = Product.objects.get(sku="ANT-7")
    assert (
        tour.kind,
        tour.category.name,
        tour.duration_nights,
        tour.hotel_category,
        str(tour.price),
    ) == (
        "tour",
        "Пляж",
        7,
        5,
        "1250.50",
    )
    assert Category.objects.count() == 1


def test_bad_rows_are_reported_and_nothing_is_written(users):
    Product.objects.create(name="Old", sku="OLD", price=10, currency="EUR")
    text = HEADER + (
        "tour;Good;G-1;Пляж;;;;;10;EUR\n"
        "tour;Backwards;B-1;;;08.07.2025;01.07.2025;;10;EUR\n"
        "tour;Stars;S-1;;;;;7;10;EUR\n"
        "tour;Money;M-1;;;;;;ten;EUR\n"
        "tour;Again;G-1;;;;;;10;EUR\n"
        "tour;Coin;C-1;;;;;;10;XXX\n"
    )
    result = run(users["admin"], text)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "Дата повернення", "The return cannot be before the departure."),
        (4, "Зірки", "Give hotel stars from 1 to 5."),
        (5, "Ціна", "Enter a valid amount, like 123.45."),
        (6, "Код", "Same code as row 2."),
        (7, "Валюта", "XXX is not a supported ISO 4217 currency code."),
    ]
    assert (Product.objects.count(), Category.objects.count()) == (1, 0)


def test_existing_product_is_updated_by_code(users):
    Product.objects.create(name="Old name", sku="ANT-7", price=10, currency="EUR")
    result = run(users["admin"], HEADER + "tour;New name;ANT-7;;;;;;12;EUR\n")
    assert (result.created, result.updated) == (0, 1)
    assert Product.objects.values_list("name", "price").get() == ("New name", 12)


def test_sales_manager_cannot_import_products(users):
    with pytest.raises(PermissionError):
        run(users["manager"], HEADER)
