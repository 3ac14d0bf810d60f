import pytest

from rapport.sales.models import LeadSource, SourceSpend, TrackingNumber, WebForm

pytestmark = pytest.mark.django_db

PAGES = ["/marketing/sources/", "/marketing/forms/"]


@pytest.mark.parametrize("name", ["manager", "agent", "analyst"])
def test_only_admins_and_marketers_manage_marketing(as_user, source, name):
    client = as_user(name)

    for page in PAGES:
        assert client.get(page).status_code == 403
    assert client.get(f"/marketing/sources/{source.pk}/").status_code == 403
    assert client.post("/marketing/sources/", {"name": "X", "kind": "other"}).status_code == 403
    assert LeadSource.objects.count() == 1


def test_settings_menu_only_for_admins_and_marketers(as_user):
    assert 'href="/marketing/sources/"' in as_user("marketer").get("/").text
    assert 'href="/marketing/sources/"' not in as_user("manager").get("/").text


def test_create_and_rename_a_source(as_user):
    client = as_user("marketer")

    created = client.post(
        "/marketing/sources/", {"name": "Instagram ads", "kind": "instagram", "is_active": "on"}
    )
    source = LeadSource.objects.get()
    renamed = client.post(
        f"/marketing/sources/{source.pk}/", {"name": "Instagram", "kind": "instagram"}
    )

    source.refresh_from_db()
    assert created["Location"] == f"/marketing/sources/{source.pk}/"
    assert renamed.status_code == 302
    assert (source.name, source.is_active) == ("Instagram", False)


def test_duplicate_source_name_is_an_error(as_user, source):
    response = as_user("admin").post("/marketing/sources/", {"name": "Website", "kind": "website"})

    assert response.status_code == 200
    assert "Another source has this name." in response.text
    assert LeadSource.objects.count() == 1


def test_spend_per_period(as_user, source):
    client = as_user("marketer")
    url = f"/marketing/sources/{source.pk}/spend/"

    client.post(
        url,
        {
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "amount": "1200.00",
            "currency": "EUR",
        },
    )
    backwards = client.post(
        url,
        {
            "period_start": "2026-02-28",
            "period_end": "2026-02-01",
            "amount": "10",
            "currency": "EUR",
        },
    )
    again = client.post(
        url,
        {
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "amount": "5",
            "currency": "EUR",
        },
    )
    negative = client.post(
        url,
        {
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "amount": "-5",
            "currency": "EUR",
        },
    )
    page = client.get(f"/marketing/sources/{source.pk}/")

    assert SourceSpend.objects.get().amount == 1200
    assert "The period cannot end before it starts." in backwards.text
    assert "Spend for this source, period and currency is recorded already." in again.text
    assert "greater than or equal to 0" in negative.text
    assert "1,200.00 EUR" in page.text


def test_remove_spend(as_user, source):
    entry = SourceSpend.objects.create(
        source=source, period_start="2026-01-01", period_end="2026-01-31", amount=1, currency="EUR"
    )

    as_user("admin").post(f"/marketing/sources/{source.pk}/spend/{entry.pk}/delete/")

    assert SourceSpend.objects.count() == 0


def test_map_tracking_number_normalises_it(as_user, source):
    client = as_user("marketer")

    response = client.post(
        "/marketing/numbers/", {"number": "(044) 555-12-34", "source": source.pk, "is_active": "on"}
    )
    bad = client.post("/marketing/numbers/", {"number": "12", "source": source.pk})

    again = client.post("/marketing/numbers/", {"number": "+380445551234", "source": source.pk})

    number = TrackingNumber.objects.get()
    assert response["Location"] == f"/marketing/sources/{source.pk}/"
    assert number.number == "+380445551234"
    assert bad.status_code == 200
    assert "12 has too few digits for a +380 phone number." in bad.text
    assert "+380445551234 is mapped to a source already." in again.text
    assert TrackingNumber.objects.count() == 1


def test_toggle_tracking_number(as_user, source):
    number = TrackingNumber.objects.create(number="+380445551234", source=source)

    as_user("marketer").post(f"/marketing/numbers/{number.pk}/toggle/")

    number.refresh_from_db()
    assert number.is_active is False


def test_source_with_leads_is_deactivated_not_deleted(as_user, source):
    from rapport.sales import services

    services.lead_capture(data={"email": "a@example.com"}, source=source)

    as_user("admin").post(f"/marketing/sources/{source.pk}/delete/")

    source.refresh_from_db()
    assert source.is_active is False


def test_web_form_with_embeddable_snippet(as_user, source):
    client = as_user("marketer")

    created = client.post(
        "/marketing/forms/",
        {"name": "Contact us", "slug": "contact-us", "source": source.pk, "is_active": "on"},
    )
    form = WebForm.objects.get()
    page = client.get(f"/marketing/forms/{form.pk}/")

    assert created["Location"] == f"/marketing/forms/{form.pk}/"
    text = page.text
    assert "action=&quot;http://testserver/forms/contact-us/&quot;" in text
    assert "name=&quot;website_url&quot;" in text
    assert "utm_campaign" in text
    assert "landing_page" in text


def test_web_form_slug_is_checked(as_user, source):
    response = as_user("admin").post(
        "/marketing/forms/", {"name": "X", "slug": "no spaces!", "source": source.pk}
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert WebForm.objects.count() == 0


def test_web_form_slug_must_be_unique(as_user, source):
    WebForm.objects.create(name="Tours", slug="tours", source=source)

    response = as_user("marketer").post(
        "/marketing/forms/", {"name": "Other", "slug": "tours", "source": source.pk}
    )

    assert response.status_code == 200
    assert "The form “Tours” already uses the address tours; choose another." in response.text
    assert WebForm.objects.count() == 1


def test_edit_web_form_through_the_service(as_user, source):
    webform = WebForm.objects.create(name="Tours", slug="tours", source=source)
    client = as_user("admin")

    bad = client.post(
        f"/marketing/forms/{webform.pk}/",
        {"name": "Tours", "slug": "tours", "source": source.pk, "redirect_url": "ftp://x"},
    )
    good = client.post(
        f"/marketing/forms/{webform.pk}/",
        {"name": "Summer tours", "slug": "summer", "source": source.pk},
    )

    webform.refresh_from_db()
    assert "Enter a full web address starting with https://." in bad.text
    assert good.status_code == 302
    assert (webform.name, webform.slug, webform.is_active) == ("Summer tours", "summer", False)
