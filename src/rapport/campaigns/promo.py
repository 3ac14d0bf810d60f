"""Promo codes: shared codes made by hand, personal codes issued per recipient when a
message goes out (one per campaign and contact, never the same code for two people however
many workers issue them at once), checked and redeemed with their limits."""

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.models import Campaign, PromoCode
from rapport.contacts.models import Contact
from rapport.core.money import CURRENCY_MINOR_UNITS

# No 0/O, 1/I/L: a code is read off a phone screen and typed at a counter.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31^8 ≈ 8.5e11 codes: a collision is rare, and retried when it happens
ATTEMPTS = 20


def new_code(prefix: str = "") -> str:
    return prefix.upper() + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str:
    return "".join(str(code).split()).upper()


def _terms(
    *, discount: str, value: Any, currency: str, valid_from: Any, valid_to: Any
) -> tuple[dict[str, list[str]], Decimal]:
    errors: dict[str, list[str]] = {}
    if discount not in PromoCode.Discount.values:
        errors["discount"] = [_("Choose percent or amount.")]
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = [_("Give a positive number.")]
        amount = Decimal(0)
    if discount == PromoCode.Discount.PERCENT and amount > 100:
        errors["value"] = [_("A percentage cannot be more than 100.")]
    if discount == PromoCode.Discount.AMOUNT and currency not in CURRENCY_MINOR_UNITS:
        errors["currency"] = [_("Give the amount's currency (an ISO 4217 code such as EUR).")]
    if valid_from and valid_to and valid_to <= valid_from:
        errors["valid_to"] = [_("The end of validity must come after its start.")]
    return errors, amount.quantize(Decimal("0.01")) if amount else amount


@transaction.atomic
def promo_code_create(
    *,
    code: str,
    discount: str,
    value: Any,
    currency: str = "",
    valid_from: dt.datetime | None = None,
    valid_to: dt.datetime | None = None,
    usage_limit: int | None = None,
    products: Iterable[int] = (),
    categories: Iterable[int] = (),
) -> PromoCode:
    """A shared code anyone may use, up to `usage_limit` times in all (no limit: None)."""
    code = normalize(code)
    errors, amount = _terms(
        discount=discount,
        value=value,
        currency=currency,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if not code or len(code) > 40 or not code.isalnum():
        errors["code"] = [_("Use 1 to 40 letters and digits.")]
    elif PromoCode.objects.filter(code=code).exists():
        errors["code"] = [_("This code exists already.")]
    if usage_limit is not None and usage_limit < 1:
        errors["usage_limit"] = [_("Give a limit of at least 1, or none.")]
    if errors:
        raise ValidationError(errors)
    promo = PromoCode.objects.create(
        code=code,
        kind=PromoCode.Kind.SHARED,
        discount=discount,
        value=amount,
        currency=currency if discount == PromoCode.Discount.AMOUNT else "",
        valid_from=valid_from,
        valid_to=valid_to,
        usage_limit=usage_limit,
    )
    promo.products.set(list(products))
    promo.categories.set(list(categories))
    return promo


def promo_code_issue(
    *,
    campaign: Campaign,
    contact: Contact | int,
    discount: str,
    value: Any,
    currency: str = "",
    valid_to: dt.datetime | None = None,
    prefix: str = "",
) -> PromoCode:
    """The contact's personal single-use code for this campaign: the one issued before, or a
    new one. Safe to call from any number of workers at once: the database's unique
    constraints decide, a lost race or a code collision is simply tried again."""
    contact_id = contact if isinstance(contact, int) else contact.pk
    errors, amount = _terms(
        discount=discount, value=value, currency=currency, valid_from=None, valid_to=valid_to
    )
    if errors:
        raise ValidationError(errors)
    mine = PromoCode.objects.filter(
        kind=PromoCode.Kind.PERSONAL, campaign=campaign, contact_id=contact_id
    )
    for _attempt in range(ATTEMPTS):
        issued = mine.first()
        if issued is not None:
            return issued
        try:
            with transaction.atomic():
                return PromoCode.objects.create(
                    code=new_code(prefix),
                    kind=PromoCode.Kind.PERSONAL,
                    discount=discount,
                    value=amount,
                    currency=currency if discount == PromoCode.Discount.AMOUNT else "",
                    valid_to=valid_to,
                    usage_limit=1,
                    contact_id=contact_id,
                    campaign=campaign,
                )
        except IntegrityError:
            continue
    raise RuntimeError(f"could not issue a promo code for contact {contact_id}")


def promo_code_grant(
    *,
    contact: Contact | int,
    discount: str,
    value: Any,
    currency: str = "",
    valid_to: dt.datetime | None = None,
    prefix: str = "",
) -> PromoCode:
    """A new personal single-use code for the contact that belongs to no campaign (a
    scenario's step: the caller's own unique row makes it happen once). A code collision is
    tried again with another code."""
    contact_id = contact if isinstance(contact, int) else contact.pk
    errors, amount = _terms(
        discount=discount, value=value, currency=currency, valid_from=None, valid_to=valid_to
    )
    if errors:
        raise ValidationError(errors)
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return PromoCode.objects.create(
                    code=new_code(prefix),
                    kind=PromoCode.Kind.PERSONAL,
                    discount=discount,
                    value=amount,
                    currency=currency if discount == PromoCode.Discount.AMOUNT else "",
                    valid_to=valid_to,
                    usage_limit=1,
                    contact_id=contact_id,
                )
        except IntegrityError:
            continue
    raise RuntimeError(f"could not issue a promo code for contact {contact_id}")


def promo_code_check(
    *,
    code: str,
    contact_id: int | None,
    at: dt.datetime | None = None,
    product_ids: Iterable[int] = (),
    category_ids: Iterable[int] = (),
) -> PromoCode:
    """The code if it may be used now by this contact for these products; a ValidationError
    on `promo_code` that says why not otherwise."""
    at = at or timezone.now()
    promo = PromoCode.objects.filter(code=normalize(code)).first()

    def refuse(message: str) -> ValidationError:
        return ValidationError({"promo_code": [message]})

    if promo is None:
        raise refuse(_("There is no such promo code."))
    if promo.kind == PromoCode.Kind.PERSONAL and promo.contact_id != contact_id:
        raise refuse(_("This promo code belongs to another customer."))
    if promo.valid_from and at < promo.valid_from:
        raise refuse(_("This promo code is not valid yet."))
    if promo.valid_to and at >= promo.valid_to:
        raise refuse(_("This promo code has expired."))
    if promo.usage_limit is not None and promo.used >= promo.usage_limit:
        raise refuse(_("This promo code has been used up."))
    allowed_products = set(promo.products.values_list("pk", flat=True))
    allowed_categories = set(promo.categories.values_list("pk", flat=True))
    if (allowed_products or allowed_categories) and not (
        allowed_products & set(product_ids) or allowed_categories & set(category_ids)
    ):
        raise refuse(_("This promo code does not apply to these products."))
    return promo


@transaction.atomic
def promo_code_redeem(
    *,
    code: str,
    contact_id: int | None,
    at: dt.datetime | None = None,
    product_ids: Iterable[int] = (),
    category_ids: Iterable[int] = (),
) -> PromoCode:
    """Use the code once. Two redemptions racing for the last use: one wins, the other gets
    "used up" (the count is raised only while below the limit, in one statement)."""
    promo = promo_code_check(
        code=code,
        contact_id=contact_id,
        at=at,
        product_ids=product_ids,
        category_ids=category_ids,
    )
    below_limit = Q(usage_limit__isnull=True) | Q(used__lt=F("usage_limit"))
    if not PromoCode.objects.filter(below_limit, pk=promo.pk).update(used=F("used") + 1):
        raise ValidationError({"promo_code": [_("This promo code has been used up.")]})
    promo.refresh_from_db(fields=["used"])
    return promo
