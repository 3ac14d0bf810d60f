"""`POST segments/{id}/members/import` (INTERFACES.md "Segments"): a file of contacts named by
external id, e-mail or phone put on a static segment at once; a 422 listing every bad row."""

import base64

import pytest

from rapport.segments import services
from rapport.segments.models import SegmentMember
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db

REPORT = {
    "committed", "dry_run", "rows", "added", "already_members", "contacts_created", "skipped",
    "error_count", "row_errors", "summary",
}  # fmt: skip


def _static(actor, name="Called back"):
    return services.segment_create(actor=actor, data={"name": name, "kind": "static"})


def _post(client, segment, text, **body):
    payload = {"file": base64.b64encode(text.encode()).decode(), **body}
    return client.post(
        f"{API}/segments/{segment.pk}/members/import", payload, content_type="application/json"
    )


def _members(segment):
    return sorted(
        SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)
    )


def test_api_import_adds_matched_contacts_and_reports_the_counts(api_as, users):
    olena = make_contact(users["manager"], email="olena@example.com")
    jonas = make_contact(users["manager"], first_name="Jonas", phone="+380671234567")
    segment = _static(users["manager"])

    response = _post(api_as("manager"), segment, "email,phone\nolena@example.com,\n,0671234567\n")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPORT
    assert (body["committed"], body["rows"], body["added"], body["already_members"]) == (
        True, 2, 2, 0,
    )  # fmt: skip
    assert (body["row_errors"], body["contacts_created"]) == ([], 0)
    assert _members(segment) == sorted([olena.pk, jonas.pk])


def test_api_import_with_a_bad_row_is_a_422_listing_it_and_writes_nothing(api_as, users):
    make_contact(users["manager"], email="olena@example.com")
    make_contact(users["manager2"], first_name="Ivan", email="ivan@example.com")
    segment = _static(users["manager"])

    response = _post(api_as("manager"), segment, "email\nolena@example.com\nivan@example.com\n")

    assert response.status_code == 422
    body = response.json()
    assert (body["errors"][0]["field"], body["report"]["committed"]) == ("file", False)
    assert body["report"]["row_errors"] == [
        {
            "row": 3,
            "column": "email",
            "message": "No contact you may see has email ivan@example.com.",
        }
    ]
    assert _members(segment) == []


def test_api_import_dry_run_and_create_missing(api_as, users):
    segment = _static(users["marketer"])
    text = "first_name,email\nMarta,marta@example.com\n"

    dry = _post(api_as("marketer"), segment, text, create_missing=True, dry_run=True)
    real = _post(api_as("marketer"), segment, text, create_missing=True)

    assert (dry.status_code, dry.json()["added"], dry.json()["contacts_created"]) == (200, 1, 1)
    assert (real.status_code, real.json()["added"], real.json()["contacts_created"]) == (200, 1, 1)
    assert len(_members(segment)) == 1


def test_api_import_refuses_bad_base64_dynamic_segments_and_read_only_roles(api_as, users):
    segment = _static(users["manager"])
    dynamic = services.segment_create(
        actor=users["manager"],
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )

    bad = api_as("manager").post(
        f"{API}/segments/{segment.pk}/members/import",
        {"file": "not base64!"},
        content_type="application/json",
    )
    on_dynamic = _post(api_as("manager"), dynamic, "email\nolena@example.com\n")
    read_only = _post(api_as("analyst"), segment, "email\nolena@example.com\n")

    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "file")
    assert (on_dynamic.status_code, on_dynamic.json()["errors"][0]["field"]) == (422, "segment")
    assert read_only.status_code == 403
