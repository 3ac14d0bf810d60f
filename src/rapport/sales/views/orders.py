"""Orders: the list with filters, an order's page with its status changes, the order form."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.catalog.selectors import label_product_rows
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.forms import amount_error
from rapport.core.http import (
    Request,
    apply_errors,
    get_visible_or_404,
    int_or_none,
    page_of,
)
from rapport.core.pagination import capped_count
from rapport.sales import services
from rapport.sales.filters import ORDER_FILTERS
from rapport.sales.forms import OrderForm, OrderStatusForm
from rapport.sales.models import Order, OrderStatus
from rapport.sales.selectors import find_orders, orders_for

PAGE_SIZE = 50
COUNT_CAP = 1000
LINE_ROWS = 4
LINE_FIELDS = ["product", "description", "quantity", "unit_price", "discount"]


ORDERING = ["-order_date", "-id"]


def listed(request: Request) -> tuple[QuerySet[Order], list[str]]:
    """The orders the list shows (visible to the viewer, filtered) and their order."""
    return ORDER_FILTERS.apply(orders_for(request.user), request.GET, request.user), ORDERING


@login_required
def order_list(request: Request) -> HttpResponse:
    parsed = ORDER_FILTERS.parse(request.GET)
    orders, ordering = (
        ORDER_FILTERS.filter(orders_for(request.user), parsed, request.user),
        ORDERING,
    )
    page, cursor = page_of(
        request,
        orders.select_related("contact"),
        ordering=ordering,
        limit=PAGE_SIZE,
    )
    context: dict[str, Any] = {"page": page, "filter_fields": ORDER_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "sales/orders/list.html#rows", context)
    count, exact = capped_count(orders, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "order-results":
        return render(request, "sales/orders/list.html#results", context)
    context.update(can_create=visibility.can_create(request.user, "orders"))
    return render(request, "sales/orders/list.html", context)


@login_required
def order_options(request: Request) -> HttpResponse:
    """The order picker's options (web/combobox.html) for ?q=: an order number ("#620") or
    the customer's name, e-mail or phone; the viewer's orders only, latest first."""
    q = request.GET.get("q", "")
    orders = find_orders(request.user, q.strip(), 20) if q.strip() else []
    return render(request, "sales/orders/options.html", {"orders": orders, "q": q})


def _order(request: Request, pk: int) -> Order:
    return get_visible_or_404(orders_for(request.user).select_related("contact", "deal"), pk)


def _detail(request: Request, order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order": order,
        "lines": order.lines.select_related("product"),
        "statuses": OrderStatus.choices,
        "can_change": visibility.can(request.user, "change", order.contact),
        "can_delete": visibility.can(request.user, "delete", order.contact),
        "deal_visible": order.deal is not None and visibility.can(request.user, "view", order.deal),
        **extra,
    }


@login_required
def order_detail(request: Request, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return render(request, "sales/orders/detail.html", _detail(request, order))


@login_required
@require_POST
def order_delete(request: Request, pk: int) -> HttpResponse:
    """Delete an order entered by mistake, with its lines (its timeline entries stay)."""
    order = _order(request, pk)
    try:
        services.order_delete(actor=request.user, order=order)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Order #%(id)s deleted.") % {"id": pk})
    return redirect("sales:order_list")


@login_required
@require_POST
def order_status(request: Request, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not visibility.can(request.user, "change", order.contact):
        raise PermissionDenied
    form = OrderStatusForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a status from the list.")
    else:
        try:
            order = services.order_set_status(
                actor=request.user, order=order, status=form.cleaned_data["status"]
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        return render(
            request, "sales/orders/detail.html#status", _detail(request, order, status_error=error)
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Order status changed."))
    return redirect("sales:order_detail", pk=order.pk)


def line_rows(data: Any) -> list[dict[str, str]]:
    if data is None:
        return [{"product": "", "description": "", "quantity": "1", "unit_price": "",
                 "discount": ""} for _ in range(LINE_ROWS)]  # fmt: skip
    columns = {name: data.getlist(f"line_{name}") for name in LINE_FIELDS}
    count = min(max(len(v) for v in columns.values()), 100)
    return [
        {name: (columns[name][i] if i < len(columns[name]) else "") for name in LINE_FIELDS}
        for i in range(count)
    ]


def _filled(row: dict[str, str]) -> bool:
    return bool(row["product"] or row["description"].strip() or row["unit_price"].strip())


def _line_payload(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "product": int_or_none(row["product"]) or (-1 if row["product"] else None),
            "description": row["description"],
            "quantity": row["quantity"] or 1,
            "unit_price": row["unit_price"].strip() or None,
            "discount": row["discount"].strip() or 0,
        }
        for row in rows
        if _filled(row)
    ]


def _attach_line_errors(rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    filled = [row for row in rows if _filled(row)]
    for key, messages_ in errors.items():
        if key.startswith("lines["):
            index = int_or_none(key[len("lines[") :].split("]")[0])
            if index is not None and index < len(filled):
                filled[index]["error"] = " ".join(messages_)


@login_required
def order_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "orders"):
        raise PermissionDenied
    rows = line_rows(request.POST if request.method == "POST" else None)
    form = OrderForm(request.POST or None, initial={"contact": request.GET.get("contact", "")})
    bad_amounts = False
    for row in rows:
        error = amount_error(row["unit_price"]) or amount_error(row["discount"])
        if error:
            row["error"], bad_amounts = error, True
    if request.method == "POST" and form.is_valid() and not bad_amounts:
        data = form.cleaned_data
        contact = contacts_for(request.user).filter(pk=int_or_none(data["contact"]) or 0).first()
        if contact is None:
            form.add_error("contact", _("Choose a customer you can see."))
        elif not visibility.can(request.user, "change", contact):
            raise PermissionDenied
        else:
            try:
                order = services.order_create(
                    actor=request.user,
                    contact=contact,
                    currency=data["currency"],
                    lines=_line_payload(rows),
                    total=str(data["total"]) if data.get("total") is not None else None,
                    order_date=data.get("order_date"),
                    channel=data["channel"],
                    status=data["status"],
                    promo_code=data.get("promo_code") or "",
                )
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {}
                _attach_line_errors(rows, errors)
                apply_errors(form, exc, skip=frozenset(k for k in errors if k.startswith("lines[")))
                if "lines" in errors:
                    form.add_error(None, " ".join(errors["lines"]))
            else:
                messages.success(request, _("Order #%(id)s recorded.") % {"id": order.pk})
                return redirect("sales:order_detail", pk=order.pk)
    contact_id = int_or_none(form["contact"].value())
    rows = rows or line_rows(None)
    label_product_rows(rows)
    context = {
        "form": form,
        "rows": rows,
        "contact": contacts_for(request.user).filter(pk=contact_id).first() if contact_id else None,
    }
    return render(request, "sales/orders/form.html", context)
