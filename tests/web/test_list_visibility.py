"""Every web list and its CSV export, for every role, holds exactly the rows the role may see:
team North's records, team South's, and (for leads) one nobody owns yet. The expectations are
the permission matrix's hand-written tables (tests/api/permissions.py), not the rule itself."""

import csv
import io

import pytest

from tests.api.conftest import make_contact
from tests.api.permissions import MAY_SEE, MAY_SEE_SOUTH, MAY_SEE_UNASSIGNED, ROLES
from tests.api.sales_data import make_deal, make_lead, make_order, make_pipeline
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users):
    north, south = users["manager"], users["manager2"]
    make_pipeline()
    rasa = make_contact(north, first_name="Rasa", email="rasa@example.lt")
    jonas = make_contact(south, first_name="Jonas", email="jonas@example.lt")
    return {
        "contacts": [(rasa, MAY_SEE), (jonas, MAY_SEE_SOUTH)],
        "companies": [(CompanyFactory(owner=north), MAY_SEE),
                      (CompanyFactory(owner=south), MAY_SEE_SOUTH)],
        "leads": [(make_lead(north, email="ieva@example.lt"), MAY_SEE),
                  (make_lead(south, email="ona@example.lt"), MAY_SEE_SOUTH),
                  (make_lead(None, email="free@example.lt"), MAY_SEE_UNASSIGNED)],
        "deals": [(make_deal(north, rasa), MAY_SEE), (make_deal(south, jonas), MAY_SEE_SOUTH)],
        "orders": [(make_order(north, rasa), MAY_SEE), (make_order(south, jonas), MAY_SEE_SOUTH)],
    }  # fmt: skip


def _seen(world, what, role):
    return sorted(obj.pk for obj, who in world[what] if who[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", ["contacts", "companies", "leads", "deals", "orders"])
def test_a_list_page_and_its_export_hold_exactly_what_the_role_may_see(
    client, users, world, role, what
):
    client.force_login(users[role])

    page = client.get(f"/{what}/")
    export = client.get(f"/{what}/export/csv/")

    assert page.status_code == 200
    assert sorted(item.pk for item in page.context["page"].items) == _seen(world, what, role)
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert sorted(int(row[0]) for row in rows[1:]) == _seen(world, what, role)
