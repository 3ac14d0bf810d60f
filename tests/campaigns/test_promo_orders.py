"""Promo codes redeemed through orders: used when an order names them, refused with the
reason when they may not be used, given back when the order is cancelled."""

import pytest
from django.core.exceptions import ValidationError

from rapport.campaigns import promo
from rapport.campaigns.models import PromoCode, PromoRedemption
from rapport.sales.models import Order
from rapport.sales.services import order_create, order_set_status
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db


def place(contact, code, total="500.00"):
    return order_create(actor=None, contact=contact, currency="EUR", total=total, promo_code=code)


def test_an_order_with_a_personal_code_uses_it_once():
    olena = person("olena@example.com")
    code = promo.promo_code_grant(contact=olena, discount="percent", value=10)

    order = place(olena, code.code.lower())

    code.refresh_from_db()
    assert code.used == 1
    redemption = PromoRedemption.objects.get()
    assert (redemption.promo_id, redemption.order_id, redemption.contact_id) == (
        code.pk,
        order.pk,
        olena.pk,
    )
    with pytest.raises(ValidationError) as caught:
        place(olena, code.code)
    assert caught.value.message_dict == {"promo_code": ["This promo code has been used up."]}
    assert Order.objects.count() == 1  # the refused order was not recorded


def test_someone_elses_personal_code_refuses_the_order():
    olena, taras = person("olena@example.com"), person("taras@example.com")
    code = promo.promo_code_grant(contact=olena, discount="percent", value=10)
    with pytest.raises(ValidationError) as caught:
        place(taras, code.code)
    assert caught.value.message_dict == {
        "promo_code": ["This promo code belongs to another customer."]
    }


def test_a_code_rapport_does_not_know_is_kept_as_text():
    olena = person("olena@example.com")
    order = place(olena, "PARTNER-42")
    assert order.promo_code == "PARTNER-42"
    assert PromoRedemption.objects.count() == 0


def test_cancelling_gives_the_use_back_and_rebooking_takes_it_again():
    olena = person("olena@example.com")
    code = promo.promo_code_grant(contact=olena, discount="percent", value=10)
    order = place(olena, code.code)
    owner = olena.owner

    order_set_status(actor=owner, order=order, status="cancelled")
    code.refresh_from_db()
    assert (code.used, PromoRedemption.objects.count()) == (0, 0)

    order_set_status(actor=owner, order=Order.objects.get(pk=order.pk), status="booked")
    code.refresh_from_db()
    assert (code.used, PromoRedemption.objects.count()) == (1, 1)


def test_a_shared_code_counts_every_order_up_to_its_limit():
    olena, taras = person("olena@example.com"), person("taras@example.com")
    promo.promo_code_create(
        code="SPRING", discount="amount", value="50", currency="EUR", usage_limit=2
    )
    place(olena, "spring")
    place(taras, "SPRING")
    assert PromoCode.objects.get(code="SPRING").used == 2
    with pytest.raises(ValidationError):
        place(olena, "SPRING")
