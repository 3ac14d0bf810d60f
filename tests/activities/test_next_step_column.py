"""The contact list's "next step" column: each customer's earliest planned activity (an
overdue one first: it is still owed), read in one query for the whole page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.activities import selectors
from rapport.activities.models import Activity, ActivityStatus
from tests.activities.conftest import soon
from tests.factories import ContactFactory
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def _cell(html: str, contact) -> str:
    """The contact's row, from its name link to the end of the row."""
    row = html.split(f'href="/contacts/{contact.pk}/"')[1]
    return row.split("</tr>")[0]


def test_the_next_step_is_the_earliest_planned_activity(client, users, olena, jonas, plan):
    late = plan(contact=olena.pk, subject="Overdue call")
    Activity.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    plan(contact=olena.pk, subject="Later meeting", due_at=soon(5))
    done = plan(contact=olena.pk, subject="Done call", due_at=soon(1))
    Activity.objects.filter(pk=done.pk).update(
        status=ActivityStatus.DONE, completed_at=timezone.now()
    )
    client.force_login(users["admin"])

    page = client.get("/contacts/")

    olena_row, jonas_row = _cell(page.text, olena), _cell(page.text, jonas)
    assert '<th class="hide-sm">Next step</th>' in page.text
    assert f'href="/activities/{late.pk}/">Overdue call</a>' in olena_row
    assert "overdue</span>" in olena_row
    assert "Later meeting" not in olena_row
    assert "Done call" not in olena_row
    assert '<span class="muted">—</span>' in jonas_row


def test_next_steps_reads_one_row_per_contact_within_the_viewers_reach(users, olena, jonas, plan):
    first = plan(contact=olena.pk, subject="First", due_at=soon(1))
    plan(contact=olena.pk, subject="Second", due_at=soon(2))
    south = plan("manager2", contact=jonas.pk, subject="South", due_at=soon(1))

    as_admin = selectors.next_steps(users["admin"], [olena, jonas])
    as_manager = selectors.next_steps(users["manager"], [olena, jonas])

    assert {k: a.pk for k, a in as_admin.items()} == {olena.pk: first.pk, jonas.pk: south.pk}
    assert {k: a.pk for k, a in as_manager.items()} == {olena.pk: first.pk}
    assert selectors.next_steps(users["admin"], []) == {}


def test_the_column_costs_one_query_however_many_rows(client, users):
    people = [ContactFactory(first_name=f"N{i}", owner=users["manager"]) for i in range(30)]
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(subject=f"Call {i}", due_at=now + dt.timedelta(days=1 + i % 3),
                 time_zone="UTC", assignee=users["manager"], contact=person)
        for i, person in enumerate(people)
        for _ in range(2)
    )  # fmt: skip
    client.force_login(users["manager"])
    client.get("/contacts/")  # warm the session and content types

    # one query reads the page's next steps, whatever the rows (the page's total is pinned in
    # tests/web/test_contact_list.py)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/contacts/")

    read = [q["sql"] for q in queries.captured_queries if "activities_activity" in q["sql"]]
    assert len(read) == 1

    assert len(re.findall(r'href="/activities/\d+/"', response.text)) == 30


def test_load_more_rows_carry_the_column(client, users, olena, plan, monkeypatch):
    from rapport.contacts.views import contacts as contact_views

    monkeypatch.setattr(contact_views, "PAGE_SIZE", 1)
    ContactFactory(first_name="Newer", owner=users["manager"])
    ContactFactory(first_name="Newest", owner=users["manager"])
    step = plan(contact=olena.pk, subject="Call Olena")
    client.force_login(users["manager"])
    first = client.get("/contacts/")
    second = client.get("/contacts/", {"cursor": first.context["page"].next}, **HTMX)
    third = client.get("/contacts/", {"cursor": second.context["page"].next}, **HTMX)

    colspan = contact_views.BASE_COLUMNS + len(contact_views.LIST_COLUMNS)
    assert f'<tr class="load-more"><td colspan="{colspan}">' in first.text
    assert f'<tr class="load-more"><td colspan="{colspan}">' in second.text
    assert f'href="/activities/{step.pk}/">Call Olena</a>' in third.text  # the oldest
