"""Promo codes: shared codes with their terms checked, personal single-use codes issued once
per campaign and recipient (collisions retried), and redemption within every limit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.campaigns import promo
from rapport.campaigns.models import PromoCode
from rapport.catalog.models import Category, Product
from tests.campaigns.conftest import campaign, person

pytestmark = pytest.mark.django_db


def _refusal(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def test_a_shared_code_is_stored_upper_case_with_its_terms():
    made = promo.promo_code_create(
        code="summer 25", discount="percent", value="25", usage_limit=100
    )

    assert (made.code, made.kind, made.value, made.currency, made.used) == (
        "SUMMER25",
        "shared",
        Decimal("25.00"),
        "",
        0,
    )


def test_bad_terms_are_named():
    promo.promo_code_create(code="TAKEN", discount="percent", value=5)

    assert _refusal(
        promo.promo_code_create, code="TAKEN", discount="percent", value=120, usage_limit=0
    ) == {
        "code": ["This code exists already."],
        "value": ["A percentage cannot be more than 100."],
        "usage_limit": ["Give a limit of at least 1, or none."],
    }
    assert _refusal(promo.promo_code_create, code="a-b", discount="amount", value="-1") == {
        "code": ["Use 1 to 40 letters and digits."],
        "value": ["Give a positive number."],
        "currency": ["Give the amount's currency (an ISO 4217 code such as EUR)."],
    }


def test_a_personal_code_is_issued_once_per_campaign_and_recipient():
    olena, taras = person("o@example.com"), person("t@example.com")
    winter = campaign()

    first = promo.promo_code_issue(
        campaign=winter, contact=olena, discount="amount", value="50", currency="EUR", prefix="win"
    )
    again = promo.promo_code_issue(
        campaign=winter, contact=olena, discount="amount", value="50", currency="EUR", prefix="win"
    )
    other = promo.promo_code_issue(
        campaign=winter, contact=taras, discount="amount", value="50", currency="EUR", prefix="win"
    )

    assert first.pk == again.pk
    assert other.code != first.code
    assert first.code.startswith("WIN")
    assert len(first.code) == 11
    assert set(first.code[3:]) <= set(promo.ALPHABET)
    assert (first.kind, first.usage_limit, first.contact_id) == ("personal", 1, olena.pk)


def test_a_colliding_code_is_drawn_again(monkeypatch):
    olena, taras = person("o@example.com"), person("t@example.com")
    winter = campaign()
    drawn = iter(["AAAA", "AAAA", "BBBB"])
    monkeypatch.setattr(promo, "new_code", lambda prefix="": next(drawn))

    codes = [
        promo.promo_code_issue(campaign=winter, contact=c, discount="percent", value=10).code
        for c in (olena, taras)
    ]

    assert codes == ["AAAA", "BBBB"]


def test_checks_say_why_a_code_cannot_be_used(clock):
    olena, taras = person("o@example.com"), person("t@example.com")
    personal = promo.promo_code_issue(
        campaign=campaign(),
        contact=olena,
        discount="percent",
        value=10,
        valid_to=clock.now + dt.timedelta(days=7),
    )
    later = promo.promo_code_create(
        code="LATER", discount="percent", value=5, valid_from=clock.now + dt.timedelta(days=1)
    )
    beach = Category.objects.create(name="Beach")
    crete = Product.objects.create(name="Crete", sku="CRE", price=900, currency="EUR")
    ski = Product.objects.create(name="Alps", sku="ALP", price=900, currency="EUR")
    beach_only = promo.promo_code_create(
        code="BEACH", discount="percent", value=5, categories=[beach.pk]
    )

    def why(code, contact_id, **kwargs):
        return _refusal(promo.promo_code_check, code=code, contact_id=contact_id, **kwargs)[
            "promo_code"
        ][0]

    assert why("NOPE", olena.pk) == "There is no such promo code."
    assert why(personal.code, taras.pk) == "This promo code belongs to another customer."
    assert why(later.code, olena.pk) == "This promo code is not valid yet."
    assert why(personal.code, olena.pk, at=clock.now + dt.timedelta(days=7)) == (
        "This promo code has expired."
    )
    assert why("beach", olena.pk, product_ids=[ski.pk]) == (
        "This promo code does not apply to these products."
    )
    assert (
        promo.promo_code_check(
            code="beach", contact_id=None, product_ids=[crete.pk], category_ids=[beach.pk]
        )
        == beach_only
    )
    assert promo.promo_code_check(code=personal.code.lower(), contact_id=olena.pk) == personal


def test_redemption_stops_at_the_limit():
    olena = person("o@example.com")
    personal = promo.promo_code_issue(
        campaign=campaign(), contact=olena, discount="percent", value=10
    )
    promo.promo_code_create(code="TWICE", discount="percent", value=5, usage_limit=2)

    assert promo.promo_code_redeem(code=personal.code, contact_id=olena.pk).used == 1
    assert _refusal(promo.promo_code_redeem, code=personal.code, contact_id=olena.pk) == {
        "promo_code": ["This promo code has been used up."]
    }
    assert [promo.promo_code_redeem(code="TWICE", contact_id=None).used for _ in range(2)] == [1, 2]
    assert _refusal(promo.promo_code_redeem, code="TWICE", contact_id=olena.pk) == {
        "promo_code": ["This promo code has been used up."]
    }
    assert PromoCode.objects.get(code="TWICE").used == 2
