"""A segment's birthday rule goes through `contacts.selectors.birthdays_between`: the same
contacts across the new year, found through ranges of the birthday index rather than by
reading every contact."""

import datetime as dt
from unittest.mock import ANY

import pytest

from rapport.contacts.models import Contact
from rapport.segments import selectors
from tests.contacts.plans import fill_birthdays, index_ranges
from tests.factories import ContactFactory

NEW_YEARS_EVE = dt.datetime(2026, 12, 30, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["birthday", "birth_date"])
def test_birthdays_within_the_next_days_cross_the_new_year_through_the_index(field):
    dec30, jan4 = (ContactFactory(birth_date=day).pk for day in ("1980-12-30", "1991-01-04"))
    ContactFactory(birth_date=dt.date(1980, 1, 5))
    ContactFactory(birth_date=None)
    rule = {"all": [{"field": field, "op": "within_next_days", "value": 5}]}
    node = selectors.parse_rule(rule)

    members = Contact.objects.filter(selectors.rule_filter(node, user=None, now=NEW_YEARS_EVE))

    assert set(members.values_list("pk", flat=True)) == {dec30, jan4}
    fill_birthdays(Contact.objects.get(pk=dec30).owner)
    assert index_ranges(members.values("pk"), "contact_birthday_idx") == (2, ANY)
