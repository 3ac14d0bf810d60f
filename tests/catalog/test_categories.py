import pytest
from django.core.exceptions import ValidationError

from rapport.catalog import services
from rapport.catalog.models import Category
from rapport.core.errors import Conflict

pytestmark = pytest.mark.django_db


def test_top_level_names_are_unique_regardless_of_case(users):
    services.category_create(actor=users["marketer"], data={"name": "Beach"})

    with pytest.raises(Conflict):
        services.category_create(actor=users["marketer"], data={"name": "BEACH"})

    assert Category.objects.count() == 1


def test_a_category_cannot_move_below_its_own_child(users):
    beach = services.category_create(actor=users["admin"], data={"name": "Beach"})
    crete = services.category_create(
        actor=users["admin"], data={"name": "Crete", "parent": beach.pk}
    )

    with pytest.raises(ValidationError) as caught:
        services.category_update(actor=users["admin"], category=beach, data={"parent": crete.pk})

    assert caught.value.message_dict == {"parent": ["A category cannot sit inside itself."]}


def test_sales_managers_do_not_edit_categories(users):
    with pytest.raises(PermissionError):
        services.category_create(actor=users["manager"], data={"name": "Beach"})
