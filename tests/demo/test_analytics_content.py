"""The small demo (what `make run` loads) gives every customer analysis something to show."""

import io

from django.core.management import call_command

from rapport.analytics.maths.rfm import DEFAULT_SEGMENT_MAP
from rapport.analytics.models import AnalyticsRun, CrossSellPair, CustomerMetrics
from rapport.demo.management.commands.demo import SIZES


def test_the_small_demo_gives_clv_rfm_and_cross_sell_something_to_show(db):
    """One load (about 20 s) with `make run`'s seed, checked screen by screen."""
    call_command("demo", size="small", stdout=io.StringIO(), verbosity=0)

    # Lifetime value and churn: BG/NBD and Gamma-Gamma fit, every customer has a value.
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

    # RFM: rfm.py scores ties by their mid-rank, so F2 stays empty unless the one-time
    # buyers are under 40 % and the mid-rank of the two-time buyers falls in the second fifth.
    rows = list(CustomerMetrics.objects.values_list("r_score", "f_score", "m_score"))
    for position in range(3):
        assert {row[position] for row in rows} == {1, 2, 3, 4, 5}
    segments = set(CustomerMetrics.objects.values_list("rfm_segment", flat=True))
    assert segments == set(DEFAULT_SEGMENT_MAP)
    # lapsed good customers to win back (at risk, can't lose them)
    assert CustomerMetrics.objects.filter(r_score__lte=2, f_score__gte=3).count() >= 20

    # Cross-sell: product pairs above chance, and destination affinities (beach with beach,
    # ski with ski) behind the next best offers; some customers brought others.
    assert CrossSellPair.objects.filter(basis="customer", lift__gt=1).exists()
    assert CustomerMetrics.objects.filter(next_best_offer__isnull=False, offer_lift__gt=1).exists()
    assert CustomerMetrics.objects.filter(referred_customers__gt=0).exists()
