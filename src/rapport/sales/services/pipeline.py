"""Deals: opening them, moving them between stages (with history), winning and losing."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.contacts.selectors import companies_for, contacts_for
from rapport.core import permissions, visibility
from rapport.core.errors import Conflict
from rapport.core.money import Money
from rapport.core.text import clean_text
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import (
    Deal,
    DealProduct,
    DealStageChange,
    Lead,
    LostReason,
    Order,
    OrderStatus,
    Pipeline,
    Stage,
)
from rapport.sales.services.orders import order_create
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("Create a pipeline with stages first.")]})
    return pipeline


def _first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no open stage.")]})
    return stage


def _clean_products(raw: Any, currency: str) -> list[DealProduct]:
    if not isinstance(raw, list):
        raise ValidationError({"products": [_("Give products as a list.")]})
    items: list[DealProduct] = []
    catalog = Product.objects.in_bulk(
        [r.get("product") for r in raw if isinstance(r, dict) and isinstance(r.get("product"), int)]
    )
    for i, row in enumerate(raw):
        product = catalog.get(row.get("product")) if isinstance(row, dict) else None
        if product is None:
            raise ValidationError({f"products[{i}].product": [_("No such product.")]})
        try:
            quantity = int(row.get("quantity", 1))
            if not 1 <= quantity <= 10000:
                raise ValueError
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                {f"products[{i}].quantity": [_("Give a whole quantity from 1 to 10000.")]}
            ) from exc
        if product.currency != currency:
            raise ValidationError(
                {
                    f"products[{i}].product": [
                        _("%(p)s is priced in %(c)s.") % {"p": product.name, "c": product.currency}
                    ]
                }
            )
        price = row.get("unit_price")
        unit_price = (
            Money.parse(price, currency).amount if price not in (None, "") else product.price
        )
        items.append(DealProduct(product=product, quantity=quantity, unit_price=unit_price))
    return items


@transaction.atomic
def deal_create(*, actor: Any, data: dict[str, Any], lead: Lead | None = None) -> Deal:
    """Open a deal for a contact in a pipeline's first open stage (or a given stage)."""
    if not visibility.can_create(actor, "deals"):
        raise PermissionError(_("Your role cannot create deals."))
    errors: dict[str, list[str]] = {}
    try:
        title = clean_text(data.get("title", ""), max_length=200)
        if not title:
            errors["title"] = [_("Give the deal a title.")]
    except ValidationError as exc:
        errors["title"] = list(exc.messages)
    contact = contacts_for(actor).filter(pk=_int(data.get("contact"))).first()
    if contact is None:
        errors["contact"] = [_("Choose a customer you can see.")]
    company = None
    if data.get("company") not in (None, ""):
        company = companies_for(actor).filter(pk=_int(data.get("company"))).first()
        if company is None:
            errors["company"] = [_("No such company.")]
    pipeline = None
    if data.get("pipeline") not in (None, ""):
        pipeline = Pipeline.objects.filter(pk=_int(data["pipeline"])).first()
        if pipeline is None:
            errors["pipeline"] = [_("No such pipeline.")]
    else:
        try:
            pipeline = default_pipeline()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    stage = None
    if pipeline is not None:
        if data.get("stage") not in (None, ""):
            stage = pipeline.stages.filter(pk=_int(data["stage"]), kind=Stage.Kind.OPEN).first()
            if stage is None:
                errors["stage"] = [_("Choose an open stage of this pipeline.")]
        else:
            try:
                stage = _first_open_stage(pipeline)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    currency = (data.get("currency") or settings.RAPPORT_DEFAULT_CURRENCY).strip().upper()
    products: list[DealProduct] = []
    amount = Decimal(0)
    try:
        amount = Money.parse(data.get("amount") or 0, currency).amount
        if amount < 0:
            errors["amount"] = [_("An amount cannot be negative.")]
        products = _clean_products(data.get("products") or [], currency)
    except ValidationError as exc:
        errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"amount": exc.messages})
    if products and not data.get("amount"):
        amount = sum((p.unit_price * p.quantity for p in products), Decimal(0))
    expected = data.get("expected_close_date")
    if expected not in (None, "") and not isinstance(expected, dt.date):
        try:
            expected = dt.date.fromisoformat(str(expected))
        except ValueError:
            errors["expected_close_date"] = [_("Enter a date as YYYY-MM-DD.")]
    owner = actor
    if data.get("owner") not in (None, ""):
        owner = permissions.owners().filter(pk=_int(data["owner"])).first()
        if owner is None:
            errors["owner"] = [_("Choose an active user who can own deals.")]
    if errors:
        raise ValidationError(errors)
    assert pipeline is not None
    assert stage is not None
    assert contact is not None
    now = timezone.now()
    deal = Deal.objects.create(
        title=title,
        pipeline=pipeline,
        stage=stage,
        contact=contact,
        company=company or contact.company,
        lead=lead,
        amount=amount,
        currency=currency,
        expected_close_date=expected or None,
        owner=owner,
        stage_entered_at=now,
    )
    for product in products:
        product.deal = deal
    DealProduct.objects.bulk_create(products)
    DealStageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, at=now, by=actor)
    timeline.record(
        contact=contact,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        occurred_at=now,
        actor=actor,
        kind=kinds.DEAL_CREATED,
        params={
            **kinds.deal_params(deal),
            "stage": stage.pk,
            "stage_name": stage.name,
            "amount": str(deal.amount),
            "currency": deal.currency,
        },
        source=deal,
    )
    return deal


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@transaction.atomic
def deal_move_stage(
    *,
    actor: Any,
    deal: Deal,
    stage: Stage,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Move a deal to another stage of its pipeline. Losing needs a reason; winning
    records the order."""
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if not visibility.can(actor, "change", deal):
        raise PermissionError(_("You cannot move this deal."))
    if expected_version is not None and expected_version != deal.version:
        raise Conflict(_("Someone moved this deal meanwhile; reload the board."), field="version")
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("Choose a stage of the deal's own pipeline.")]})
    if stage.pk == deal.stage_id:
        return deal
    order_stands = hasattr(deal, "order") and deal.order.status not in (
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
    )
    if deal.stage.kind == Stage.Kind.WON and order_stands:
        raise ValidationError(
            {"stage": [_("This deal's order stands; cancel the order before reopening it.")]}
        )
    lost_note = clean_text(lost_note, max_length=300)
    if stage.kind == Stage.Kind.LOST and lost_reason is None:
        raise ValidationError({"lost_reason": [_("Choose why the deal was lost.")]})
    now = timezone.now()
    previous = deal.stage
    DealStageChange.objects.create(
        deal=deal,
        from_stage=deal.stage,
        to_stage=stage,
        at=now,
        by=actor,
        seconds_in_previous=max(0, int((now - deal.stage_entered_at).total_seconds())),
    )
    deal.stage = stage
    deal.stage_entered_at = now
    deal.version += 1
    deal.lost_reason = lost_reason if stage.kind == Stage.Kind.LOST else None
    deal.lost_note = lost_note if stage.kind == Stage.Kind.LOST else ""
    deal.closed_at = now if stage.kind != Stage.Kind.OPEN else None
    deal.save()
    _record_move(actor=actor, deal=deal, previous=previous, at=now)
    if stage.kind == Stage.Kind.WON and not hasattr(deal, "order"):
        lines = [
            {"product": p.product_id, "quantity": p.quantity, "unit_price": str(p.unit_price)}
            for p in deal.products.all()
        ]
        order_create(
            actor=actor,
            contact=deal.contact,
            currency=deal.currency,
            lines=lines or None,
            total=None if lines else deal.amount,
            deal=deal,
        )
    return deal


def _record_move(*, actor: Any, deal: Deal, previous: Stage, at: dt.datetime) -> None:
    """Put a stage move on the customer's timeline: won and lost are events of their own."""
    stage = deal.stage
    params: dict[str, Any] = {
        **kinds.deal_params(deal),
        # a scenario's "deal moves to a stage" trigger may name the pipeline
        "pipeline": deal.pipeline_id,
        "from_stage": previous.pk,
        "from_stage_name": previous.name,
        "to_stage": stage.pk,
        "to_stage_name": stage.name,
    }
    kind = kinds.DEAL_STAGE_CHANGED
    if stage.kind == Stage.Kind.WON:
        kind = kinds.DEAL_WON
        params |= {"amount": str(deal.amount), "currency": deal.currency}
    elif stage.kind == Stage.Kind.LOST:
        kind = kinds.DEAL_LOST
        reason = deal.lost_reason
        params |= {
            "reason": reason.pk if reason else None,
            "reason_name": reason.name if reason else "",
        }
    timeline.record(
        contact=deal.contact_id,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        occurred_at=at,
        actor=actor,
        kind=kind,
        params=params,
        body=deal.lost_note if stage.kind == Stage.Kind.LOST else "",
        source=deal,
    )


@transaction.atomic
def deal_update(
    *, actor: Any, deal: Deal, data: dict[str, Any], expected_version: int | None = None
) -> Deal:
    """Change a deal's title, amount (and currency), expected close date, company or owner;
    stage moves go through `deal_move_stage`. A stale `expected_version` is a Conflict."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if not visibility.can(actor, "change", locked):
        raise PermissionError(_("You cannot change this deal."))
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(_("Someone changed this deal meanwhile; reload it."), field="version")
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "title" in data:
        try:
            cleaned["title"] = clean_text(data["title"], max_length=200)
            if not cleaned["title"]:
                errors["title"] = [_("Give the deal a title.")]
        except ValidationError as exc:
            errors["title"] = list(exc.messages)
    if "amount" in data or "currency" in data:
        currency = str(data.get("currency") or locked.currency).strip().upper()
        try:
            money = Money.parse(data.get("amount", locked.amount), currency)
            if money.amount < 0:
                errors["amount"] = [_("An amount cannot be negative.")]
            elif currency != locked.currency and locked.products.exists():
                errors["currency"] = [_("This deal's products are priced in its currency.")]
            cleaned["amount"], cleaned["currency"] = money.amount, money.currency
        except ValidationError as exc:
            errors["currency"] = list(exc.messages)
    if "expected_close_date" in data:
        expected = data["expected_close_date"]
        if expected not in (None, "") and not isinstance(expected, dt.date):
            try:
                expected = dt.date.fromisoformat(str(expected))
            except ValueError:
                errors["expected_close_date"] = [_("Enter a date as YYYY-MM-DD.")]
        cleaned["expected_close_date"] = expected or None
    if "company" in data:
        company = None
        if data["company"] not in (None, ""):
            company = companies_for(actor).filter(pk=_int(data["company"])).first()
            if company is None:
                errors["company"] = [_("No such company.")]
        cleaned["company"] = company
    if "owner" in data:
        owner = permissions.owners().filter(pk=_int(data["owner"])).first()
        if owner is None:
            errors["owner"] = [_("Choose an active user who can own deals.")]
        cleaned["owner"] = owner
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def deal_delete(*, actor: Any, deal: Deal) -> None:
    """Delete a deal with its products and stage history. A deal that became an order is
    refused: the order is the sale's record."""
    locked = Deal.objects.select_for_update().filter(pk=deal.pk).first()
    if locked is None or not visibility.can(actor, "delete", locked):
        raise PermissionError(_("You cannot delete this deal."))
    if Order.objects.filter(deal=locked).exists():
        raise Conflict(
            _("This deal became an order; delete that order first if the sale did not happen."),
            field="order",
        )
    locked.delete()
