"""Importing a static segment's members from a file: matching by external id, e-mail and
phone, creating missing contacts through the contact import, per-row errors, all or nothing,
and the visibility rule."""

import io

import pytest

from rapport.contacts.models import Contact
from rapport.core.imports import import_file
from rapport.segments import services
from rapport.segments.models import SegmentChange, SegmentMember
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


def _static(actor, name="Called back"):
    return services.segment_create(actor=actor, data={"name": name, "kind": "static"})


def _run(actor, segment, text, **options):
    report: dict = {}
    result = import_file(
        kind="segment_members",
        data=text.encode(),
        filename="members.csv",
        actor=actor,
        dry_run=options.pop("dry_run", False),
        skip_invalid=options.pop("skip_invalid", False),
        options={"segment": segment.pk, "report": report, **options},
    )
    return result, report


def _members(segment):
    return sorted(
        SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)
    )


def _errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


@pytest.fixture
def people(users):
    manager = users["manager"]
    return {
        "olena": make_contact(manager, email="olena@example.com", external_id="crm-1"),
        "jonas": make_contact(manager, first_name="Jonas", phone="+380671234567"),
        "petro": make_contact(manager, first_name="Petro", external_id="crm-3"),
        "south": make_contact(users["manager2"], first_name="Ivan", email="ivan@example.com"),
    }


def test_rows_match_by_external_id_email_and_e164_phone(users, people):
    segment = _static(users["manager"])
    text = (
        "external_id,email,phone\n"
        "crm-3,,\n"
        ",OLENA@example.com,\n"
        ",,067 123 4567\n"  # national form of Jonas's number, read in the default region
        "crm-1,olena@example.com,\n"  # Olena again: one member
    )

    result, _report = _run(users["manager"], segment, text)

    assert (result.committed, result.created, result.unchanged, result.error_count) == (
        True, 3, 0, 0,
    )  # fmt: skip
    assert _members(segment) == sorted(p.pk for p in (people["olena"], people["jonas"],
                                                       people["petro"]))  # fmt: skip
    assert SegmentChange.objects.filter(segment=segment, kind="entered").count() == 3


def test_every_bad_row_is_reported_and_nothing_is_written(users, people):
    segment = _static(users["manager"])
    text = (
        "external_id,email,phone,city\n"
        "crm-1,,,\n"
        ",not-an-address,,\n"
        ",,12,\n"
        "crm-404,,,\n"
        ",ivan@example.com,,\n"  # another team's contact: as if there were none
        "crm-3,olena@example.com,,\n"  # two different contacts
        ",,,Kyiv\n"
    )

    result, _report = _run(users["manager"], segment, text)

    assert (result.committed, result.error_count) == (False, 6)
    assert [(row, column) for row, column, _m in _errors(result)] == [
        (3, "email"), (4, "phone"), (5, "external_id"), (6, "email"), (7, "external_id"),
        (8, "email"),
    ]  # fmt: skip
    messages = {r: m for r, _c, m in _errors(result)}
    assert messages[5] == "No contact you may see has external_id crm-404."
    assert messages[6] == "No contact you may see has email ivan@example.com."
    assert messages[7] == (
        f"This row names different contacts: external_id → #{people['petro'].pk}, "
        f"email → #{people['olena'].pk}."
    )
    assert messages[8] == "Give an external id, an e-mail or a phone."
    assert _members(segment) == []


def test_skipping_invalid_rows_adds_the_valid_ones(users, people):
    segment = _static(users["manager"])
    services.members_add(actor=users["manager"], segment=segment, contact_ids=[people["olena"].pk])

    result, _report = _run(
        users["manager"], segment, "external_id\ncrm-1\ncrm-3\ncrm-404\n", skip_invalid=True
    )

    assert (result.committed, result.created, result.unchanged, result.skipped) == (
        True, 1, 1, 1,
    )  # fmt: skip
    assert _members(segment) == sorted([people["olena"].pk, people["petro"].pk])
    assert result.summary(_report) == (
        "3 rows: 1 added to the segment, 1 already members, 0 contacts created, 1 skipped, "
        "1 errors. Imported."
    )


def test_missing_contacts_are_created_through_the_contact_import(users, people):
    segment = _static(users["manager"])
    text = (
        "first_name,last_name,email,phone\n"
        "Olena,,olena@example.com,\n"
        "Marta,Shevchenko,marta@example.com,+380501112233\n"
        ",,nobody@example.com,\n"  # the contact import needs a name
    )

    dry, _ = _run(users["manager"], segment, text, create_missing=True, dry_run=True)
    result, report = _run(users["manager"], segment, text, create_missing=True, skip_invalid=True)

    assert (dry.created, dry.error_count, Contact.objects.filter(first_name="Marta").count()) == (
        2, 1, 1,
    )  # fmt: skip
    assert _errors(result) == [(4, "first_name", "Enter a first or last name.")]
    marta = Contact.objects.get(emails__email="marta@example.com")
    assert (marta.owner, marta.phone, report["contacts_created"]) == (
        users["manager"], "+380501112233", 1,
    )  # fmt: skip
    assert _members(segment) == sorted([people["olena"].pk, marta.pk])
    assert dry.summary({"contacts_created": 1}) == (
        "3 rows: 2 would be added, 0 already members, 1 contacts would be created, 1 skipped, "
        "1 errors. Dry run: nothing was written."
    )


def test_a_dynamic_segment_or_anothers_segment_takes_no_import(users, people):
    dynamic = services.segment_create(
        actor=users["manager"],
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )
    south = _static(users["manager2"], "South list")

    on_dynamic, _ = _run(users["manager"], dynamic, "external_id\ncrm-1\n")
    on_south, _ = _run(users["manager"], south, "external_id\ncrm-1\n")

    assert [_errors(on_dynamic)[0][0], _errors(on_south)] == [
        None,
        [(None, "", "No such segment (or you may not see it).")],
    ]
    assert "follow its rule" in _errors(on_dynamic)[0][2]
    assert SegmentMember.objects.count() == 0


def test_a_role_that_cannot_change_segments_cannot_import(users):
    segment = _static(users["manager"])

    with pytest.raises(PermissionError):
        _run(users["agent"], segment, "external_id\ncrm-1\n")


def test_an_xlsx_file_with_its_own_headers_and_a_mapping(users, people):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Kliento ID", "Telefonas"])
    sheet.append(["crm-3", ""])
    sheet.append(["", "+380 67 123 45 67"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    segment = _static(users["manager"])

    result = import_file(
        kind="segment_members",
        data=buffer.getvalue(),
        filename="sarasas.xlsx",
        actor=users["manager"],
        mapping={"Kliento ID": "external_id", "Telefonas": "phone"},
        options={"segment": segment.pk},
    )

    assert (result.format, result.committed, result.created, result.error_count) == (
        "xlsx", True, 2, 0,
    )  # fmt: skip
    assert _members(segment) == sorted([people["petro"].pk, people["jonas"].pk])
