"""Importing leads (through the lead capture rules) and orders (customer found or created,
lines priced from the catalog, totals checked, orders put on the timeline in bulk)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.contacts.models import Contact, ContactEmail, ContactPhone, LifecycleStage
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.services import contact_create, contacts_set_lifecycle
from rapport.core import visibility
from rapport.core.cells import choice_code, choice_hint, parse_datetime
from rapport.core.imports import Counts, FieldSpec, ImportContext, Importer
from rapport.core.money import Money
from rapport.core.tabular import COMMON_ALIASES
from rapport.core.text import clean_text
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import (
    ATTRIBUTION_FIELDS,
    OPEN_LEAD_STATUSES,
    Lead,
    LeadSource,
    LeadStatus,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
)
from rapport.sales.services import lead_capture, lead_set_status
from rapport.sales.services.leads import clean_lead_data
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

# --- leads ------------------------------------------------------------------------------------

LEAD_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": tuple(COMMON_ALIASES["first_name"]),
    "last_name": tuple(COMMON_ALIASES["last_name"]),
    "email": tuple(COMMON_ALIASES["email"]),
    "phone": tuple(COMMON_ALIASES["phone"]),
    "company_name": ("company", "organisation", "компания", "компанія", "įmonė"),
    "message": ("message", "comment", "enquiry", "сообщение", "комментарий", "повідомлення",
                "коментар", "žinutė", "komentaras"),
    "source": (*tuple(COMMON_ALIASES["source"]), "channel", "канал", "kanalas"),
    "status": tuple(COMMON_ALIASES["status"]),
    "disqualify_reason": ("reason", "disqualify reason", "причина", "priežastis"),
    "created": ("created", "created at", "date", "дата", "дата создания", "дата створення",
                "sukurta", "data"),
    **{name: (name.replace("_", " "),) for name in ATTRIBUTION_FIELDS},
}  # fmt: skip


class LeadImporter(Importer):
    kind = "leads"
    label = "Leads"
    required = [["email", "phone"]]

    def fields(self) -> list[FieldSpec]:
        return [FieldSpec(n, n.replace("_", " "), a) for n, a in LEAD_ALIASES.items()]

    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        counts = Counts()
        sources = {s.name.casefold(): s for s in LeadSource.objects.all()}
        file_seen: set[str] = set()
        for row, cells in rows:
            data = ctx.as_dict(cells)
            problems: dict[str, list[str]] = {}
            try:
                cleaned = clean_lead_data({k: v for k, v in data.items() if k in LEAD_ALIASES})
            except ValidationError as exc:
                problems.update(exc.message_dict)
                cleaned = {}
            source = None
            if name := data.get("source", "").strip():
                source = sources.get(name.casefold())
                if source is None:
                    problems["source"] = [
                        _("No lead source %(name)s. Known: %(known)s.")
                        % {"name": name, "known": ", ".join(s.name for s in sources.values())}
                    ]
            raw_status = data.get("status", "").strip()
            status = (choice_code(LeadStatus, raw_status) or raw_status) if raw_status else ""
            status = status or LeadStatus.NEW
            reason = data.get("disqualify_reason", "").strip()
            if status not in {*OPEN_LEAD_STATUSES, LeadStatus.DISQUALIFIED}:
                problems["status"] = [
                    _("Choose from: %(c)s.")
                    % {"c": ", ".join([*OPEN_LEAD_STATUSES, LeadStatus.DISQUALIFIED])}
                ]
            elif status == LeadStatus.DISQUALIFIED and not reason:
                problems["disqualify_reason"] = [_("Say why the lead is disqualified.")]
            created_at: dt.datetime | None = None
            if raw := data.get("created", "").strip():
                try:
                    created_at = parse_datetime(raw)
                    if created_at > timezone.now():
                        problems["created"] = [_("The date is in the future.")]
                except ValidationError as exc:
                    problems["created"] = list(exc.messages)
            if problems:
                ctx.validation_error(row, ValidationError(problems))
                continue
            keys = {v for v in (cleaned.get("email"), cleaned.get("phone")) if v}
            # A repeat (same e-mail or phone as an open lead, or an earlier row) joins that
            # lead, as lead_capture does for every channel.
            repeat = bool(keys & file_seen) or (
                Lead.objects.filter(
                    Q(email__in=keys) | Q(phone__in=keys), status__in=OPEN_LEAD_STATUSES
                ).exists()
            )
            file_seen |= keys
            if repeat:
                counts.updated += 1
            else:
                counts.created += 1
            if not ctx.should_write:
                continue
            capture = lead_capture(
                data=cleaned, actor=ctx.actor, source=source, occurred_at=created_at
            )
            if capture.created:
                if created_at is not None:
                    Lead.objects.filter(pk=capture.lead.pk).update(created_at=created_at)
                if status != LeadStatus.NEW:
                    lead_set_status(
                        actor=ctx.actor, lead=capture.lead, status=status, reason=reason
                    )
            ctx.advance(1)
        return counts


# --- orders -----------------------------------------------------------------------------------

ORDER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_external_id": ("customer id", "client id", "customer external id",
                             "код клиента", "код клієнта", "kliento kodas", "kliento id"),
    "email": tuple(COMMON_ALIASES["email"]),
    "phone": tuple(COMMON_ALIASES["phone"]),
    "first_name": tuple(COMMON_ALIASES["first_name"]),
    "last_name": tuple(COMMON_ALIASES["last_name"]),
    "order_external_id": ("order id", "order number", "order no", "номер заказа", "заказ",
                          "номер замовлення", "замовлення", "užsakymo nr", "užsakymas"),
    "order_date": ("date", "order date", "дата", "дата заказа", "дата замовлення",
                   "užsakymo data", "data"),
    "total": ("total", "amount", "sum", "сумма", "итого", "сума", "разом", "suma", "iš viso"),
    "currency": tuple(COMMON_ALIASES["currency"]),
    "status": tuple(COMMON_ALIASES["status"]),
    "channel": ("channel", "канал", "kanalas"),
    "promo_code": ("promo code", "promo", "coupon", "промокод", "купон", "nuolaidos kodas"),
    "sku": ("product code", "sku", "code", "артикул", "код товара", "код товару",
            "prekės kodas"),
    "description": ("product", "item", "description", "товар", "описание", "опис",
                    "prekė", "aprašymas"),
    "quantity": ("quantity", "qty", "количество", "кол-во", "кількість", "kiekis"),
    "unit_price": ("unit price", "price", "цена", "ціна", "kaina"),
    "discount": ("discount", "скидка", "знижка", "nuolaida"),
}  # fmt: skip
LINE_FIELDS = {"sku", "description", "quantity", "unit_price", "discount"}
ORDER_LEVEL = ["customer_external_id", "email", "phone", "order_date", "currency", "total",
               "status", "channel", "promo_code"]  # fmt: skip


@dataclass
class _Order:
    row: int
    data: dict[str, str]
    lines: list[OrderLine] = field(default_factory=list)
    valid: bool = True


class OrderImporter(Importer):
    kind = "orders"
    label = "Orders"
    required = [["customer_external_id", "email", "phone"], ["order_date"], ["currency"],
                ["total", "unit_price", "sku"]]  # fmt: skip

    def fields(self) -> list[FieldSpec]:
        return [FieldSpec(n, n.replace("_", " "), a) for n, a in ORDER_ALIASES.items()]

    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        has_lines = bool(LINE_FIELDS & set(ctx.fields) - {"discount"})
        orders: dict[str, _Order] = {}
        order_list: list[_Order] = []
        products = {p.sku: p for p in Product.objects.exclude(sku=None) if p.sku}
        for row, cells in rows:
            data = ctx.as_dict(cells)
            key = data.get("order_external_id", "").strip()
            current = orders.get(key) if key else None
            if current is None:
                current = _Order(row, data)
                order_list.append(current)
                if key:
                    orders[key] = current
            else:
                for name in ORDER_LEVEL:
                    first, here = current.data.get(name, "").strip(), data.get(name, "").strip()
                    if here and first and here != first:
                        ctx.error(
                            row,
                            name,
                            _("Differs from row %(r)d of the same order.") % {"r": current.row},
                        )
                        current.valid = False
            if has_lines:
                line = self._line(row, data, current.data.get("currency", ""), products, ctx)
                if line is None:
                    current.valid = False
                else:
                    current.lines.append(line)
        existing_orders = {
            key
            for key in Order.objects.filter(external_id__in=list(orders)).values_list(
                "external_id", flat=True
            )
            if key
        }
        counts = Counts()
        prepared = []
        for order in order_list:
            result = self._prepare(order, existing_orders, ctx)
            if result == "unchanged":
                counts.unchanged += 1
            elif result is not None:
                prepared.append(result)
                counts.created += 1
        ctx.advance(len(order_list))
        if ctx.should_write and prepared:
            self._write(prepared, ctx)
        return counts

    def _line(
        self,
        row: int,
        data: dict[str, str],
        currency: str,
        products: dict[str, Product],
        ctx: ImportContext,
    ) -> OrderLine | None:
        currency = currency.strip().upper()
        product = None
        if sku := data.get("sku", "").strip():
            product = products.get(sku)
            if product is None:
                ctx.error(row, "sku", _("No product with code %(sku)s.") % {"sku": sku})
                return None
            if product.currency != currency:
                ctx.error(
                    row,
                    "sku",
                    _("%(p)s is priced in %(c)s, the order in %(o)s.")
                    % {"p": product.name, "c": product.currency, "o": currency},
                )
                return None
        description = clean_text(data.get("description", ""))[:200]
        if product is None and not description:
            ctx.error(row, "sku", _("Each line needs a product code or a description."))
            return None
        try:
            quantity = int(data.get("quantity", "").strip() or 1)
            if not 1 <= quantity <= 10000:
                raise ValueError
        except ValueError:
            ctx.error(row, "quantity", _("Give a whole quantity from 1 to 10000."))
            return None
        try:
            raw_price = data.get("unit_price", "").strip()
            if raw_price:
                unit_price = Money.parse(raw_price, currency).amount
            elif product is not None:
                unit_price = product.price
            else:
                raise ValidationError(_("Give the unit price."))
            discount = Money.parse(data.get("discount", "").strip() or 0, currency).amount
        except ValidationError as exc:
            ctx.validation_error(row, exc, "unit_price")
            return None
        gross = unit_price * quantity
        if unit_price < 0 or discount < 0 or discount > gross:
            ctx.error(
                row,
                "discount",
                _("Prices cannot be negative and the discount cannot exceed the line's price."),
            )
            return None
        return OrderLine(
            product=product,
            description=description or (product.name if product else ""),
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            line_total=gross - discount,
        )

    def _prepare(self, order: _Order, existing: set[str], ctx: ImportContext) -> Any:
        data, row = order.data, order.row
        problems: dict[str, list[str]] = {}
        external_id = clean_text(data.get("order_external_id", ""))[:100] or None
        if external_id in existing:
            return "unchanged"  # imported before: the same file can be imported again
        currency = data.get("currency", "").strip().upper()
        try:
            Money.parse(0, currency)
        except ValidationError as exc:
            problems["currency"] = list(exc.messages)
        try:
            order_date = parse_datetime(data.get("order_date", ""))
        except ValidationError as exc:
            problems["order_date"] = list(exc.messages)
            order_date = None
        total = Decimal(0)
        if order.lines:
            total = sum((line.line_total for line in order.lines), Decimal(0))
            if (given := data.get("total", "").strip()) and not problems.get("currency"):
                try:
                    if Money.parse(given, currency).amount != total:
                        problems["total"] = [
                            _("The total %(given)s differs from the sum of the lines %(sum)s.")
                            % {"given": given, "sum": total}
                        ]
                except ValidationError as exc:
                    problems["total"] = list(exc.messages)
        elif order.valid and not problems.get("currency"):
            try:
                total = Money.parse(data.get("total", ""), currency).amount
                if total < 0:
                    problems["total"] = [_("A total cannot be negative.")]
            except ValidationError as exc:
                problems["total"] = list(exc.messages)
        status = OrderStatus.BOOKED.value
        if raw := data.get("status", "").strip():
            status = choice_code(OrderStatus, raw) or ""
            if not status:
                problems["status"] = [choice_hint(OrderStatus)]
        channel = OrderChannel.OFFICE.value
        if raw := data.get("channel", "").strip():
            channel = choice_code(OrderChannel, raw) or ""
            if not channel:
                problems["channel"] = [choice_hint(OrderChannel)]
        customer, customer_data = self._customer(data, problems, ctx)
        if problems:
            ctx.validation_error(row, ValidationError(problems))
            return None
        if not order.valid or order_date is None:
            return None
        return {
            "row": row,
            "customer": customer,
            "customer_data": customer_data,
            "order": Order(
                order_date=order_date,
                channel=channel,
                status=status,
                total=total,
                currency=currency,
                promo_code=clean_text(data.get("promo_code", ""))[:50],
                external_id=external_id,
            ),
            "lines": order.lines,
        }

    def _customer(
        self, data: dict[str, str], problems: dict[str, list[str]], ctx: ImportContext
    ) -> tuple[Contact | None, dict[str, Any] | None]:
        """The existing customer, or the data to create them with."""
        external_id = clean_text(data.get("customer_external_id", ""))[:100]
        email = phone = ""
        try:
            email = normalize_email(data["email"]) if data.get("email", "").strip() else ""
        except ValidationError as exc:
            problems["email"] = list(exc.messages)
        try:
            phone = normalize_phone(data["phone"]) if data.get("phone", "").strip() else ""
        except ValidationError as exc:
            problems["phone"] = list(exc.messages)
        if problems.get("email") or problems.get("phone"):
            return None, None
        contact = None
        if external_id:
            contact = Contact.objects.filter(external_id=external_id).first()
        if contact is None and email:
            hit = ContactEmail.objects.filter(email=email).select_related("contact").first()
            contact = hit.contact if hit else None
        if contact is None and phone:
            phone_hit = ContactPhone.objects.filter(number=phone).select_related("contact").first()
            contact = phone_hit.contact if phone_hit else None
        if contact is not None:
            if not visibility.can(ctx.actor, "change", contact):
                problems["customer_external_id"] = [
                    _("The customer #%(id)s is not yours to add orders to.") % {"id": contact.pk}
                ]
            return contact, None
        if not (external_id or email or phone):
            problems["customer_external_id"] = [
                _("Name the customer by external id, e-mail or phone.")
            ]
            return None, None
        first = clean_text(data.get("first_name", ""))[:100]
        last = clean_text(data.get("last_name", ""))[:100]
        return None, {
            "first_name": first or (email.split("@")[0] if email else "") or phone or external_id,
            "last_name": last,
            "email": email,
            "phone": phone,
            "external_id": external_id or None,
            "lifecycle_stage": LifecycleStage.CUSTOMER,
        }

    def _write(self, prepared: list[dict[str, Any]], ctx: ImportContext) -> None:
        created: dict[tuple[Any, ...], Contact] = {}
        for item in prepared:
            if item["customer"] is None:
                data = item["customer_data"]
                key = (data["external_id"], data["email"], data["phone"])
                if key not in created:
                    try:
                        created[key] = contact_create(actor=ctx.actor, data=data)
                    except ValidationError as exc:
                        ctx.validation_error(item["row"], exc)
                        if not ctx.should_write:
                            return
                        continue
                item["customer"] = created[key]
            item["order"].contact = item["customer"]
        prepared = [item for item in prepared if item["order"].contact_id]
        orders = Order.objects.bulk_create([item["order"] for item in prepared])
        lines = []
        for item, order in zip(prepared, orders, strict=True):
            for line in item["lines"]:
                line.order = order
                lines.append(line)
        OrderLine.objects.bulk_create(lines, batch_size=5000)
        timeline.record_many(
            [
                timeline.Entry(
                    contact=order.contact_id,
                    channel=Channel.ORDER,
                    direction=Direction.INBOUND,
                    occurred_at=order.order_date,
                    actor=ctx.actor,
                    kind=kinds.ORDER_PLACED,
                    params=kinds.order_placed_params(order),
                    body="\n".join(
                        f"{line.quantity} × {line.description}" for line in item["lines"]
                    ),
                    source=order,
                )
                for item, order in zip(prepared, orders, strict=True)
            ]
        )
        contacts_set_lifecycle(
            actor=ctx.actor,
            contact_ids={o.contact_id for o in orders if o.status != OrderStatus.CANCELLED},
            stage=LifecycleStage.CUSTOMER,
        )
