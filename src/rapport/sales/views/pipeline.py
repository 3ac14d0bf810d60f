"""The pipeline: a Kanban board per pipeline (drag and drop, or the keyboard "Move to…" menu),
the deal list, a deal's page with its stage history, and the new-deal form."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.catalog.selectors import label_product_rows
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.core.forms import amount_error, owner_choices
from rapport.core.http import (
    Request,
    apply_errors,
    get_visible_or_404,
    int_or_none,
    page_of,
)
from rapport.core.pagination import capped_count
from rapport.sales import services
from rapport.sales.filters import DEAL_FILTERS
from rapport.sales.forms import DealForm, MoveForm
from rapport.sales.models import Deal, DealStageChange, LostReason, Pipeline, Stage
from rapport.sales.selectors import deals_for, orders_for
from rapport.sales.views.deal_orders import linkable_orders

CARDS_PER_COLUMN = 100
# Won and lost columns show recent closes only: the board is for work in progress.
CLOSED_WINDOW = dt.timedelta(days=30)
PAGE_SIZE = 50
COUNT_CAP = 1000
PRODUCT_ROWS = 3


@dataclass
class Column:
    stage: Stage
    deals: list[Deal]
    count: int = 0
    totals: list[tuple[str, Decimal]] = field(default_factory=list)


def _pipeline(request: Request) -> Pipeline | None:
    chosen = int_or_none(request.GET.get("pipeline") or request.POST.get("pipeline"))
    pipelines = Pipeline.objects.all()
    if chosen:
        pipeline = pipelines.filter(pk=chosen).first()
        if pipeline is not None:
            return pipeline
    return pipelines.filter(is_default=True).first() or pipelines.first()


def board_context(request: Request, pipeline: Pipeline | None) -> dict[str, Any]:
    """The columns of one pipeline's board with the deals the viewer may see."""
    owner = int_or_none(request.GET.get("owner") or request.POST.get("board_owner"))
    if pipeline is None:
        return {"pipeline": None, "columns": [], "owner": owner}
    now = timezone.now()
    deals = deals_for(request.user).filter(pipeline=pipeline)
    if owner:
        deals = deals.filter(owner_id=owner)
    deals = deals.filter(Q(stage__kind=Stage.Kind.OPEN) | Q(closed_at__gte=now - CLOSED_WINDOW))
    stages = list(pipeline.stages.order_by("position", "id"))
    sums: dict[int, list[tuple[str, Decimal]]] = {}
    counts: dict[int, int] = {}
    for row in (
        deals.values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("stage_id", "currency")
    ):
        sums.setdefault(row["stage_id"], []).append((row["currency"], row["total"] or Decimal(0)))
        counts[row["stage_id"]] = counts.get(row["stage_id"], 0) + row["n"]
    columns = []
    for stage in stages:
        cards = list(
            deals.filter(stage=stage)
            .select_related("contact", "owner")
            .order_by("stage_entered_at", "id")[:CARDS_PER_COLUMN]
        )
        for deal in cards:
            deal.days_in_stage = max(0, (now - deal.stage_entered_at).days)  # type: ignore[attr-defined]
        columns.append(
            Column(stage, cards, count=counts.get(stage.pk, 0), totals=sums.get(stage.pk, []))
        )
    return {
        "pipeline": pipeline,
        "columns": columns,
        "stages": stages,
        "owner": owner,
        "lost_reasons": LostReason.objects.filter(is_active=True),
        "can_move": visibility.can_create(request.user, "deals"),
    }


@login_required
def board(request: Request) -> HttpResponse:
    pipeline = _pipeline(request)
    context = board_context(request, pipeline)
    if request.htmx and request.htmx.target == "board":
        return render(request, "sales/deals/board.html#board", context)
    context.update(pipelines=Pipeline.objects.all(), owners=owner_choices())
    return render(request, "sales/deals/board.html", context)


def _safe_next(request: Request) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@login_required
@require_POST
def deal_move(request: Request, pk: int) -> HttpResponse:
    """Move a deal to a stage. HTMX gets the board back (with what happened on top);
    a plain form post goes back where it came from."""
    deal = get_visible_or_404(deals_for(request.user), pk)
    if not visibility.can(request.user, "change", deal):
        raise PermissionDenied
    form = MoveForm(request.POST)
    notice: tuple[str, str] | None = None
    order = None
    stale = False
    if not form.is_valid():
        notice = ("error", _("Choose a stage and, to lose a deal, a reason from the list."))
    else:
        stage = Stage.objects.filter(pk=form.cleaned_data["stage"]).first()
        try:
            if stage is None:
                raise ValidationError({"stage": [_("No such stage.")]})
            deal = services.deal_move_stage(
                actor=request.user,
                deal=deal,
                stage=stage,
                lost_reason=form.cleaned_data.get("lost_reason"),
                lost_note=form.cleaned_data.get("lost_note") or "",
                expected_version=form.cleaned_data.get("version"),
            )
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict:
            stale = True
            notice = (
                "warning",
                _("Someone moved “%(deal)s” meanwhile; the board now shows where it is.")
                % {"deal": deal.title},
            )
        except ValidationError as exc:
            notice = ("error", " ".join(exc.messages))
        else:
            notice = (
                "success",
                _("“%(deal)s” moved to %(stage)s.") % {"deal": deal.title, "stage": stage},
            )
            order = orders_for(request.user).filter(deal=deal).first()
            if order is not None and stage is not None and stage.kind == Stage.Kind.WON:
                notice = (
                    "success",
                    _("“%(deal)s” won: order #%(order)s recorded.")
                    % {"deal": deal.title, "order": order.pk},
                )
            else:
                order = None
    if not request.htmx:
        assert notice is not None
        getattr(messages, notice[0])(request, notice[1])
        return redirect(_safe_next(request) or f"/pipeline/?pipeline={deal.pipeline_id}")
    context = board_context(request, deal.pipeline)
    context.update(notice=notice, won_order=order, stale=stale)
    return render(request, "sales/deals/board.html#board", context)


# --- list ------------------------------------------------------------------------------------


DEAL_ORDERING = ["-created_at", "-id"]


def listed_deals(request: Request) -> tuple[QuerySet[Deal], list[str]]:
    """The deals the list shows (visible to the viewer, filtered) and their order."""
    return DEAL_FILTERS.apply(deals_for(request.user), request.GET, request.user), DEAL_ORDERING


@login_required
def deal_list(request: Request) -> HttpResponse:
    parsed = DEAL_FILTERS.parse(request.GET)
    deals = DEAL_FILTERS.filter(deals_for(request.user), parsed, request.user)
    ordering = DEAL_ORDERING
    page, cursor = page_of(
        request,
        deals.select_related("contact", "stage", "pipeline", "owner", "lost_reason"),
        ordering=ordering,
        limit=PAGE_SIZE,
    )
    context: dict[str, Any] = {"page": page, "filter_fields": DEAL_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "sales/deals/list.html#rows", context)
    count, exact = capped_count(deals, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "deal-results":
        return render(request, "sales/deals/list.html#results", context)
    context.update(can_create=visibility.can_create(request.user, "deals"))
    return render(request, "sales/deals/list.html", context)


# --- detail ----------------------------------------------------------------------------------


def stage_history(deal: Deal) -> list[dict[str, Any]]:
    """Each stage the deal entered, with how long it stayed (the current one: until now)."""
    changes = list(
        DealStageChange.objects.filter(deal=deal)
        .select_related("to_stage", "by")
        .order_by("at", "id")
    )
    rows = []
    for i, change in enumerate(changes):
        if i + 1 < len(changes):
            seconds = changes[i + 1].seconds_in_previous
            current = False
        else:
            seconds = max(0, int((timezone.now() - change.at).total_seconds()))
            current = deal.stage.kind == Stage.Kind.OPEN
        rows.append({"change": change, "seconds": seconds, "current": current})
    return rows


@login_required
def deal_detail(request: Request, pk: int) -> HttpResponse:
    deal = get_visible_or_404(
        deals_for(request.user).select_related(
            "contact", "company", "stage", "pipeline", "owner", "lost_reason", "lead"
        ),
        pk,
    )
    order = orders_for(request.user).filter(deal=deal).first()
    context = {
        "deal": deal,
        "products": deal.products.select_related("product"),
        "history": stage_history(deal),
        "order": order,
        "can_change": visibility.can(request.user, "change", deal),
        "can_delete": visibility.can(request.user, "delete", deal),
        "stages": deal.pipeline.stages.order_by("position", "id"),
        "lost_reasons": LostReason.objects.filter(is_active=True),
        "lead_visible": deal.lead is not None and visibility.can(request.user, "view", deal.lead),
    }
    if order is None and context["can_change"]:
        context["linkable_orders"] = linkable_orders(request.user, deal)
    return render(request, "sales/deals/detail.html", context)


@login_required
@require_POST
def deal_delete(request: Request, pk: int) -> HttpResponse:
    """Delete the deal with its stage history; a refusal (it has an order) is shown on it."""
    deal = get_visible_or_404(deals_for(request.user), pk)
    try:
        services.deal_delete(actor=request.user, deal=deal)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("sales:deal_detail", pk=deal.pk)
    messages.success(request, _("Deal “%(title)s” deleted.") % {"title": deal.title})
    return redirect("sales:deal_list")


# --- create ----------------------------------------------------------------------------------


def product_rows(data: Any, count: int = PRODUCT_ROWS) -> list[dict[str, str]]:
    if data is None:
        return [{"product": "", "quantity": "1", "unit_price": ""} for _ in range(count)]
    products = data.getlist("product")
    quantities = data.getlist("quantity")
    prices = data.getlist("unit_price")
    return [
        {
            "product": products[i],
            "quantity": quantities[i] if i < len(quantities) else "",
            "unit_price": prices[i] if i < len(prices) else "",
        }
        for i in range(min(len(products), 50))
    ]


def _product_payload(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    payload = []
    for row in rows:
        if not row["product"]:
            continue
        payload.append(
            {
                "product": int_or_none(row["product"]) or -1,
                "quantity": row["quantity"] or 1,
                "unit_price": row["unit_price"] or None,
            }
        )
    return payload


def _row_errors(rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[str]:
    """Attach `products[i].field` errors to the rows that were sent (only filled rows are)."""
    filled = [row for row in rows if row["product"]]
    rest = []
    for key, messages_ in errors.items():
        if key.startswith("products["):
            index = int_or_none(key[len("products[") :].split("]")[0])
            if index is not None and index < len(filled):
                filled[index]["error"] = " ".join(messages_)
                continue
            rest.extend(messages_)
    return rest


@login_required
def deal_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "deals"):
        raise PermissionDenied
    rows = product_rows(request.POST if request.method == "POST" else None)
    form = DealForm(
        request.POST or None,
        initial={"owner": request.user.pk, "contact": request.GET.get("contact", "")},
    )
    bad_amounts = False
    for row in rows:
        error = amount_error(row["unit_price"])
        if error:
            row["error"], bad_amounts = error, True
    if request.method == "POST" and form.is_valid() and not bad_amounts:
        data = form.service_data()
        data["products"] = _product_payload(rows)
        try:
            deal = services.deal_create(actor=request.user, data=data)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            for message in _row_errors(rows, errors):
                form.add_error(None, message)
            apply_errors(form, exc, skip=frozenset(k for k in errors if k.startswith("products")))
        else:
            messages.success(request, _("Deal “%(title)s” opened.") % {"title": deal.title})
            return redirect("sales:deal_detail", pk=deal.pk)
    contact_id = int_or_none(form["contact"].value())
    rows = rows or product_rows(None)
    label_product_rows(rows)
    context = {
        "form": form,
        "rows": rows,
        "contact": contacts_for(request.user).filter(pk=contact_id).first() if contact_id else None,
    }
    return render(request, "sales/deals/form.html", context)
