"""'My day': the user's overdue, today's and coming work in their zone, completed and moved
with one click; the overdue work per manager for team leads and administrators; where signing
in lands."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.activities import selectors
from rapport.activities.models import Activity, ActivityStatus
from rapport.activities.views.my_day import new_time
from rapport.contacts import services as contacts
from tests.activities.conftest import soon

pytestmark = pytest.mark.django_db


def _late(activity: Activity, hours: int = 24) -> Activity:
    Activity.objects.filter(pk=activity.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=hours)
    )
    activity.refresh_from_db()
    return activity


@pytest.fixture
def day(users, olena, jonas, plan):
    """Manager's: one overdue, one later today (in Kyiv), one in 3 days, one in 10 days;
    the mate's overdue one; the other team's overdue one."""
    users["manager"].time_zone = "Europe/Kyiv"
    users["manager"].save()
    now = timezone.now()
    return {
        "late": _late(plan(contact=olena.pk, subject="Late call")),
        "today": plan(contact=olena.pk, subject="Today call", due_at=now + dt.timedelta(minutes=1)),
        "soon": plan(contact=olena.pk, subject="Soon call", due_at=soon(3)),
        "far": plan(contact=olena.pk, subject="Far call", due_at=soon(10)),
        "mate": _late(plan("manager_mate", contact=olena.pk, subject="Mate late")),
        "south": _late(plan("manager2", contact=jonas.pk, subject="South late")),
    }


def _names(rows) -> list[str]:
    return [a.subject for a in rows]


def test_my_day_splits_my_own_work_at_my_local_midnights(users, day):
    now = timezone.now()
    mine = selectors.my_day(users["manager"], now)
    assert _names(mine.overdue) == ["Late call"]
    assert mine.overdue_count == 1
    start, tomorrow, _end = selectors.day_bounds(users["manager"].zone, now)
    local = start.astimezone(users["manager"].zone)
    assert (local.hour, local.minute) == (0, 0)
    today = ["Today call"] if day["today"].due_at < tomorrow else []
    assert _names(mine.today) == today
    assert _names(mine.upcoming) == [*(["Today call"] if not today else []), "Soon call"]


def test_day_bounds_follow_a_daylight_saving_change():
    zone = ZoneInfo("Europe/Kyiv")
    # 2026-03-29: clocks go forward at 03:00, so that day has 23 hours
    start, tomorrow, end = selectors.day_bounds(zone, dt.datetime(2026, 3, 29, 12, tzinfo=dt.UTC))
    assert tomorrow - start == dt.timedelta(hours=23)
    assert end - tomorrow == dt.timedelta(days=7)
    assert start == dt.datetime(2026, 3, 28, 22, tzinfo=dt.UTC)


def test_the_page_shows_my_lists_with_a_pinned_query_count(as_user, day, users):
    client = as_user("manager")
    client.get(reverse("activities:my_day"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("activities:my_day"))
    assert response.status_code == 200
    # session + user, team-lead check, three lists (one overdue: no count), the header bell
    assert len(queries) == 7
    page = response.content.decode()
    assert "Late call" in page
    assert "Soon call" in page
    assert f'href="/activities/{day["late"].pk}/"' in page
    assert "Far call" not in page
    assert "Mate late" not in page
    assert "South late" not in page
    assert response.context["team"] is None


def test_a_full_day_is_the_same_few_queries_and_lists_cut_at_their_length(as_user, users):
    manager = users["manager"]
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(subject=f"Call {i}", due_at=now + dt.timedelta(hours=hours),
                 time_zone="Europe/Kyiv", assignee=manager)
        for i, hours in enumerate([-5] * 30 + [24 * 3] * 30 + [24 * 30] * 30)
    )  # fmt: skip
    client = as_user("manager")
    client.get(reverse("activities:my_day"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("activities:my_day"))

    # session + user, team-lead check, three lists, the overdue count, the header bell
    assert len(queries) == 8
    day = response.context["day"]
    assert (len(day.overdue), day.overdue_count, len(day.upcoming)) == (25, 30, 25)
    page = response.content.decode()
    assert page.count('<input type="hidden" name="activity"') == 2 * 50
    assert page.count('name="outcome" aria-label="Outcome (optional)"') == 50
    assert page.count('<button type="submit" name="to" value="tomorrow"') == 50
    assert "See all 30 overdue" in page


def test_a_row_escapes_what_people_typed_and_carries_its_forms(as_user, users, plan):
    customer = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olena <b>", "last_name": "Koval & Co"}
    )
    due = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    call = plan(kind="meeting", contact=customer.pk, subject='Call "back" <now>', due_at=soon())
    Activity.objects.filter(pk=call.pk).update(due_at=due)
    client = as_user("manager")

    page = client.get(reverse("activities:my_day")).content.decode()

    local = timezone.localtime(due, users["manager"].zone)
    start = page.index("<li>", page.index('<ul class="day-list">'))
    row = page[start : page.index("</li>", start) + 5]
    csrf = row[row.index('name="csrfmiddlewaretoken" value="') :].split('"')[3]
    assert row == (
        f'<li>\n        <a href="/activities/{call.pk}/">Call &quot;back&quot; &lt;now&gt;</a>\n'
        f'        <span class="muted">Meeting · <time datetime="{local.isoformat()}">'
        f"{local:%d.%m.%Y %H:%M}</time> · Olena &lt;b&gt; Koval &amp; Co</span>\n"
        '        <form class="inline" hx-post="/my-day/complete/" hx-target="#my-day" '
        'method="post" action="/my-day/complete/"><input type="hidden" '
        f'name="csrfmiddlewaretoken" value="{csrf}"><input type="hidden" name="activity" '
        f'value="{call.pk}">\n'
        '          <input type="text" name="outcome" aria-label="Outcome (optional)" '
        'placeholder="Outcome (optional)">\n'
        '          <button type="submit" class="small">Complete</button>\n'
        "        </form>\n"
        '        <form class="inline" hx-post="/my-day/reschedule/" hx-target="#my-day" '
        'method="post" action="/my-day/reschedule/"><input type="hidden" '
        f'name="csrfmiddlewaretoken" value="{csrf}"><input type="hidden" name="activity" '
        f'value="{call.pk}">\n'
        '          <button type="submit" name="to" value="hour" class="small secondary">'
        "+1 hour</button>\n"
        '          <button type="submit" name="to" value="tomorrow" class="small secondary">'
        "Tomorrow</button>\n"
        '          <input type="datetime-local" name="due_at" aria-label="New time">\n'
        '          <button type="submit" name="to" value="at" class="small secondary">'
        "Move</button>\n"
        "        </form>\n"
        "      </li>"
    )


def test_one_click_complete_with_an_optional_outcome(as_user, day):
    client = as_user("manager")
    url = reverse("activities:day_complete")
    response = client.post(
        url, {"activity": day["late"].pk, "outcome": "Agreed"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Done: Late call." in response.content.decode()
    day["late"].refresh_from_db()
    assert (day["late"].status, day["late"].outcome) == (ActivityStatus.DONE, "Agreed")
    assert (
        client.post(url, {"activity": day["soon"].pk}).status_code == 302
    )  # without HTMX: back to the page
    day["soon"].refresh_from_db()
    assert (day["soon"].status, day["soon"].outcome) == (ActivityStatus.DONE, "")


def test_reschedule_an_hour_later_tomorrow_or_at_a_picked_time(as_user, day, users):
    client = as_user("manager")
    late = day["late"]
    url = reverse("activities:day_reschedule")
    before = timezone.now().replace(second=0, microsecond=0)
    response = client.post(url, {"activity": late.pk, "to": "hour"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    late.refresh_from_db()
    assert before + dt.timedelta(hours=1) <= late.due_at <= timezone.now() + dt.timedelta(hours=1)
    client.post(
        url, {"activity": late.pk, "to": "at", "due_at": "2031-05-04T09:30"}, HTTP_HX_REQUEST="true"
    )
    late.refresh_from_db()
    assert late.due_at == dt.datetime(2031, 5, 4, 6, 30, tzinfo=dt.UTC)  # 09:30 in Kyiv
    response = client.post(
        url, {"activity": late.pk, "to": "at", "due_at": "soon"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Give a date and time like" in response.content.decode()
    response = client.post(url, {"activity": late.pk, "to": "sometime"}, HTTP_HX_REQUEST="true")
    assert "Choose when to move it" in response.content.decode()


def test_without_htmx_the_page_gone_back_to_says_what_happened_or_why_not(as_user, day):
    client = as_user("manager")
    url = reverse("activities:day_reschedule")
    response = client.post(url, {"activity": day["late"].pk, "to": "sometime"})
    assert (response.status_code, response["Location"]) == (302, reverse("activities:my_day"))
    page = client.get(response["Location"]).content.decode()
    assert '<p class="message error">Late call: Choose when to move it' in page
    response = client.post(reverse("activities:day_complete"), {"activity": day["late"].pk})
    page = client.get(response["Location"]).content.decode()
    assert '<p class="message success">Done: Late call.</p>' in page


def test_tomorrow_keeps_the_wall_clock_time_in_the_activitys_zone(day):
    late = day["late"]
    now = dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC)
    late.due_at, late.time_zone = dt.datetime(2026, 3, 28, 7, tzinfo=dt.UTC), "Europe/Kyiv"
    moved = new_time(late, "tomorrow", "", ZoneInfo("UTC"), now)
    # 09:00 in Kyiv on the 28th (UTC+2) → 09:00 on the 29th, after the change (UTC+3)
    assert moved == dt.datetime(2026, 3, 29, 9, 0)


def test_another_teams_activity_cannot_be_completed_or_moved(as_user, day):
    client = as_user("manager")
    south = day["south"]
    done, move = reverse("activities:day_complete"), reverse("activities:day_reschedule")
    assert client.post(done, {"activity": south.pk}).status_code == 404
    assert client.post(move, {"activity": south.pk, "to": "hour"}).status_code == 404
    assert client.post(done, {"activity": "x"}).status_code == 404
    assert as_user("analyst").post(done, {"activity": day["late"].pk}).status_code == 403
    south.refresh_from_db()
    assert south.status == ActivityStatus.PLANNED


def test_a_team_lead_sees_overdue_work_per_member(as_user, day, users, team):
    team.lead = users["manager"]
    team.save()
    response = as_user("manager").get(reverse("activities:my_day"))
    rows = {p.username: p.overdue for p in response.context["team"]}
    assert rows == {"mate": 1}
    assert f"?assignee={users['manager_mate'].pk}&amp;overdue=true" in response.content.decode()


def test_an_admin_sees_overdue_work_per_sales_manager(as_user, day):
    response = as_user("admin").get(reverse("activities:my_day"))
    rows = {p.username: p.overdue for p in response.context["team"]}
    assert rows == {"manager": 1, "mate": 1, "manager2": 1}


@pytest.mark.parametrize(
    ("role", "lands"),
    [
        ("manager", "activities:my_day"),
        ("agent", "activities:my_day"),
        ("marketer", "web:home"),
        ("admin", "web:home"),
        ("analyst", "web:home"),
    ],
)
def test_signing_in_opens_my_day_for_managers_and_agents(client, users, role, lands):
    user = users[role]
    user.set_password("pw-Secret-123")
    user.save()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "pw-Secret-123"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:start")
    assert client.get(reverse("web:start"))["Location"] == reverse(lands)


def test_a_repeating_row_asks_which_occurrences_its_buttons_move(as_user, users, olena, plan):
    users["manager"].time_zone = "Europe/Kyiv"
    users["manager"].save()
    start = (timezone.now() + dt.timedelta(days=2)).astimezone(ZoneInfo("Europe/Kyiv"))
    rule = {"time_zone": "Europe/Kyiv", "recurrence": "FREQ=WEEKLY;COUNT=4", "contact": olena.pk}
    weekly = plan(subject="Weekly call", due_at=start.strftime("%Y-%m-%dT09:00"), **rule)
    once = plan(contact=olena.pk, subject="One call", due_at=soon(2))
    weekly2 = plan(subject="Other weekly", due_at=start.strftime("%Y-%m-%dT11:00"), **rule)
    client = as_user("manager")
    url = reverse("activities:day_reschedule")

    page = client.get(reverse("activities:my_day")).content.decode()

    def row(pk: int) -> str:
        at = page.index(f'name="activity" value="{pk}"', page.index(url))
        return page[page.rindex("<li>", 0, at) : page.index("</li>", at)]

    select = (
        '<select name="scope" class="small" aria-label="Which occurrences to move">'
        '<option value="this" selected>Only this one</option>'
        '<option value="following">This and the following</option></select>'
    )
    assert (row(weekly.pk).count(select), row(once.pk).count(select)) == (1, 0)

    new = (start + dt.timedelta(days=1)).strftime("%Y-%m-%dT15:30")
    response = client.post(
        url, {"activity": weekly.pk, "to": "at", "due_at": new, "scope": "following"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    assert "Moved: Weekly call and the following occurrences, from" in response.content.decode()
    weekly.refresh_from_db()
    local_due = weekly.due_at.astimezone(ZoneInfo("Europe/Kyiv"))
    assert (local_due.strftime("%Y-%m-%dT%H:%M"), weekly.recurrence) == (
        new, "FREQ=WEEKLY;COUNT=4",
    )  # fmt: skip
    assert weekly.starts_at == weekly.due_at  # the rule starts again at the new time

    # "Only this one" (the default) keeps the rule's own times
    client.post(url, {"activity": weekly2.pk, "to": "tomorrow", "scope": "this"})
    weekly2.refresh_from_db()
    assert weekly2.starts_at != weekly2.due_at
    assert weekly2.due_at - weekly2.occurrence_at == dt.timedelta(days=1)
