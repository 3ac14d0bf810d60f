"""The customer-analytics section of the 360° contact page: the stored figures, segment
history and next-best offer as the last refresh left them, its empty states, the reader's
number format, and who sees it (the role rule: service agents read no figures)."""

import datetime as dt

import pytest
from django.conf import settings

from rapport.analytics.models import CustomerMetrics, RfmSegmentHistory
from rapport.analytics.refresh import refresh_customers
from tests.analytics.test_refresh import AS_OF, at
from tests.api.sales_data import make_order, make_product
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(users):
    """Three of `manager`'s customers bought Crete and Cyprus on 2025-01-10, two others
    Rhodes; the newcomer bought Crete twice, so the next Cyprus departure is offered to them:
    3 of the 4 Crete buyers (75 %) also bought Cyprus, bought by 3 of all 6 (lift 1.5)."""
    north = users["manager"]

    def tour(name, destination, departure):
        return make_product(name, destination=destination, departure_date=departure)

    crete = tour("Crete, 1 Feb", "Crete", dt.date(2025, 2, 1))
    cyprus_past = tour("Cyprus, 1 Feb", "Cyprus", dt.date(2025, 2, 1))
    cyprus_next = tour("Cyprus, 1 Aug", "Cyprus", dt.date(2025, 8, 1))

    def buy(who, *products, day="2025-01-10"):
        line = [{"product": p.pk, "quantity": 1, "unit_price": "1250.00"} for p in products]
        make_order(north, who, None, lines=line, order_date=at(day))

    for k in range(3):
        buy(ContactFactory(owner=north, first_name=f"Buyer{k}"), crete, cyprus_past)
    rhodes = tour("Rhodes, 1 Feb", "Rhodes", dt.date(2025, 2, 1))
    for k in range(2):
        buy(ContactFactory(owner=north, first_name=f"Rhodes{k}"), rhodes)
    newcomer = ContactFactory(owner=north, first_name="Newcomer")
    buy(newcomer, crete)
    buy(newcomer, crete, day="2025-05-30")
    refresh_customers(as_of=AS_OF)
    return {"newcomer": newcomer, "cyprus_next": cyprus_next}


def _panel(response) -> str:
    text = response.text
    start = text.index('<article id="customer-analytics">')
    return text[start : text.index("</article>", start)]


def test_the_section_shows_the_stored_figures_offer_and_history(as_user, offered):
    newcomer = offered["newcomer"]
    stored = CustomerMetrics.objects.get(contact=newcomer)

    response = as_user("manager").get(f"/contacts/{newcomer.pk}/")

    assert response.status_code == 200
    panel = _panel(response)
    figures = {f.label: (f.value, f.note) for f in response.context["customer_analytics"].figures}
    assert figures["Orders"] == ("2", None)
    assert figures["Total revenue"] == ("2,500.00\xa0EUR", None)
    assert figures["Last purchase"] == ("31 days ago", None)
    assert (stored.r_score, stored.f_score) == (5, 5)  # the latest and only repeat buyer
    assert figures["RFM scores"] == (f"R 5 · F 5 · M {stored.m_score}", None)
    assert figures["ABC/XYZ class"] == ("AZ", None)
    # five customers cannot fit the lifetime-value model: the figure is missing, and why
    reason = "Only 1 customers bought more than once; the model needs at least 20."
    assert figures["Chance the customer still buys"] == (None, reason)
    assert figures["Lifetime value, 12 months"] == (None, reason)
    assert figures["Churn risk"] == (
        "0 %",
        "On track: last purchase 31 days ago; usually every 140 days.",
    )
    assert "As of 30 Jun 2025" in panel
    assert '<a href="/products/{}/">Cyprus, 1 Aug</a>'.format(offered["cyprus_next"].pk) in panel
    assert "Bought Crete; 75 % of such customers also bought Cyprus, lift 1.5." in panel
    assert stored.rfm_segment == "champions"
    assert '<span class="badge rfm-segment">Champions</span>' in panel
    assert "<tr><td>Champions</td><td>30.06.2025</td><td>still in it</td></tr>" in panel


def test_segment_history_lists_stays_newest_first(as_user, offered):
    newcomer = offered["newcomer"]
    RfmSegmentHistory.objects.filter(contact=newcomer).update(entered_on=dt.date(2025, 5, 31))
    RfmSegmentHistory.objects.create(
        contact=newcomer,
        rfm_segment="new",
        entered_on=dt.date(2025, 1, 31),
        left_on=dt.date(2025, 5, 31),
    )

    history = as_user("analyst").get(f"/contacts/{newcomer.pk}/").context["customer_analytics"]

    assert [(s.segment, s.entered_on, s.left_on) for s in history.history][1:] == [
        ("New", dt.date(2025, 1, 31), dt.date(2025, 5, 31))
    ]
    assert history.history[0].left_on is None


def test_numbers_and_words_follow_the_readers_language(client, users, offered):
    client.force_login(users["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    response = client.get(f"/contacts/{offered['newcomer'].pk}/")

    figures = response.context["customer_analytics"].figures
    assert "2\xa0500,00\xa0EUR" in [f.value for f in figures]
    panel = _panel(response)
    assert "1,5." in panel
    assert "<td>Чемпіони</td>" in panel


def test_before_any_refresh_the_section_says_so(as_user, users):
    who = ContactFactory(owner=users["manager"])

    response = as_user("manager").get(f"/contacts/{who.pk}/")

    assert response.context["customer_analytics"].state == "no_refresh"
    assert "No refresh yet: the figures appear after the first analytics refresh." in _panel(
        response
    )


def test_a_contact_without_purchases_gets_the_reason(as_user, users, offered):
    who = ContactFactory(owner=users["manager"])

    panel = _panel(as_user("marketer").get(f"/contacts/{who.pk}/"))

    assert "No booked or paid order up to 30 Jun 2025: no figures for this contact." in panel


@pytest.mark.parametrize(
    ("role", "status", "shown"),
    [
        ("admin", 200, True),
        ("manager", 200, True),
        ("manager_mate", 200, True),
        ("marketer", 200, True),
        ("analyst", 200, True),
        ("agent", 200, False),  # sees the customer, not the figures
        ("manager2", 404, False),  # another team's customer
    ],
)
def test_who_sees_the_section(as_user, offered, role, status, shown):
    response = as_user(role).get(f"/contacts/{offered['newcomer'].pk}/")

    assert response.status_code == status
    if status == 200:
        assert ('id="customer-analytics"' in response.text) is shown
        assert (response.context["customer_analytics"] is not None) is shown
