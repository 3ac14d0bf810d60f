"""Every endpoint × every role: 404 on reads of what one may not see, 403 on writes one may
not make, success otherwise, and exactly the rows the role may see in every list and report
(see tests/api/permissions.py for the rules)."""

import re

import pytest

from rapport.contacts import services
from tests.api.conftest import API, bearer_client, make_contact
from tests.api.matrix_activities import ACTIVITY_ENDPOINTS, activities_world
from tests.api.matrix_analytics import ANALYTICS_ENDPOINTS
from tests.api.matrix_campaigns import CAMPAIGN_ENDPOINTS, campaigns_world
from tests.api.matrix_sales import SALES_ENDPOINTS, sales_world
from tests.api.matrix_scenarios import SCENARIO_ENDPOINTS, scenarios_world
from tests.api.matrix_segments import SEGMENT_ENDPOINTS, segments_world
from tests.api.matrix_service import SERVICE_ENDPOINTS, service_world
from tests.api.permissions import MAY_SEE, MAY_SEE_SOUTH, ROLES, Endpoint, check
from tests.factories import CompanyFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, settings):
    settings.RAPPORT_VIBER_URL = "viber://t0ken@chatapi.viber.com?sender=Sun%20Travel&uri=suntravel"
    manager = users["manager"]
    contact = make_contact(manager, first_name="Olena", email="olena@example.com")
    event = services.consent_record(
        actor=manager,
        contact=contact,
        channel="email",
        purpose="marketing",
        status="granted",
        source="form",
    )
    south_contact = make_contact(
        users["manager2"], first_name="Olena", email="olena@south.example.com"
    )
    return {
        "contact": contact,
        "consent": event,
        "company": CompanyFactory(owner=manager),
        # team South's namesake and company: listed only to those who see South
        "south_contact": south_contact,
        "south_company": CompanyFactory(owner=users["manager2"]),
        "interaction": InteractionFactory(contact=contact),
        **sales_world(users),
        **activities_world(users, contact, south_contact),
        **service_world(users),
        **segments_world(users, contact),
        **campaigns_world(users, contact),
        **scenarios_world(users, contact),
    }


def contact(w):
    return w["contact"]


def north_and_south(north: str, south: str):
    return lambda w: [(w[north], MAY_SEE), (w[south], MAY_SEE_SOUTH)]


ENDPOINTS = [
    # contacts
    Endpoint("list contacts", "GET", lambda w: f"{API}/contacts?q=olena", "list", contact,
             rows=north_and_south("contact", "south_contact")),
    Endpoint(
        "create contact", "POST", lambda w: f"{API}/contacts", "create", contact,
        body=lambda w: {"first_name": "Taras"}, success=201,
    ),
    Endpoint(
        "read contact", "GET", lambda w: f"{API}/contacts/{w['contact'].pk}", "read", contact
    ),
    Endpoint(
        "change contact", "PATCH", lambda w: f"{API}/contacts/{w['contact'].pk}", "change",
        contact, body=lambda w: {"city": "Lviv"},
    ),
    Endpoint(
        "delete contact", "DELETE", lambda w: f"{API}/contacts/{w['contact'].pk}", "delete",
        contact, success=204,
    ),
    # consents
    Endpoint(
        "read consents", "GET", lambda w: f"{API}/contacts/{w['contact'].pk}/consents", "read",
        lambda w: w["consent"],
    ),
    Endpoint(
        "record consent", "POST", lambda w: f"{API}/contacts/{w['contact'].pk}/consents",
        "change", lambda w: w["consent"], success=201,
        body=lambda w: {"channel": "sms", "purpose": "service", "status": "granted",
                        "source": "call"},
    ),
    # companies
    Endpoint("list companies", "GET", lambda w: f"{API}/companies", "list", lambda w: w["company"],
             rows=north_and_south("company", "south_company")),
    Endpoint(
        "create company", "POST", lambda w: f"{API}/companies", "create", lambda w: w["company"],
        body=lambda w: {"name": "Sun Travel"}, success=201,
    ),
    Endpoint(
        "read company", "GET", lambda w: f"{API}/companies/{w['company'].pk}", "read",
        lambda w: w["company"],
    ),
    Endpoint(
        "change company", "PATCH", lambda w: f"{API}/companies/{w['company'].pk}", "change",
        lambda w: w["company"], body=lambda w: {"city": "Riga"},
    ),
    Endpoint(
        "delete company", "DELETE", lambda w: f"{API}/companies/{w['company'].pk}", "delete",
        lambda w: w["company"], success=204,
    ),
    # interactions
    Endpoint(
        "list interactions", "GET",
        lambda w: f"{API}/interactions?contact={w['contact'].pk}", "list",
        lambda w: w["interaction"],
    ),
    Endpoint(
        "log interaction", "POST", lambda w: f"{API}/interactions", "create_for",
        lambda w: w["interaction"], success=201, ref_field="contact",
        body=lambda w: {"contact": w["contact"].pk, "channel": "phone", "summary": "Called"},
    ),
    Endpoint(
        "read interaction", "GET", lambda w: f"{API}/interactions/{w['interaction'].pk}", "read",
        lambda w: w["interaction"],
    ),
    Endpoint(
        "change interaction", "PATCH", lambda w: f"{API}/interactions/{w['interaction'].pk}",
        "change", lambda w: w["interaction"], body=lambda w: {"summary": "Called back"},
    ),
    Endpoint(
        "delete interaction", "DELETE", lambda w: f"{API}/interactions/{w['interaction'].pk}",
        "delete", lambda w: w["interaction"], success=204,
    ),
]  # fmt: skip
ENDPOINTS += SALES_ENDPOINTS + ACTIVITY_ENDPOINTS + SERVICE_ENDPOINTS
ENDPOINTS += ANALYTICS_ENDPOINTS + SEGMENT_ENDPOINTS + CAMPAIGN_ENDPOINTS
ENDPOINTS += SCENARIO_ENDPOINTS


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint, role, users, world):
    check(endpoint, role, bearer_client(users[role]), world)


def test_every_operation_of_the_schema_is_in_the_matrix(client, world):
    schema = client.get(f"{API}/openapi.json").json()
    documented = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    tested = {(e.method, e.path(world).split("?")[0]) for e in ENDPOINTS}

    def covers(operation: tuple[str, str], call: tuple[str, str]) -> bool:
        pattern = re.sub(r"\\{[a-z_]+_id\\}", r"\\d+", re.escape(operation[1]))
        pattern = re.sub(r"\\{[a-z_]+\\}", r"[a-z_]+", pattern)  # a key, not an id
        return operation[0] == call[0] and re.fullmatch(pattern, call[1]) is not None

    untested = {op for op in documented if not any(covers(op, call) for call in tested)}
    undocumented = {call for call in tested if not any(covers(op, call) for op in documented)}
    assert (untested, undocumented) == (set(), set())
