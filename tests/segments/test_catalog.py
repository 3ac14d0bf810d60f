"""The field catalog follows the site's settings: its own RFM segment map."""

import pytest

from rapport.segments.catalog import field_catalog

pytestmark = pytest.mark.django_db

CELLS = [f"{r}{f}" for r in range(1, 6) for f in range(1, 6)]


def test_rfm_segment_choices_are_the_default_map(db):
    choices = field_catalog()["metrics.rfm_segment"].choices

    assert choices is not None
    assert choices[0] == ("champions", "Champions")
    assert len(choices) == 11


def test_rfm_segment_choices_follow_a_custom_map(settings):
    settings.RAPPORT_ANALYTICS = {"rfm_map": {"best": CELLS[-1:], "rest": CELLS[:-1]}}

    choices = field_catalog()["metrics.rfm_segment"].choices

    assert choices == (("best", "best"), ("rest", "rest"))
