"""The small demo (what `make run` loads) gives every customer analysis something to show."""

import io

import pytest
from django.core.management import call_command

from rapport.analytics.maths.rfm import DEFAULT_SEGMENT_MAP
from rapport.analytics.models import AnalyticsRun, CrossSellPair, CustomerMetrics
from rapport.demo.management.commands.demo import SIZES


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """One load of the small demo with `make run`'s seed for the whole module."""
    with django_db_blocker.unblock():
        call_command("demo", size="small", stdout=io.StringIO(), verbosity=0)
        yield
        call_command("flush", interactive=False, verbosity=0)


pytestmark = pytest.mark.usefixtures("small_demo")


@pytest.mark.django_db
def test_the_small_demo_fits_bgnbd_and_gamma_gamma_so_lifetime_values_show():
    run = AnalyticsRun.objects.filter(kind="customers").latest("computed_at")
    assert run.warnings == []
    for model, names in (("bgnbd", {"r", "alpha", "a", "b"}), ("gamma_gamma", {"p", "q", "v"})):
        fit = run.fits[model]
        assert fit["ok"] is True, fit["message"]
        assert set(fit["params"]) == names
        assert all(0 < value < 1e5 for value in fit["params"].values())
    customers = CustomerMetrics.objects.count()
    assert customers > SIZES["small"] // 2
    assert CustomerMetrics.objects.filter(p_alive__isnull=False).count() == customers
    assert CustomerMetrics.objects.filter(clv_365d__isnull=False).count() == customers


@pytest.mark.django_db
def test_every_rfm_score_and_segment_of_the_small_demo_has_customers():
    """rfm.py scores ties by their mid-rank: F2 stays empty unless the one-time buyers are
    fewer than 40 % and the one- and two-time buyers' mid-rank falls in the second fifth."""
    rows = list(CustomerMetrics.objects.values_list("r_score", "f_score", "m_score"))
    for position in range(3):
        assert {row[position] for row in rows} == {1, 2, 3, 4, 5}
    segments = set(CustomerMetrics.objects.values_list("rfm_segment", flat=True))
    assert segments == set(DEFAULT_SEGMENT_MAP)
    # lapsed customers to win back: at risk, can't lose them, hibernating and lost
    assert CustomerMetrics.objects.filter(r_score__lte=2, f_score__gte=3).count() >= 20


@pytest.mark.django_db
def test_the_small_demo_has_product_affinities_and_referrers():
    assert CrossSellPair.objects.filter(basis="customer", lift__gt=1).exists()
    # destination affinities (beach goes with beach, ski with ski) drive next best offers
    reasons = CustomerMetrics.objects.filter(next_best_offer_reason__isnull=False).values_list(
        "next_best_offer_reason", flat=True
    )
    assert any(reason["params"]["lift"] > 1 for reason in reasons)
    assert CustomerMetrics.objects.filter(referred_customers__gt=0).exists()
