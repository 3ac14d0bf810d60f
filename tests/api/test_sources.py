import pytest

from rapport.sales.models import LeadSource, SourceSpend
from tests.api.conftest import API
from tests.api.sales_data import make_source

pytestmark = pytest.mark.django_db


def _post(client, path, body, **kwargs):
    return client.post(f"{API}/{path}", body, content_type="application/json", **kwargs)


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def _spend(start="2025-01-01", end="2025-01-31", amount="500"):
    return {"period_start": start, "period_end": end,
            "amount": {"amount": amount, "currency": "EUR"}}  # fmt: skip


def test_a_marketer_adds_renames_and_retires_a_source(api_as):
    client = api_as("marketer")

    created = _post(client, "sources", {"name": "Instagram", "kind": "instagram"})
    renamed = client.patch(
        f"{API}/sources/{created.json()['id']}",
        {"name": "Instagram ads", "is_active": False},
        content_type="application/json",
    )
    active = api_as("manager").get(f"{API}/sources", {"active": "true"})

    assert created.status_code == 201
    assert renamed.json() == {
        "id": created.json()["id"],
        "name": "Instagram ads",
        "kind": "instagram",
        "is_active": False,
    }
    assert active.json()["items"] == []


def test_source_names_are_unique_and_kinds_known(api_as):
    make_source("Website")
    client = api_as("admin")

    twin = _post(client, "sources", {"name": "Website", "kind": "website"})
    odd = _post(client, "sources", {"name": "Radio", "kind": "radio"})

    assert (twin.status_code, _fields(twin)) == (409, ["name"])
    assert (odd.status_code, _fields(odd)) == (422, ["kind"])
    assert LeadSource.objects.count() == 1


def test_spend_is_recorded_and_listed_latest_first(api_as):
    source = make_source()
    client = api_as("marketer")

    january = _post(client, f"sources/{source.pk}/spend", _spend())
    february = _post(client, f"sources/{source.pk}/spend", _spend("2025-02-01", "2025-02-28"))
    listed = api_as("analyst").get(f"{API}/sources/{source.pk}/spend")

    assert january.status_code == february.status_code == 201
    assert january.json()["amount"] == {"amount": "500.00", "currency": "EUR"}
    assert [s["id"] for s in listed.json()["items"]] == [
        february.json()["id"],
        january.json()["id"],
    ]


@pytest.mark.parametrize(
    ("body", "fields", "status"),
    [
        (_spend(end="2024-12-31"), ["period_end"], 422),
        (_spend(amount="-1"), ["amount"], 422),
        ({**_spend(), "amount": {"amount": "1", "currency": "XXX"}}, ["amount.currency"], 422),
        ({"period_start": "2025-01-01", "amount": {"amount": "1", "currency": "EUR"}},
         ["period_end"], 422),
        (_spend(), ["period_start"], 409),
    ],
)  # fmt: skip
def test_bad_or_duplicate_spend_is_refused_naming_the_field(api_as, body, fields, status):
    source = make_source()
    SourceSpend.objects.create(
        source=source, period_start="2025-01-01", period_end="2025-01-31", amount=1,
        currency="EUR",
    )  # fmt: skip

    response = _post(api_as("marketer"), f"sources/{source.pk}/spend", body)

    assert (response.status_code, _fields(response)) == (status, fields)
    assert SourceSpend.objects.count() == 1


def test_sales_managers_neither_read_nor_record_spend(api_as):
    source = make_source()
    SourceSpend.objects.create(
        source=source, period_start="2025-01-01", period_end="2025-01-31", amount=1,
        currency="EUR",
    )  # fmt: skip
    client = api_as("manager")

    listed = client.get(f"{API}/sources/{source.pk}/spend")
    recorded = _post(client, f"sources/{source.pk}/spend", _spend("2025-03-01", "2025-03-31"))

    assert listed.json()["items"] == []
    assert recorded.status_code == 403
    assert SourceSpend.objects.count() == 1


def test_spend_of_a_missing_source_is_a_404(api_as):
    response = _post(api_as("marketer"), "sources/999/spend", _spend())

    assert response.status_code == 404
