"""The complaint's edit page: who may open and save it (per role), what a save changes, the
audit trail it writes (readable names, as they were), and the corrections on the page."""

import pytest
from django.contrib.contenttypes.models import ContentType

from rapport.core.models import AuditEntry
from rapport.service import services
from rapport.service.models import Complaint, ComplaintCategory
from tests.api.conftest import make_contact
from tests.api.sales_data import make_order

pytestmark = pytest.mark.django_db

# A complaint of team North's customer: who may correct it, and who may not even see it.
EDIT = {
    "admin": 200, "manager": 200, "manager_mate": 200, "manager2": 404,
    "marketer": 403, "agent": 200, "analyst": 403,
}  # fmt: skip


@pytest.fixture
def categories(db):
    return {
        "hotel": ComplaintCategory.objects.create(name="Hotel"),
        "transfer": ComplaintCategory.objects.create(name="Transfer"),
    }


@pytest.fixture
def complaint(users, olena, categories):
    return services.complaint_register(
        actor=users["manager"], contact=olena, description="The transfer never came.",
        category=categories["transfer"].pk,
    )  # fmt: skip


@pytest.fixture
def south_order(users):
    """An order of team South's customer."""
    jonas = make_contact(users["manager2"], first_name="Jonas")
    return make_order(users["manager2"], jonas)


def _form(complaint, **changes):
    data = {
        "channel": complaint.channel, "category": complaint.category_id or "",
        "severity": complaint.severity, "description": complaint.description,
        "order": "", "product": "", "assignee": complaint.assignee_id or "",
    }  # fmt: skip
    return {**data, **changes}


def _audit(complaint):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=complaint.pk
    )


@pytest.mark.parametrize(("role", "status"), EDIT.items())
def test_who_may_open_the_edit_page(as_user, role, status, complaint):
    page = as_user(role).get(f"/complaints/{complaint.pk}/edit/")
    detail = as_user(role).get(f"/complaints/{complaint.pk}/")

    assert page.status_code == status
    edit_link = f'href="/complaints/{complaint.pk}/edit/"'
    if status == 200:
        assert f"Edit complaint #{complaint.pk}" in page.text
        assert 'name="contact"' not in page.text  # the customer stays
    if detail.status_code == 200:
        assert (edit_link in detail.text) is (status == 200)


@pytest.mark.parametrize(("role", "status"), EDIT.items())
def test_who_may_save_it(as_user, role, status, complaint):
    response = as_user(role).post(
        f"/complaints/{complaint.pk}/edit/", _form(complaint, severity="high")
    )

    complaint.refresh_from_db()
    assert response.status_code == (302 if status == 200 else status)
    assert complaint.severity == ("high" if status == 200 else "normal")
    assert _audit(complaint).count() == (1 if status == 200 else 0)


def test_a_save_is_audited_with_readable_values(as_user, users, complaint, categories):
    response = as_user("agent").post(
        f"/complaints/{complaint.pk}/edit/",
        _form(complaint, category=categories["hotel"].pk, severity="high",
              description="The hotel had no room.", assignee=users["agent"].pk),
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    entry = _audit(complaint).get()
    assert entry.actor == users["agent"]
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.subject_contact_id == complaint.contact_id
    assert entry.changes == {
        "assignee": [str(users["manager"]), str(users["agent"])],
        "category": ["Transfer", "Hotel"],
        "description": ["The transfer never came.", "The hotel had no room."],
        "severity": ["normal", "high"],
    }
    page = as_user("agent").get(f"/complaints/{complaint.pk}/")
    corrections = page.text.split('id="complaint-changes"')[1].split("</ul>\n")[0]
    assert "<del>Normal</del> → <ins>High</ins>" in corrections
    assert "<del>Transfer</del> → <ins>Hotel</ins>" in corrections


def test_saving_nothing_new_writes_no_audit_entry(as_user, complaint):
    response = as_user("manager").post(f"/complaints/{complaint.pk}/edit/", _form(complaint))

    assert response.status_code == 302
    assert not _audit(complaint).exists()
    page = as_user("manager").get(f"/complaints/{complaint.pk}/")
    assert 'id="complaint-changes"' not in page.text


def test_bad_input_is_named_on_the_form(as_user, complaint):
    blank = as_user("manager").post(
        f"/complaints/{complaint.pk}/edit/", _form(complaint, description="   ")
    )
    unknown = as_user("manager").post(
        f"/complaints/{complaint.pk}/edit/", _form(complaint, severity="extreme")
    )

    assert (blank.status_code, unknown.status_code) == (200, 200)
    assert blank.context["form"].errors == {
        "description": ["Describe what the customer complains about."]
    }
    assert list(unknown.context["form"].errors) == ["severity"]
    complaint.refresh_from_db()
    assert complaint.description == "The transfer never came."
    assert not _audit(complaint).exists()


def test_another_customers_order_is_refused(as_user, complaint, south_order):
    response = as_user("admin").post(
        f"/complaints/{complaint.pk}/edit/", _form(complaint, order=south_order.pk)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "order": [f"Order #{south_order.pk} is another customer's."]
    }


def test_a_retired_category_stays_chosen(as_user, complaint, categories):
    ComplaintCategory.objects.filter(pk=categories["transfer"].pk).update(is_active=False)

    page = as_user("manager").get(f"/complaints/{complaint.pk}/edit/")
    saved = as_user("manager").post(
        f"/complaints/{complaint.pk}/edit/", _form(complaint, severity="low")
    )

    assert f'<option value="{categories["transfer"].pk}" selected>Transfer</option>' in page.text
    assert saved.status_code == 302
