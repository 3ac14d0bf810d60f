import json

import pytest

from rapport.sales.models import Lead, LeadSource, WebForm
from rapport.sales.public import RATE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(db):
    source = LeadSource.objects.create(name="Website", kind="website")
    return WebForm.objects.create(slug="tours", name="Find your tour", source=source)


def test_html_submission_creates_a_lead_with_utm(client, form):
    response = client.post(
        "/forms/tours/",
        {
            "first_name": "Agnė",
            "email": "agne@example.lt",
            "utm_source": "instagram",
            "utm_campaign": "ski-2027",
        },
    )

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.source, lead.form_slug, lead.utm_campaign) == (
        "Agnė",
        form.source,
        "tours",
        "ski-2027",
    )


def test_json_submission_and_double_submit_make_one_lead(client, form):
    body = json.dumps({"email": "ann@example.com", "message": "Egypt in March 🌴"})

    first = client.post("/forms/tours/", body, content_type="application/json")
    second = client.post("/forms/tours/", body, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first["Access-Control-Allow-Origin"] == "*"
    assert Lead.objects.count() == 1


def test_bad_input_gets_field_errors_never_a_500(client, form):
    response = client.post(
        "/forms/tours/",
        json.dumps({"email": "nope", "phone": "12", "first_name": "x\x00" * 3}),
        content_type="application/json",
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"email", "phone"}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        ("[1, 2]", 400),
        ('"x"', 400),
        # a lone surrogate is valid JSON but no UTF-8 text: was a 500, with no login needed
        ('{"first_name": "\\ud800", "email": "a@example.com"}', 400),
        ('{"\\udfff": "x", "email": "a@example.com"}', 400),
        (b'{"first_name": "\xff"}', 400),
    ],
)
def test_malformed_json_is_a_400(client, form, body, status):
    response = client.post("/forms/tours/", body, content_type="application/json")

    assert response.status_code == status
    assert "detail" in response.json()


def test_oversized_body_is_refused(client, form):
    response = client.post(
        "/forms/tours/",
        json.dumps({"email": "a@example.com", "message": "x" * 40000}),
        content_type="application/json",
    )

    assert response.status_code == 413


def test_honeypot_looks_like_success_but_stores_nothing(client, form):
    response = client.post(
        "/forms/tours/", {"email": "bot@example.com", "website_url": "http://spam"}
    )

    assert response.status_code == 201
    assert Lead.objects.count() == 0


def test_rate_limit_per_address(client, form):
    statuses = [
        client.post("/forms/tours/", {"email": f"p{i}@example.com"}).status_code
        for i in range(RATE_LIMIT + 1)
    ]

    assert statuses == [201] * RATE_LIMIT + [429]


def test_unknown_or_inactive_form_is_404(client, form):
    form.is_active = False
    form.save()

    assert client.post("/forms/tours/", {"email": "a@example.com"}).status_code == 404
    assert client.post("/forms/nope/", {"email": "a@example.com"}).status_code == 404


def test_get_shows_the_form(client, form):
    response = client.get("/forms/tours/")

    assert response.status_code == 200
    assert 'name="website_url"' in response.content.decode()


def test_rate_limit_counts_an_address_across_all_forms(client, form):
    other = WebForm.objects.create(slug="cruises", name="Cruises", source=form.source)
    for i in range(RATE_LIMIT):
        client.post("/forms/tours/", {"email": f"p{i}@example.com"})

    response = client.post(f"/forms/{other.slug}/", {"email": "new@example.com"})

    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(form, settings):
    from django.test import Client

    settings.RAPPORT_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def post(client_address: str, i: int) -> int:
        proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address)
        return proxy.post("/forms/tours/", {"email": f"p{i}@example.com"}).status_code

    statuses = [post("192.0.2.1", i) for i in range(RATE_LIMIT + 1)]

    assert statuses == [201] * RATE_LIMIT + [429]
    assert post("192.0.2.2", 99) == 201
