"""The survey arithmetic on hand-checked numbers: exit-reason shares, NPS buckets and score,
averages."""

from rapport.service import survey_maths as maths

ORDER = ["price", "service", "complaint", "competitor", "no_plans", "moved", "other"]


def test_reasons_are_counted_and_shared_most_given_first_ties_in_list_order():
    reasons = ["price", "moved", "price", "competitor", "moved", "price", "other", "moved"]

    counted = maths.reason_counts(reasons, ORDER)

    assert [(r.reason, r.count, r.share) for r in counted] == [
        ("price", 3, 0.375),
        ("moved", 3, 0.375),
        ("competitor", 1, 0.125),
        ("other", 1, 0.125),
        ("service", 0, 0.0),
        ("complaint", 0, 0.0),
        ("no_plans", 0, 0.0),
    ]


def test_no_answers_give_every_reason_a_zero_share():
    assert [(r.count, r.share) for r in maths.reason_counts([], ORDER)] == [(0, 0.0)] * 7


def test_buckets_follow_the_usual_nps_bands():
    assert [maths.bucket(s) for s in range(11)] == ["detractor"] * 7 + ["passive"] * 2 + [
        "promoter"
    ] * 2


def test_nps_is_the_share_of_promoters_minus_that_of_detractors():
    # 4 promoters, 2 passives, 3 detractors of 9: (4 - 3) / 9 = 11.1 %
    result = maths.nps([10, 9, 9, 10, 7, 8, 0, 6, 3])

    assert result == maths.Nps(answered=9, promoters=4, passives=2, detractors=3, score=11.1)


def test_nps_runs_from_minus_100_to_100_and_is_none_without_answers():
    assert (maths.nps([0, 1]).score, maths.nps([9, 10]).score, maths.nps([]).score) == (
        -100.0,
        100.0,
        None,
    )


def test_average_and_distribution_skip_missing_scores():
    scores = [5, 4, None, 4, 1]

    assert maths.average(scores) == 3.5
    assert maths.average([None]) is None
    assert maths.distribution(scores, range(1, 6)) == [(1, 1), (2, 0), (3, 0), (4, 2), (5, 1)]
