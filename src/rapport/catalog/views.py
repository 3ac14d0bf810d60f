"""The catalog: everyone reads it; administrators and marketers add and change products.

Apps above the catalog add sections to a product's page (analytics: "customers who bought
this also bought") through `register_product_panel` from their AppConfig.ready(), as they do
on the 360° contact page: the catalog never imports them."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog import selectors, services
from rapport.catalog.filters import PRODUCT_FILTERS
from rapport.catalog.forms import ProductForm
from rapport.catalog.models import Product
from rapport.core import permissions
from rapport.core.http import (
    Request,
    apply_errors,
    get_visible_or_404,
    page_of,
)
from rapport.core.pagination import capped_count

PAGE_SIZE = 50
COUNT_CAP = 1000


ORDERING = ["name", "id"]

# name → (a function giving the section's context, the template that draws it)
type ProductPanel = Callable[[Request, Product], dict[str, Any]]
PRODUCT_PANELS: dict[str, tuple[ProductPanel, str]] = {}


def register_product_panel(name: str, panel: ProductPanel, template: str) -> None:
    """Add (or replace) a section of the product page; called from an app's ready()."""
    PRODUCT_PANELS[name] = (panel, template)


def listed(request: Request) -> tuple[QuerySet[Product], list[str]]:
    """The products the list shows (the catalog is open to every role) and their order."""
    return PRODUCT_FILTERS.apply(Product.objects.all(), request.GET), ORDERING


@login_required
def product_list(request: Request) -> HttpResponse:
    parsed = PRODUCT_FILTERS.parse(request.GET)
    products, ordering = PRODUCT_FILTERS.filter(Product.objects.all(), parsed), ORDERING
    page, cursor = page_of(
        request, products.select_related("category"), ordering=ordering, limit=PAGE_SIZE
    )
    context: dict[str, Any] = {"page": page, "filter_fields": PRODUCT_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "catalog/products/list.html#rows", context)
    count, exact = capped_count(products, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "product-results":
        return render(request, "catalog/products/list.html#results", context)
    context.update(
        can_edit=permissions.allows(request.user, "catalog", "change"),
    )
    return render(request, "catalog/products/list.html", context)


def _initial(product: Product) -> dict[str, Any]:
    initial = {name: getattr(product, name) for name in ProductForm.FIELDS}
    initial["category"] = product.category_id
    initial["sku"] = product.sku or ""
    return initial


def _save(request: Request, form: ProductForm, product: Product | None) -> Product | None:
    if not form.is_valid():
        return None
    try:
        if product is None:
            return services.product_create(actor=request.user, data=form.service_data())
        return services.product_update(
            actor=request.user, product=product, data=form.service_data()
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


@login_required
def product_create(request: Request) -> HttpResponse:
    if not permissions.allows(request.user, "catalog", "change"):
        raise PermissionDenied
    form = ProductForm(request.POST or None)
    if request.method == "POST":
        product = _save(request, form, None)
        if product is not None:
            messages.success(request, _("Product %(name)s created.") % {"name": product.name})
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/products/form.html", {"form": form})


@login_required
def product_detail(request: Request, pk: int) -> HttpResponse:
    """The product; for administrators and marketers, its edit form."""
    product = get_visible_or_404(Product.objects.select_related("category"), pk)
    can_edit = permissions.allows(request.user, "catalog", "change")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ProductForm(request.POST)
        saved = _save(request, form, product)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:product_detail", pk=product.pk)
        product.refresh_from_db()
    else:
        form = ProductForm(initial=_initial(product))
    context: dict[str, Any] = {"form": form, "product": product, "can_edit": can_edit}
    for panel, _template in PRODUCT_PANELS.values():
        context.update(panel(request, product))
    context["panel_templates"] = [template for _panel, template in PRODUCT_PANELS.values()]
    return render(request, "catalog/products/form.html", context)


@login_required
def product_options(request: Request) -> HttpResponse:
    """The product picker's options for ?q= (an empty q lists the next departures)."""
    products = selectors.product_choices(request.GET.get("q", ""), today=timezone.localdate())
    return render(
        request,
        "catalog/products/options.html",
        {"products": products, "departed": selectors.DEPARTED},
    )
