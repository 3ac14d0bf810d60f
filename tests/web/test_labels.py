"""Labels, not codes, in the reader's language; words that mean two things have a context.

The catalogs are translated in one pass at the end, so these tests add the translation they
need to the Ukrainian catalog for the test's duration and check that the page asks for it.
"""

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from rapport.catalog.forms import ProductForm
from rapport.contacts import services as contact_services
from rapport.contacts.forms import CompanyForm
from rapport.contacts.models import LifecycleStage
from rapport.sales import services
from rapport.sales.forms import OrderForm, SourceForm, WebFormForm
from rapport.sales.models import BuiltinStage, Deal, Pipeline, Stage
from rapport.timeline.forms import InteractionForm


@pytest.fixture
def ukrainian(monkeypatch):
    """add({(context, msgid): text}) puts these translations in the Ukrainian catalog."""

    def add(entries: dict[tuple[str, str], str]) -> None:
        catalog = trans_real.translation("uk")._catalog._catalogs[0]
        for (context, msgid), text in entries.items():
            key = f"{context}\x04{msgid}" if context else msgid
            monkeypatch.setitem(catalog, key, text)

    return add


@pytest.fixture(autouse=True)
def english_after():
    """A page in Ukrainian leaves Ukrainian active in this thread; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def in_ukrainian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    return client


@pytest.fixture
def builtin_pipeline(db):
    """A pipeline made from built-in stages, one of them renamed by an administrator."""
    pipeline = Pipeline.objects.create(name="Tours", is_default=True)
    for position, (key, name, kind) in enumerate(
        [
            ("enquiry", "Enquiry", "open"),
            ("offer_sent", "Offer e-mailed", "open"),
            ("won", "Won", "won"),
        ]
    ):
        Stage.objects.create(
            pipeline=pipeline, key=key, name=name, position=position, probability=50, kind=kind
        )
    return pipeline


def test_built_in_stages_are_named_in_the_readers_language(
    client, users, olena, builtin_pipeline, ukrainian
):
    ukrainian(
        {
            ("pipeline stage", "Enquiry"): "Запит",
            ("pipeline stage", "Offer sent"): "Пропозицію надіслано",
            ("pipeline stage", "Won"): "Виграно",
        }
    )
    deal = services.deal_create(
        actor=users["manager"], data={"title": "Crete", "contact": olena.pk, "amount": "100"}
    )
    client.force_login(users["manager"])

    board = in_ukrainian(client).get("/pipeline/")
    detail = client.get(f"/deals/{deal.pk}/")
    deals = client.get("/deals/")

    assert '<h2 id="col-' in board.text
    assert ">Запит <small" in board.text
    assert "Offer e-mailed" in board.text  # renamed: the administrator's word
    assert "Пропозицію надіслано" not in board.text
    assert ">Виграно <small" in board.text
    assert 'stage-kind-open">Запит</span>' in detail.text
    assert "selected>Запит</option>" in detail.text
    assert ">Запит</option>" in deals.text


def test_a_stage_keeps_its_built_in_label_only_while_its_name_is_the_built_in_one(builtin_pipeline):
    enquiry, offer, _won = builtin_pipeline.stages.order_by("position")

    with translation.override("en"):
        assert enquiry.label == "Enquiry"
        assert offer.label == "Offer e-mailed"
        assert str(enquiry) == "Enquiry"
    assert BuiltinStage.english("contract_signed") == "Contract signed"


def test_the_demo_pipelines_use_built_in_stages():
    from rapport.demo import sales_pools

    keys = [key for key, _p, _k in sales_pools.LEISURE_STAGES + sales_pools.CORPORATE_STAGES]

    assert set(keys) <= set(BuiltinStage.values)


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Lithuanian"), ("uk", "Литовська"), ("lt", "Lietuvių")]
)
def test_the_preferred_language_is_named_not_coded(client, users, language, shown):
    contact = contact_services.contact_create(
        actor=users["manager"], data={"first_name": "Rūta", "language": "lt"}
    )
    client.force_login(users["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(f"/contacts/{contact.pk}/")

    assert f"<dd>{shown}</dd>" in page.text


# (who, page, context, msgid, a Ukrainian word only that context would give)
CONTEXT_ON_PAGES = [
    ("manager", "/companies/", "company", "Name", "Назва компанії"),
    ("admin", "/products/", "product", "Name", "Назва товару"),
    ("admin", "/marketing/sources/", "source", "Name", "Назва джерела"),
    ("manager", "/profile/", "token", "Name", "Назва токена"),
    ("manager", "/contacts/", "lifecycle", "Stage", "Етап життєвого циклу"),
]


def test_the_leads_filter_says_open_in_its_own_words(client, users, ukrainian):
    ukrainian({("leads filter", "Open"): "Відкриті"})
    client.force_login(users["manager"])

    page = in_ukrainian(client).get("/leads/")

    assert '<option value="open">Відкриті</option>' in page.text


@pytest.mark.parametrize(("who", "page", "context", "msgid", "word"), CONTEXT_ON_PAGES)
def test_a_word_with_two_meanings_has_its_context_on_the_page(
    client, users, ukrainian, who, page, context, msgid, word
):
    ukrainian({(context, msgid): word})
    client.force_login(users[who])

    response = in_ukrainian(client).get(page)

    assert response.status_code == 200
    assert f">{word}</th>" in response.text


def test_forms_name_things_with_their_context(ukrainian):
    ukrainian(
        {
            ("company", "Name"): "Назва компанії",
            ("product", "Name"): "Назва товару",
            ("source", "Name"): "Назва джерела",
            ("form", "Name"): "Назва форми",
        }
    )

    with translation.override("uk"):
        labels = [
            str(form.base_fields["name"].label)
            for form in (CompanyForm, ProductForm, SourceForm, WebFormForm)
        ]

    assert labels == ["Назва компанії", "Назва товару", "Назва джерела", "Назва форми"]


def test_lifecycle_words_and_deal_words_are_told_apart(ukrainian):
    ukrainian(
        {
            ("lifecycle stage", "Lost"): "Втрачений клієнт",
            ("deal", "Lost"): "Програно",
            ("pipeline stage", "Lost"): "Угоду програно",
            ("lifecycle stage", "Prospect"): "Потенційний клієнт",
            ("lifecycle stage", "Lead"): "Зацікавлений",
        }
    )

    with translation.override("uk"):
        words = [
            str(LifecycleStage.LOST.label),
            str(Stage.Kind.LOST.label),
            str(BuiltinStage.LOST.label),
            str(LifecycleStage.PROSPECT.label),
            str(LifecycleStage.LEAD.label),
        ]

    assert words == [
        "Втрачений клієнт", "Програно", "Угоду програно", "Потенційний клієнт", "Зацікавлений"
    ]  # fmt: skip


def test_model_names_of_things_have_their_context(ukrainian):
    from rapport.catalog.models import Category, Product
    from rapport.contacts.models import Company, Tag
    from rapport.sales.models import LeadSource, LostReason, WebForm

    models = {
        "company": Company, "product": Product, "category": Category, "tag": Tag,
        "source": LeadSource, "lost reason": LostReason, "form": WebForm,
        "pipeline": Pipeline, "pipeline stage": Stage,
    }  # fmt: skip
    ukrainian({(context, "name"): f"назва ({context})" for context in models})
    ukrainian({("pipeline", "stage"): "етап воронки"})

    with translation.override("uk"):
        names = {c: str(m._meta.get_field("name").verbose_name) for c, m in models.items()}

    assert names == {context: f"назва ({context})" for context in models}
    with translation.override("uk"):
        assert str(Deal._meta.get_field("stage").verbose_name) == "етап воронки"


def test_when_left_empty_the_help_says_what_happens():
    expected = "Leave empty to use the current date and time."

    with translation.override("en"):
        assert str(InteractionForm.base_fields["occurred_at"].help_text) == expected
        assert str(OrderForm.base_fields["order_date"].help_text) == expected
