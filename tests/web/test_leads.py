import pytest

from rapport.sales import services
from rapport.sales.models import Deal, Lead, LeadStatus
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_list_shows_leads_with_source_campaign_and_capped_count(as_user, lead):
    response = as_user("manager").get("/leads/")

    assert response.status_code == 200
    assert "Taras Shevchuk" in response.text
    assert "summer-crete" in response.text
    assert "1 lead" in response.text
    assert 'href="/leads/new/"' in response.text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"status": "new"}, True),
        ({"status": "qualified"}, False),
        ({"status": "open"}, True),
        ({"campaign": "summer"}, True),
        ({"campaign": "winter"}, False),
        ({"owner": "none"}, True),
        ({"q": "tara"}, True),
        ({"q": "0671112233"}, True),
        ({"q": "nobody"}, False),
        ({"from": "2000-01-01", "to": "2000-12-31"}, False),
    ],
)
def test_list_filters(as_user, lead, query, found):
    response = as_user("admin").get("/leads/", query, **HTMX, HTTP_HX_TARGET="lead-results")

    assert response.status_code == 200
    assert ("Taras Shevchuk" in response.text) is found
    assert "<html" not in response.text


def test_list_filters_by_source(as_user, lead, source):
    assert "Taras" in as_user("admin").get("/leads/", {"source": source.pk}).text
    assert "Taras" not in as_user("admin").get("/leads/", {"source": source.pk + 1}).text


@pytest.mark.parametrize(
    "query",
    [
        {"status": "<script>"},
        {"source": "abc"},
        {"owner": "x"},
        {"from": "31-31-2020", "to": "yesterday"},
        {"cursor": "forged"},
        {"q": "x" * 5000},
    ],
)
def test_list_survives_odd_input(as_user, lead, query):
    assert as_user("manager").get("/leads/", query).status_code == 200


def test_other_team_sees_neither_owned_lead_in_list_nor_its_page(as_user, owned_lead):
    client = as_user("manager2")

    assert "Iryna" not in client.get("/leads/").text
    assert client.get(f"/leads/{owned_lead.pk}/").status_code == 404
    assert (
        client.post(f"/leads/{owned_lead.pk}/status/", {"status": "contacted"}).status_code == 404
    )
    assert client.post(f"/leads/{owned_lead.pk}/convert/").status_code == 404


def test_detail_shows_attribution_and_history(as_user, lead):
    response = as_user("manager").get(f"/leads/{lead.pk}/")

    assert response.status_code == 200
    for text in [
        "google",
        "cpc",
        "summer-crete",
        "https://www.google.com/",
        "abc123",
        "contact-us",
        "Two weeks in Crete",
        "+380 67 111 2233",
    ]:
        assert text in response.text
    assert 'id="convert-button"' in response.text


def test_analyst_reads_but_cannot_act(as_user, lead):
    client = as_user("analyst")

    page = client.get(f"/leads/{lead.pk}/")

    assert page.status_code == 200
    assert "convert-button" not in page.text
    assert client.post(f"/leads/{lead.pk}/status/", {"status": "contacted"}).status_code == 403
    assert client.post(f"/leads/{lead.pk}/convert/").status_code == 403
    assert client.get("/leads/new/").status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_status_change_through_htmx_returns_the_section(as_user, lead):
    response = as_user("manager").post(f"/leads/{lead.pk}/status/", {"status": "contacted"}, **HTMX)

    lead.refresh_from_db()
    assert response.status_code == 200
    assert lead.status == LeadStatus.CONTACTED
    assert "<html" not in response.text
    assert "New → <strong>Contacted</strong>" in response.text


def test_disqualify_needs_a_reason(as_user, lead):
    client = as_user("manager")

    refused = client.post(f"/leads/{lead.pk}/status/", {"status": "disqualified"}, **HTMX)
    lead.refresh_from_db()
    assert refused.status_code == 200
    assert "Say why the lead is disqualified." in refused.text
    assert lead.status == LeadStatus.NEW

    done = client.post(
        f"/leads/{lead.pk}/status/", {"status": "disqualified", "reason": "Spam"}, **HTMX
    )
    lead.refresh_from_db()
    assert done.status_code == 200
    assert lead.status == LeadStatus.DISQUALIFIED
    assert lead.disqualify_reason == "Spam"


@pytest.mark.parametrize("status", ["converted", "bogus", ""])
def test_impossible_status_is_an_error_not_a_500(as_user, lead, status):
    response = as_user("manager").post(f"/leads/{lead.pk}/status/", {"status": status}, **HTMX)

    lead.refresh_from_db()
    assert response.status_code == 200
    assert 'class="form-errors"' in response.text
    assert lead.status == LeadStatus.NEW


def test_convert_opens_a_deal_and_redirects_htmx_to_it(as_user, lead, pipeline):
    response = as_user("manager").post(f"/leads/{lead.pk}/convert/", {}, **HTMX)

    lead.refresh_from_db()
    deal = Deal.objects.get(lead=lead)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/deals/{deal.pk}/"
    assert lead.status == LeadStatus.CONVERTED
    assert deal.contact == lead.contact
    assert deal.contact.email == "taras@example.com"
    assert deal.stage.name == "Enquiry"


def test_convert_with_amount_and_title(as_user, lead, pipeline):
    as_user("manager").post(
        f"/leads/{lead.pk}/convert/",
        {"deal_title": "Crete in July", "amount": "2400.50", "currency": "EUR"},
    )

    deal = Deal.objects.get(lead=lead)
    assert (deal.title, str(deal.amount), deal.currency) == ("Crete in July", "2400.50", "EUR")


def test_convert_without_pipeline_says_so(as_user, lead):
    response = as_user("manager").post(f"/leads/{lead.pk}/convert/", {}, **HTMX)

    lead.refresh_from_db()
    assert response.status_code == 200
    assert "Create a pipeline with stages first." in response.text
    assert lead.status == LeadStatus.NEW


@pytest.mark.parametrize("amount", ["1e40", "-5", "abc"])
def test_convert_rejects_odd_amounts_on_the_form(as_user, lead, pipeline, amount):
    response = as_user("manager").post(f"/leads/{lead.pk}/convert/", {"amount": amount}, **HTMX)

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert Deal.objects.count() == 0


def test_convert_twice_is_refused(as_user, lead, pipeline):
    client = as_user("manager")
    client.post(f"/leads/{lead.pk}/convert/", {}, **HTMX)

    again = client.post(f"/leads/{lead.pk}/convert/", {}, **HTMX)

    assert again.status_code == 200
    assert "Only an open lead can be converted" in again.text
    assert Deal.objects.count() == 1


def test_create_by_hand(as_user, source):
    response = as_user("manager").post(
        "/leads/new/",
        {
            "first_name": "Petro",
            "phone": "067 222 33 44",
            "source": source.pk,
            "utm_campaign": "walk-in-may",
        },
    )

    created = Lead.objects.get(first_name="Petro")
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{created.pk}/"
    assert created.phone == "+380672223344"
    assert created.utm_campaign == "walk-in-may"
    assert created.owner.username == "manager"


def test_create_by_hand_names_the_bad_fields(as_user):
    response = as_user("manager").post("/leads/new/", {"first_name": "Petro", "email": "not-mail"})

    assert response.status_code == 200
    assert 'id="id_email-error"' in response.text or 'aria-invalid="true"' in response.text
    assert Lead.objects.count() == 0


def test_create_without_any_contact_detail_is_refused(as_user):
    response = as_user("manager").post("/leads/new/", {"first_name": "Petro"})

    assert response.status_code == 200
    assert "Leave an e-mail or a phone number" in response.text
    assert Lead.objects.count() == 0


def test_repeat_enquiry_lands_on_the_open_lead(as_user, lead):
    response = as_user("admin").post("/leads/new/", {"email": "TARAS@example.com"})

    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert Lead.objects.count() == 1


def test_load_more_returns_rows_only(as_user, source):
    from rapport.sales import services

    for i in range(55):
        services.lead_capture(data={"email": f"p{i}@example.com"}, source=source)
    client = as_user("admin")
    first = client.get("/leads/")
    cursor = first.context["page"].next

    more = client.get("/leads/", {"cursor": cursor}, **HTMX)

    assert "55 leads" in first.text
    assert more.status_code == 200
    assert more.text.count("<tr>") == 5
    assert "<table" not in more.text


@pytest.mark.parametrize("q", ["олена", "ОЛЕНА", "ковал", "kovalenkė"])
def test_list_search_ignores_case_in_every_script(as_user, lead, q):
    lead.first_name, lead.last_name = "Олена", "Коваленко" if q != "kovalenkė" else "KOVALENKĖ"
    lead.save()

    response = as_user("admin").get("/leads/", {"q": q}, **HTMX, HTTP_HX_TARGET="lead-results")

    assert lead.last_name in response.text


def test_delete_button_shows_to_who_may_delete_and_deletes_with_a_message(as_user, owned_lead):
    assert "Delete lead" not in as_user("marketer").get(f"/leads/{owned_lead.pk}/").text
    client = as_user("manager")
    page = client.get(f"/leads/{owned_lead.pk}/")
    assert f'action="/leads/{owned_lead.pk}/delete/"' in page.text
    assert "confirm(" in page.text

    response = client.post(f"/leads/{owned_lead.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == "/leads/"
    assert "Lead Iryna deleted." in response.text
    assert not Lead.objects.filter(pk=owned_lead.pk).exists()


def test_delete_is_refused_for_a_role_that_may_not_and_for_a_converted_lead(
    as_user, users, owned_lead, pipeline
):
    assert as_user("marketer").post(f"/leads/{owned_lead.pk}/delete/").status_code == 403
    assert as_user("manager2").post(f"/leads/{owned_lead.pk}/delete/").status_code == 404
    services.lead_convert(actor=users["manager"], lead=owned_lead)
    client = as_user("manager")
    assert "Delete lead" not in client.get(f"/leads/{owned_lead.pk}/").text

    response = client.post(f"/leads/{owned_lead.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == f"/leads/{owned_lead.pk}/"
    assert "attribution" in response.text
    assert Lead.objects.filter(pk=owned_lead.pk).exists()


def test_a_lead_made_by_hand_never_shows_another_teams_customer_it_matched(as_user, users):
    from rapport.contacts import services as contacts

    olena = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olena", "email": "olena@example.com"}
    )
    client = as_user("manager2")

    created = client.post("/leads/new/", {"first_name": "O", "email": "olena@example.com"})
    lead = Lead.objects.get()
    page = client.get(f"/leads/{lead.pk}/")

    assert lead.contact_id == olena.pk
    assert created["Location"] == f"/leads/{lead.pk}/"
    assert page.status_code == 200
    assert f"/contacts/{olena.pk}/" not in page.text
    assert "Olena" not in page.text
    assert client.get(f"/contacts/{olena.pk}/").status_code == 404
    assert _export_contact_ids(client) == {lead.pk: ""}
    assert _export_contact_ids(as_user("admin")) == {lead.pk: str(olena.pk)}


def _export_contact_ids(client):
    import csv
    import io

    response = client.get("/leads/export/csv/")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    return {int(row["id"]): row["contact id"] for row in rows}
