"""The survey arithmetic on hand-checked numbers: exit-reason shares, NPS buckets and score,
the mean of counted scores."""

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


def test_nps_of_counts_is_nps_of_the_answers_they_count():
    assert maths.nps_of_counts({10: 2, 9: 2, 8: 1, 7: 1, 0: 1, 6: 1, 3: 1}) == maths.nps(
        [10, 9, 9, 10, 7, 8, 0, 6, 3]
    )


def test_shares_from_counts_match_counting_the_reasons():
    assert maths.reason_shares({"price": 3, "moved": 1}, ORDER) == maths.reason_counts(
        ["price", "moved", "price", "price"], ORDER
    )


def test_the_mean_of_counted_scores():
    # 1 × 1 + 2 × 4 + 1 × 5 = 14 over 4 answers
    assert maths.mean_of_counts({1: 1, 4: 2, 5: 1}) == 3.5
    assert maths.mean_of_counts({2: 2, 3: 1}) == 2.33
    assert maths.mean_of_counts({}) is None
