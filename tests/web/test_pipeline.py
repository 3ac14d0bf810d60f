import datetime as dt

import pytest
from django.utils import timezone

from rapport.sales import services
from rapport.sales.models import Deal, DealStageChange, Order, Pipeline, Stage
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_board_shows_columns_cards_totals_and_days_in_stage(as_user, deal, stages):
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - dt.timedelta(days=3, hours=1)
    )

    response = as_user("manager").get("/pipeline/")

    assert response.status_code == 200
    text = response.text
    for name in ["Enquiry", "Offer sent", "Booking", "Won", "Lost"]:
        assert name in text
    assert "Crete for two" in text
    assert "Олена Коваленко" in text
    assert "1,500 EUR" in text
    assert "3 days" in text
    assert f'data-move-url="/deals/{deal.pk}/move/"' in text
    assert 'draggable="true"' in text
    assert "rapport/board.js" in text


def test_board_hides_other_teams_deals(as_user, deal):
    assert "Crete for two" not in as_user("manager2").get("/pipeline/").text


def test_board_without_pipelines_explains(as_user):
    response = as_user("manager").get("/pipeline/")

    assert response.status_code == 200
    assert "There is no pipeline yet." in response.text


def test_analyst_sees_board_without_moving(as_user, deal):
    page = as_user("analyst").get("/pipeline/")

    assert "Crete for two" in page.text
    assert 'draggable="true"' not in page.text
    assert "<summary>Move to…</summary>" not in page.text
    assert "lost-dialog" not in page.text


def test_move_by_htmx_returns_the_board(as_user, deal, stages):
    response = as_user("manager").post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Offer sent"].pk, "version": 1}, **HTMX
    )

    deal.refresh_from_db()
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "“Crete for two” moved to Offer sent." in response.text
    assert deal.stage == stages["Offer sent"]
    assert deal.version == 2
    assert DealStageChange.objects.filter(deal=deal).count() == 2


def test_moving_to_lost_needs_a_reason(as_user, deal, stages, lost_reason):
    client = as_user("manager")

    refused = client.post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Lost"].pk, "version": 1}, **HTMX
    )
    deal.refresh_from_db()
    assert "Choose why the deal was lost." in refused.text
    assert deal.stage == stages["Enquiry"]

    client.post(
        f"/deals/{deal.pk}/move/",
        {
            "stage": stages["Lost"].pk,
            "version": 1,
            "lost_reason": lost_reason.pk,
            "lost_note": "Found cheaper",
        },
        **HTMX,
    )
    deal.refresh_from_db()
    assert deal.stage == stages["Lost"]
    assert deal.lost_reason == lost_reason
    assert deal.lost_note == "Found cheaper"


def test_moving_to_won_records_the_order_and_links_it(as_user, deal, stages):
    response = as_user("manager").post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Won"].pk, "version": 1}, **HTMX
    )

    order = Order.objects.get(deal=deal)
    assert order.total == 1500
    assert f"order #{order.pk} recorded" in response.text
    assert f'href="/orders/{order.pk}/"' in response.text


def test_stale_move_says_so_and_shows_the_current_board(as_user, deal, stages):
    services.deal_move_stage(actor=deal.owner, deal=deal, stage=stages["Booking"])

    response = as_user("manager").post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Offer sent"].pk, "version": 1}, **HTMX
    )

    deal.refresh_from_db()
    assert response.status_code == 200
    assert "Someone moved “Crete for two” meanwhile" in response.text
    assert deal.stage == stages["Booking"]
    assert f'data-version="{deal.version}"' in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "abc"},
        {"stage": ""},
        {"stage": "999999"},
        {"stage": "1", "lost_reason": "x"},
        {},
    ],
)
def test_odd_moves_are_errors_not_500s(as_user, deal, data):
    response = as_user("manager").post(f"/deals/{deal.pk}/move/", data, **HTMX)

    deal.refresh_from_db()
    assert response.status_code == 200
    assert 'class="message error"' in response.text
    assert deal.version == 1


def test_stage_of_another_pipeline_is_refused(as_user, deal):
    other = Pipeline.objects.create(name="Corporate")
    foreign = Stage.objects.create(pipeline=other, name="Talk", position=0, probability=5)

    response = as_user("manager").post(f"/deals/{deal.pk}/move/", {"stage": foreign.pk}, **HTMX)

    deal.refresh_from_db()
    assert "Choose a stage of the deal&#x27;s own pipeline." in response.text
    assert deal.stage.pipeline_id == deal.pipeline_id


def test_move_permissions(as_user, deal, stages):
    data = {"stage": stages["Booking"].pk}

    assert as_user("manager2").post(f"/deals/{deal.pk}/move/", data).status_code == 404
    assert as_user("analyst").post(f"/deals/{deal.pk}/move/", data).status_code == 403
    deal.refresh_from_db()
    assert deal.stage == stages["Enquiry"]


def test_plain_post_from_the_deal_page_goes_back_there(as_user, deal, stages):
    response = as_user("manager").post(
        f"/deals/{deal.pk}/move/",
        {"stage": stages["Booking"].pk, "version": 1, "next": f"/deals/{deal.pk}/"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"


def test_plain_post_never_redirects_off_site(as_user, deal, stages):
    response = as_user("manager").post(
        f"/deals/{deal.pk}/move/", {"stage": stages["Booking"].pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == f"/pipeline/?pipeline={deal.pipeline_id}"


def test_deal_page_shows_history_with_time_in_stage_and_lost_reason(
    as_user, deal, stages, lost_reason
):
    DealStageChange.objects.filter(deal=deal).update(at=timezone.now() - dt.timedelta(days=2))
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=2))
    deal.refresh_from_db()
    services.deal_move_stage(
        actor=deal.owner, deal=deal, stage=stages["Lost"], lost_reason=lost_reason
    )

    response = as_user("manager").get(f"/deals/{deal.pk}/")

    assert response.status_code == 200
    assert "2 d 0 h" in response.text
    assert "Too expensive" in response.text
    assert "Олена Коваленко" in response.text


def test_deal_page_is_404_for_other_team(as_user, deal):
    assert as_user("manager2").get(f"/deals/{deal.pk}/").status_code == 404
    assert as_user("manager").get("/deals/0/").status_code == 404


def test_deal_list_filters(as_user, deal, stages):
    client = as_user("manager")

    assert "Crete for two" in client.get("/deals/", {"state": "open"}).text
    assert "Crete for two" not in client.get("/deals/", {"state": "won"}).text
    assert "Crete for two" in client.get("/deals/", {"stage": stages["Enquiry"].pk}).text
    assert "Crete for two" in client.get("/deals/", {"q": "олена"}).text
    assert "Crete for two" not in client.get("/deals/", {"q": "zzz"}).text
    assert "1 deal" in client.get("/deals/").text
    assert (
        client.get("/deals/", {"pipeline": "x", "from": "bad", "cursor": "no"}).status_code == 200
    )


def test_create_deal_with_products(as_user, olena, pipeline, product):
    response = as_user("manager").post(
        "/deals/new/",
        {
            "title": "Crete in July",
            "contact": olena.pk,
            "currency": "EUR",
            "product": [product.pk, ""],
            "quantity": ["2", "1"],
            "unit_price": ["", ""],
        },
    )

    created = Deal.objects.get(title="Crete in July")
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{created.pk}/"
    assert created.amount == 1400
    assert created.products.get().quantity == 2


def test_create_deal_names_its_errors(as_user, olena, pipeline, product):
    response = as_user("manager").post(
        "/deals/new/",
        {
            "title": "",
            "contact": olena.pk,
            "currency": "UAH",
            "product": [product.pk],
            "quantity": ["1"],
            "unit_price": [""],
        },
    )

    assert response.status_code == 200
    assert "Crete, 7 nights is priced in EUR." in response.text
    assert Deal.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"title": "X", "contact": "abc", "currency": "EUR"},
        {"title": "X", "contact": "1", "currency": "XXX"},
        {"title": "X", "amount": "1e99", "currency": "EUR"},
        {
            "title": "X",
            "currency": "EUR",
            "product": ["abc"],
            "quantity": ["x"],
            "unit_price": ["1e50"],
        },
        {"title": "X", "currency": "EUR", "expected_close_date": "2020-13-45"},
    ],
)
def test_create_deal_odd_input_is_never_a_500(as_user, olena, pipeline, data):
    response = as_user("manager").post("/deals/new/", data)

    assert response.status_code == 200
    assert Deal.objects.count() == 0


def test_create_deal_refuses_read_only_and_hidden_contacts(as_user, olena, pipeline):
    assert as_user("analyst").get("/deals/new/").status_code == 403
    response = as_user("manager2").post(
        "/deals/new/", {"title": "X", "contact": olena.pk, "currency": "EUR"}
    )
    assert "Choose a customer you can see." in response.text
    assert Deal.objects.count() == 0


def test_create_form_prefills_the_contact(as_user, olena, pipeline):
    response = as_user("manager").get("/deals/new/", {"contact": olena.pk})

    assert f'<input type="hidden" name="contact" value="{olena.pk}" data-combobox-value>' in (
        response.text
    )
    assert 'value="Олена Коваленко" role="combobox"' in response.text


def test_deal_delete_button_and_delete_with_a_message(as_user, deal):
    assert "Delete deal" not in as_user("marketer").get(f"/deals/{deal.pk}/").text
    client = as_user("manager")
    assert f'action="/deals/{deal.pk}/delete/"' in client.get(f"/deals/{deal.pk}/").text

    response = client.post(f"/deals/{deal.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == "/deals/"
    assert "Crete for two" in response.text  # the message names it
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert not DealStageChange.objects.filter(deal_id=deal.pk).exists()


def test_deal_with_an_order_shows_the_refusal(as_user, users, deal, stages):
    services.deal_move_stage(actor=users["manager"], deal=deal, stage=stages["Won"])
    assert as_user("agent").post(f"/deals/{deal.pk}/delete/").status_code == 403

    response = as_user("admin").post(f"/deals/{deal.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    assert "delete that order first" in response.text
    assert Order.objects.filter(deal=deal).exists()
