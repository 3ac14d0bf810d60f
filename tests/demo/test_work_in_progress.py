"""`rapport demo` opens on a working day: every sales manager has new leads and a board with
open deals in several stages, some of them past their expected close date."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import Role, User
from rapport.sales.models import Deal, Lead
from rapport.timeline.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)


def _columns_with_cards(html: str) -> int:
    columns = html.split('<section class="board-column')[1:]
    return sum('class="deal-card"' in column for column in columns)


def _new_lead_rows(html: str) -> int:
    return len(re.findall(r'<span class="badge lead-new">', html))


def test_every_manager_has_a_full_board_and_new_leads(demo):
    managers = list(User.objects.filter(role=Role.SALES_MANAGER))
    assert len(managers) == 6
    client = Client()
    for manager in managers:
        client.force_login(manager)

        board = client.get("/pipeline/", {"owner": manager.pk})
        leads = client.get("/leads/", {"status": "new", "owner": manager.pk})

        assert board.status_code == 200
        assert _columns_with_cards(board.text) >= 3, manager.username
        assert _new_lead_rows(leads.text) >= 3, manager.username


def test_new_leads_arrived_today_and_yesterday_and_some_deals_are_overdue(demo):
    today = timezone.localdate()
    for manager in User.objects.filter(role=Role.SALES_MANAGER):
        days = {
            timezone.localtime(at).date()
            for at in Lead.objects.filter(owner=manager, status="new").values_list(
                "created_at", flat=True
            )
        }
        assert {today, today - dt.timedelta(days=1)} <= days, manager.username
        overdue = Deal.objects.filter(
            owner=manager, stage__kind="open", expected_close_date__lt=today
        )
        assert overdue.count() >= 3, manager.username


def test_work_in_progress_is_on_the_timeline(demo):
    open_deals = set(Deal.objects.filter(stage__kind="open").values_list("pk", flat=True))
    new_leads = set(Lead.objects.filter(status="new").values_list("pk", flat=True))

    opened = set(
        Interaction.objects.filter(kind="deal.created").values_list("source_id", flat=True)
    )
    enquiries = set(
        Interaction.objects.filter(kind="lead.enquiry").values_list("source_id", flat=True)
    )
    assert open_deals
    assert open_deals <= opened
    assert new_leads <= enquiries
