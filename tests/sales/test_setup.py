import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import Conflict
from rapport.sales.models import LeadSource, Pipeline, SourceSpend
from rapport.sales.services import setup
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db


def _stages(pipeline):
    return list(pipeline.stages.order_by("position").values_list("name", "position", "kind"))


def test_the_first_pipeline_becomes_the_default(users):
    pipeline = setup.pipeline_create(
        actor=users["admin"],
        data={"name": "Leisure", "stages": [{"name": "New", "probability": 10}]},
    )

    assert pipeline.is_default is True
    assert _stages(pipeline) == [("New", 0, "open")]


def test_stages_can_swap_names_and_be_added_in_one_edit(users):
    pipeline = make_pipeline()
    enquiry, offer = (pipeline.stages.get(name=n) for n in ("Enquiry", "Offer sent"))

    setup.pipeline_update(
        actor=users["admin"],
        pipeline=pipeline,
        data={"stages": [
            {"id": offer.pk, "name": "Enquiry", "probability": 10},
            {"id": enquiry.pk, "name": "Offer sent", "probability": 40},
            {"name": "Won", "probability": 100, "kind": "won"},
        ]},
    )  # fmt: skip

    assert _stages(pipeline) == [
        ("Enquiry", 0, "open"),
        ("Offer sent", 1, "open"),
        ("Won", 2, "won"),
    ]
    assert pipeline.stages.get(name="Enquiry").pk == offer.pk


def test_a_stage_of_another_pipeline_is_named(users):
    pipeline, other = make_pipeline(), make_pipeline("Corporate", default=False)

    with pytest.raises(ValidationError) as caught:
        setup.pipeline_update(
            actor=users["admin"],
            pipeline=pipeline,
            data={"stages": [{"id": other.stages.first().pk, "name": "X", "probability": 1}]},
        )

    assert list(caught.value.message_dict) == ["stages[0].id"]


def test_the_default_pipeline_is_not_deleted_while_others_exist(users):
    pipeline = make_pipeline()
    make_pipeline("Corporate", default=False)

    with pytest.raises(Conflict):
        setup.pipeline_delete(actor=users["admin"], pipeline=pipeline)

    assert Pipeline.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "marketer", "analyst"])
def test_only_admins_create_pipelines(users, role):
    with pytest.raises(PermissionError):
        setup.pipeline_create(actor=users[role], data={"name": "X", "stages": []})


def test_spend_is_checked_and_unique_per_period(users):
    source = setup.source_create(actor=users["marketer"], data={"name": "Web", "kind": "website"})
    data = {"period_start": "2025-01-01", "period_end": "2025-01-31", "amount": "10.005",
            "currency": "EUR"}  # fmt: skip

    spend = setup.spend_record(actor=users["marketer"], source=source, data=data)
    with pytest.raises(Conflict):
        setup.spend_record(actor=users["marketer"], source=source, data=data)

    assert str(spend.amount) == "10.00"
    assert SourceSpend.objects.count() == 1
    assert LeadSource.objects.get().kind == "website"


def test_tracking_numbers_are_normalised_and_unique(users):
    source = setup.source_create(actor=users["admin"], data={"name": "Ads", "kind": "google_ads"})

    number = setup.tracking_number_create(
        actor=users["marketer"], data={"number": "(044) 555-12-34", "source": source.pk}
    )
    with pytest.raises(Conflict) as duplicate:
        setup.tracking_number_create(
            actor=users["marketer"], data={"number": "+380445551234", "source": source}
        )
    with pytest.raises(ValidationError) as bad:
        setup.tracking_number_create(actor=users["marketer"], data={"number": "12", "source": 0})
    setup.tracking_number_update(actor=users["admin"], number=number, data={"is_active": False})

    number.refresh_from_db()
    assert (number.number, number.is_active) == ("+380445551234", False)
    assert duplicate.value.message_dict == {
        "number": ["+380445551234 is mapped to a source already."]
    }
    assert sorted(bad.value.message_dict) == ["number", "source"]


def test_web_form_slugs_are_checked_and_unique(users):
    source = setup.source_create(actor=users["admin"], data={"name": "Site", "kind": "website"})
    setup.web_form_create(
        actor=users["admin"], data={"name": "Tours", "slug": "tours", "source": source}
    )

    with pytest.raises(Conflict) as taken:
        setup.web_form_create(
            actor=users["admin"], data={"name": "Two", "slug": "tours", "source": source}
        )
    with pytest.raises(ValidationError) as bad:
        setup.web_form_create(
            actor=users["admin"], data={"name": "", "slug": "no spaces", "source": source}
        )

    assert taken.value.message_dict == {
        "slug": ["The form “Tours” already uses the address tours; choose another."]
    }
    assert sorted(bad.value.message_dict) == ["name", "slug"]


@pytest.mark.parametrize("role", ["manager", "agent", "analyst"])
def test_only_marketing_roles_set_up_numbers_and_forms(users, role):
    with pytest.raises(PermissionError):
        setup.tracking_number_create(actor=users[role], data={"number": "+380445551234"})
    with pytest.raises(PermissionError):
        setup.web_form_create(actor=users[role], data={"name": "X", "slug": "x"})


def test_source_with_leads_is_not_deleted(users):
    from rapport.sales import services

    used = setup.source_create(actor=users["admin"], data={"name": "Used", "kind": "website"})
    unused = setup.source_create(actor=users["admin"], data={"name": "Unused", "kind": "other"})
    services.lead_capture(data={"email": "a@example.com"}, source=used)

    with pytest.raises(Conflict):
        setup.source_delete(actor=users["marketer"], source=used)
    setup.source_delete(actor=users["marketer"], source=unused)
    assert list(LeadSource.objects.values_list("name", "is_active")) == [("Used", True)]
