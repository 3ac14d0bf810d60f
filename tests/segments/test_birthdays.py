"""A segment's birthday rule goes through `contacts.selectors.birthdays_between`: the same
contacts across the new year, found through the birthday index rather than by reading every
contact."""

import datetime as dt

import pytest
from django.db import connection

from rapport.contacts.models import Contact
from rapport.segments import selectors
from tests.factories import ContactFactory

NEW_YEARS_EVE = dt.datetime(2026, 12, 30, 12, 0, tzinfo=dt.UTC)


def _members(rule: dict) -> tuple[set[int], str]:
    node = selectors.parse_rule(rule)
    query = Contact.objects.filter(selectors.rule_filter(node, user=None, now=NEW_YEARS_EVE))
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a small table: make the plan tell
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(row[-1] if connection.vendor == "sqlite" else row[0] for row in cursor)
    return set(query.values_list("pk", flat=True)), plan


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["birthday", "birth_date"])
def test_birthdays_within_the_next_days_cross_the_new_year_through_the_index(field):
    dec30, jan4 = (ContactFactory(birth_date=day).pk for day in ("1980-12-30", "1991-01-04"))
    ContactFactory(birth_date=dt.date(1980, 1, 5))
    ContactFactory(birth_date=None)
    rule = {"all": [{"field": field, "op": "within_next_days", "value": 5}]}

    members, plan = _members(rule)

    assert members == {dec30, jan4}
    assert "contact_birthday_idx" in plan, plan
    if connection.vendor == "sqlite":
        assert "SCAN" not in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
