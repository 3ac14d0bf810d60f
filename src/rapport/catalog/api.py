"""REST endpoints for the catalog: products (tours, add-ons, services) and their categories.

Everyone signed in reads the catalog; administrators and marketers change it (the services
raise PermissionError, a 403, for anyone else).
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.catalog import services
from rapport.catalog.filters import PRODUCT_FILTERS
from rapport.catalog.models import Category, Product
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ConflictOut, ErrorOut, Id, InputSchema, ListParams, Money, Page

products_router = Router(tags=["products"])
categories_router = Router(tags=["categories"])

KindValue = Literal["tour", "addon", "service"]
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}
PRODUCT_ORDERINGS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "departure": ["departure_date", "id"],
    "-created": ["-created_at", "-id"],
}
ProductSort = Literal["name", "-name", "departure", "-created"]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- products ---------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    sku: str | None
    category: int | None
    destination: str
    departure_date: dt.date | None
    return_date: dt.date | None
    duration_nights: int | None
    hotel_category: int | None
    price: Money
    description: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductPage(Page):
    items: list[ProductOut]


class ProductIn(InputSchema):
    """A tour (destination, dates, hotel stars), an add-on or a service, with its price."""

    name: str | None = Field(None, description="Required when creating.")
    kind: KindValue | None = None
    sku: str | None = Field(None, description="Your product code; unique.")
    category: Id | None = None
    destination: str | None = None
    departure_date: dt.date | None = None
    return_date: dt.date | None = None
    hotel_category: int | None = Field(None, ge=1, le=5)
    price: Money | None = Field(None, description="Required when creating.")
    description: str | None = None
    is_active: bool | None = None


# The list's filters are the catalog page's and the export's (catalog/filters.py).
@PRODUCT_FILTERS.query_params
class ProductListParams(ListParams):
    sort: ProductSort = "name"


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "kind": product.kind,
        "name": product.name,
        "sku": product.sku,
        "category": product.category_id,
        "destination": product.destination,
        "departure_date": product.departure_date,
        "return_date": product.return_date,
        "duration_nights": product.duration_nights,
        "hotel_category": product.hotel_category,
        "price": {"amount": str(product.price), "currency": product.currency},
        "description": product.description,
        "is_active": product.is_active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _product_input(payload: ProductIn) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"price"})
    if "price" in payload.model_fields_set:
        if payload.price is None:
            data["price"] = None  # the service names the missing price
        else:
            data["price"], data["currency"] = payload.price.amount, payload.price.currency
    return data


@products_router.get("", response=ProductPage, exclude_unset=True, url_name="product_list")
def product_list(request: HttpRequest, filters: Query[ProductListParams]) -> dict[str, Any]:
    """The catalog, by name unless `sort` says otherwise."""
    products = PRODUCT_FILTERS.filter(Product.objects.all(), PRODUCT_FILTERS.strict(request.GET))
    if filters.sort == "departure":
        products = products.filter(departure_date__isnull=False)
    return page_of(
        products, ordering=PRODUCT_ORDERINGS[filters.sort], params=filters, serialize=product_json
    )


@products_router.post("", response={201: ProductOut, **WRITE_ERRORS}, url_name="product_create")
def product_create(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    """A new product (administrators and marketers); `name` and `price` are required."""
    product = services.product_create(actor=_user(request), data=_product_input(payload))
    return Status(201, product_json(product))


@products_router.get(
    "/{int:product_id}", response={200: ProductOut, 404: ErrorOut}, url_name="product_detail"
)
def product_detail(request: HttpRequest, product_id: Id) -> dict[str, Any]:
    return product_json(get_object_or_404(Product, pk=product_id))


@products_router.patch(
    "/{int:product_id}", response={200: ProductOut, **WRITE_ERRORS}, url_name="product_update"
)
def product_update(request: HttpRequest, product_id: Id, payload: ProductIn) -> dict[str, Any]:
    product = services.product_update(
        actor=_user(request),
        product=get_object_or_404(Product, pk=product_id),
        data=_product_input(payload),
    )
    return product_json(product)


@products_router.delete(
    "/{int:product_id}",
    response={200: ProductOut, 204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="product_delete",
)
def product_delete(request: HttpRequest, product_id: Id) -> Any:
    """Delete a product nobody ordered (204); one with orders or deals is taken off sale
    instead and returned (200, `is_active: false`)."""
    product = get_object_or_404(Product, pk=product_id)
    services.product_delete(actor=_user(request), product=product)
    kept = Product.objects.filter(pk=product_id).first()
    if kept is not None:
        return Status(200, product_json(kept))
    return Status(204, None)


# --- categories -------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    parent: int | None


class CategoryPage(Page):
    items: list[CategoryOut]


class CategoryIn(InputSchema):
    name: str | None = Field(None, description="Required when creating.")
    parent: Id | None = None


class CategoryListParams(ListParams):
    parent: Id | None = None
    top_level: bool = Field(False, description="Only categories without a parent.")


def category_json(category: Category) -> dict[str, Any]:
    return {"id": category.pk, "name": category.name, "parent": category.parent_id}


@categories_router.get("", response=CategoryPage, exclude_unset=True, url_name="category_list")
def category_list(request: HttpRequest, filters: Query[CategoryListParams]) -> dict[str, Any]:
    categories = Category.objects.all()
    if filters.parent:
        categories = categories.filter(parent_id=filters.parent)
    if filters.top_level:
        categories = categories.filter(parent__isnull=True)
    return page_of(categories, ordering=["name", "id"], params=filters, serialize=category_json)


@categories_router.post("", response={201: CategoryOut, **WRITE_ERRORS}, url_name="category_create")
def category_create(request: HttpRequest, payload: CategoryIn) -> Status[dict[str, Any]]:
    category = services.category_create(
        actor=_user(request), data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, category_json(category))


@categories_router.get(
    "/{int:category_id}", response={200: CategoryOut, 404: ErrorOut}, url_name="category_detail"
)
def category_detail(request: HttpRequest, category_id: Id) -> dict[str, Any]:
    return category_json(get_object_or_404(Category, pk=category_id))


@categories_router.patch(
    "/{int:category_id}", response={200: CategoryOut, **WRITE_ERRORS}, url_name="category_update"
)
def category_update(request: HttpRequest, category_id: Id, payload: CategoryIn) -> dict[str, Any]:
    category = services.category_update(
        actor=_user(request),
        category=get_object_or_404(Category, pk=category_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return category_json(category)


@categories_router.delete(
    "/{int:category_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="category_delete",
)
def category_delete(request: HttpRequest, category_id: Id) -> Status[None]:
    """Delete a category; its products stay, without a category."""
    services.category_delete(
        actor=_user(request), category=get_object_or_404(Category, pk=category_id)
    )
    return Status(204, None)
