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
