"""The segment page's "Import members" without a browser: the upload starts a background
import job (core/imports.py) whose report names every row it could not use."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rapport.core.models import ImportJob
from rapport.segments import services
from rapport.segments.models import SegmentMember
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


def _static(actor, name="Called back"):
    return services.segment_create(actor=actor, data={"name": name, "kind": "static"})


def _members(segment):
    return sorted(
        SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)
    )


def test_import_members_page_starts_a_job_that_adds_the_members(
    users, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    olena = make_contact(users["manager"], email="olena@example.com", external_id="crm-1")
    segment = _static(users["manager"])
    client = Client()
    client.force_login(users["manager"])
    url = reverse("segments:member_import", args=[segment.pk])
    upload = SimpleUploadedFile("list.csv", b"external_id\ncrm-1\ncrm-2\n")

    page = client.get(url)
    detail = client.get(reverse("segments:segment_detail", args=[segment.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload, "skip_invalid": "on", "action": "import"})

    job = ImportJob.objects.get()
    assert (page.status_code, url in detail.content.decode()) == (200, True)
    assert (response.status_code, response["Location"]) == (
        302, reverse("core:import_job", args=[job.pk]),
    )  # fmt: skip
    assert (job.kind, job.status, job.created_count, job.skipped_count) == (
        "segment_members", ImportJob.Status.DONE, 1, 1,
    )  # fmt: skip
    assert job.errors == [[3, "external_id", "No contact you may see has external_id crm-2."]]
    assert _members(segment) == [olena.pk]
    job_page = client.get(reverse("core:import_job", args=[job.pk]))
    assert job_page.status_code == 200


def test_import_members_page_refuses_dynamic_segments_and_foreign_ones(users):
    dynamic = services.segment_create(
        actor=users["manager"],
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )
    south = _static(users["manager2"], "South list")
    client = Client()
    client.force_login(users["manager"])

    on_dynamic = client.get(reverse("segments:member_import", args=[dynamic.pk]))
    on_south = client.get(reverse("segments:member_import", args=[south.pk]))
    generic = client.get(reverse("core:import_upload", args=["segment_members"]))

    assert on_dynamic.status_code == 200
    assert "follow its rule" in on_dynamic.content.decode()
    assert 'type="file"' not in on_dynamic.content.decode()
    assert (on_south.status_code, generic.status_code) == (404, 404)
