import pytest
from django.urls import reverse

from rapport.contacts import search, services
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_back_office_edits_are_audited_and_searchable(client, users):
    admin_user = users["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    contact = services.contact_create(
        actor=users["manager"], data={"first_name": "Rūta", "last_name": "Kazlauskienė"}
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        {
            "first_name": "Rūta",
            "last_name": "Petrauskienė",
            "lifecycle_stage": "customer",
            "owner": users["manager"].pk,
            "custom": "{}",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(subject_contact_id=contact.pk, action="update").get()
    assert entry.actor == admin_user
    assert entry.changes["last_name"] == ["Kazlauskienė", "Petrauskienė"]
    assert "petrauskiene" in search.indexed_terms(contact.pk)  # folded: ė → e
    assert "kazlauskienė" not in search.indexed_terms(contact.pk)
