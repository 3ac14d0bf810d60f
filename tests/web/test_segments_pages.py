"""Segment pages: who sees which segment and which members, the builder's round trip and live
count, the members' export under the visibility rule, and "Save as segment" from the list."""

import csv
import datetime as dt
import io

import pytest

from rapport.contacts.models import Contact
from rapport.segments import services
from rapport.segments.models import Segment, SegmentMember, SegmentSnapshot
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db

VILNIUS = {"field": "city", "op": "eq", "value": "Vilnius"}


@pytest.fixture
def world(users):
    make_contact(users["manager"], first_name="Olena", last_name="North", city="Vilnius")
    make_contact(users["manager2"], first_name="Ieva", last_name="South", city="Vilnius")
    make_contact(users["manager"], first_name="Oksana", last_name="Kyiv", city="Kyiv")
    marketing = services.segment_create(
        actor=users["marketer"], data={"name": "Vilnius all", "rule": VILNIUS}
    )
    north = services.segment_create(
        actor=users["manager"], data={"name": "Vilnius North", "rule": VILNIUS}
    )
    return {"marketing": marketing, "north": north}


@pytest.mark.parametrize(
    ("role", "listed"),
    [
        ("admin", ["Vilnius North", "Vilnius all"]),
        ("manager", ["Vilnius North"]),
        ("manager2", []),
        ("marketer", ["Vilnius North", "Vilnius all"]),
        ("agent", ["Vilnius North", "Vilnius all"]),
        ("analyst", ["Vilnius North", "Vilnius all"]),
    ],
)
def test_the_list_shows_the_segments_each_role_may_see(as_user, world, role, listed):
    response = as_user(role).get("/segments/")

    assert response.status_code == 200
    names = [s.name for s in response.context["segments"]]
    assert names == listed
    assert (b'href="/segments/new/"' in response.content) == (role not in ("agent", "analyst"))


@pytest.mark.parametrize(
    ("role", "status", "members"),
    [
        ("admin", 200, ["Olena", "Ieva"]),  # by last name: North, South
        ("marketer", 200, ["Olena", "Ieva"]),
        ("manager", 404, None),
        ("agent", 200, ["Olena", "Ieva"]),
    ],
)
def test_a_segment_page_lists_the_members_the_viewer_may_see(as_user, world, role, status, members):
    response = as_user(role).get(f"/segments/{world['marketing'].pk}/?sort=name")

    assert response.status_code == status
    if members is not None:
        assert [c.first_name for c in response.context["page"].items] == members


def test_a_sales_managers_own_segment_shows_only_the_teams_contacts(as_user, world):
    manager = as_user("manager").get(f"/segments/{world['north'].pk}/")

    assert [c.first_name for c in manager.context["page"].items] == ["Olena"]
    assert manager.context["count"] == 1


def test_the_members_export_holds_only_what_the_viewer_sees(as_user, world, users):
    response = as_user("manager").get(f"/segments/{world['north'].pk}/export/csv/")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert response.status_code == 200
    assert [row[3] for row in rows[1:]] == ["North"]


def test_the_builder_saves_a_rule_posted_as_form_rows(as_user, users, world):
    response = as_user("marketer").post(
        "/segments/new/",
        {
            "name": "Vilnius customers",
            "kind": "dynamic",
            "r:kind": "all",
            "r-0:kind": "cond",
            "r-0:field": "city",
            "r-0:op": "in",
            "r-0:value": "Vilnius, Riga",
            "r-1:kind": "none",
            "r-1-0:kind": "cond",
            "r-1-0:field": "orders.count",
            "r-1-0:op": "gte",
            "r-1-0:value": "1",
            "r-1-0:window": "365",
        },
    )

    segment = Segment.objects.get(name="Vilnius customers")
    assert response.status_code == 302
    assert segment.rule == {
        "all": [
            {"field": "city", "op": "in", "value": ["Vilnius", "Riga"]},
            {
                "not": {
                    "any": [{"field": "orders.count", "op": "gte", "value": 1, "window_days": 365}]
                }
            },
        ]
    }
    edit = as_user("marketer").get(f"/segments/{segment.pk}/edit/")
    assert b'name="r-1-0:window" class="rule-value" min="1" max="36600" value="365"' in edit.content


def test_a_bad_rule_is_shown_on_its_row_and_nothing_is_saved(as_user, world):
    response = as_user("marketer").post(
        "/segments/new/",
        {"name": "Bad", "kind": "dynamic", "r:kind": "all", "r-0:kind": "cond",
         "r-0:field": "orders.count", "r-0:op": "gt", "r-0:value": "many"},
    )  # fmt: skip

    assert response.status_code == 422
    assert response.context["errors"]["row:r-0"] == "Give a number."
    assert not Segment.objects.filter(name="Bad").exists()


def test_the_live_preview_counts_what_the_viewer_may_see(as_user, world):
    rows = {
        "r:kind": "all",
        "r-0:kind": "cond",
        "r-0:field": "city",
        "r-0:op": "eq",
        "r-0:value": "Vilnius",
    }

    manager = as_user("manager").post("/segments/preview/", rows)
    bad = as_user("manager").post("/segments/preview/", {**rows, "r-0:op": "gt"})

    assert b"1 contact matches now." in manager.content
    assert b"Olena North" in manager.content
    assert b"Ieva" not in manager.content
    assert b'data-place="r-0"' in bad.content
    assert b"This field takes the operators" in bad.content


def test_builder_actions_add_and_remove_rows(as_user, world):
    base = {"r:kind": "all", "r-0:kind": "cond", "r-0:field": "city", "r-0:op": "eq"}

    added = as_user("marketer").post("/segments/builder/", {**base, "action": "group:r"})
    removed = as_user("marketer").post(
        "/segments/builder/", {**base, "r-1:kind": "cond", "action": "remove:r-0"}
    )

    assert b'name="r-1:kind"' in added.content
    assert b'name="r-1-0:kind"' in added.content
    assert b'name="r-1:kind"' not in removed.content
    assert b'name="r-0:kind"' in removed.content


def test_the_field_picker_searches_translated_labels(as_user, world):
    english = as_user("marketer").get("/segments/fields/?q=consent: e-mail")

    assert english.status_code == 200
    assert b'data-value="consent.email.marketing"' in english.content
    assert b'data-value="city"' not in english.content


def test_save_as_segment_turns_the_lists_filters_into_a_rule(as_user, users, world):
    response = as_user("marketer").post(
        "/segments/from-contacts/",
        {"segment_name": "From list", "city": "Vilnius", "stage": "prospect"},
    )

    segment = Segment.objects.get(name="From list")
    assert response.status_code == 302
    assert segment.rule == {"all": [
        {"field": "lifecycle_stage", "op": "eq", "value": "prospect"},
        {"field": "city", "op": "eq", "value": "Vilnius"},
    ]}  # fmt: skip


def test_save_as_segment_keeps_a_searched_list_as_static_members(as_user, users, world):
    as_user("manager").post("/segments/from-contacts/", {"segment_name": "Searched", "q": "ol"})

    segment = Segment.objects.get(name="Searched")
    members = SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)
    assert segment.kind == "static"
    assert list(members) == [Contact.objects.get(first_name="Olena").pk]


def test_the_contact_list_offers_save_as_segment_to_those_who_may_create(as_user, world):
    assert b"Save as segment" in as_user("marketer").get("/contacts/").content
    assert b"Save as segment" not in as_user("analyst").get("/contacts/").content


def test_the_listed_contacts_are_added_to_an_existing_static_segment(as_user, users, world):
    listed = services.segment_create(
        actor=users["manager"], data={"name": "Calls", "kind": "static"}
    )
    page = as_user("manager").get("/contacts/?city=Vilnius")

    response = as_user("manager").post(
        "/segments/from-contacts/", {"segment_target": listed.pk, "city": "Vilnius"}
    )
    again = as_user("manager").post(
        "/segments/from-contacts/", {"segment_target": listed.pk, "city": "Vilnius"}
    )

    assert f'<option value="{listed.pk}">Calls</option>'.encode() in page.content
    assert response.status_code == again.status_code == 302
    members = SegmentMember.objects.filter(segment=listed).values_list("contact_id", flat=True)
    assert list(members) == [Contact.objects.get(first_name="Olena").pk]
    assert not Segment.objects.filter(name="").exists()


def test_the_size_chart_labels_each_refresh_in_the_readers_zone(as_user, users, world):
    segment = world["marketing"]
    SegmentSnapshot.objects.filter(segment=segment).delete()
    users["marketer"].time_zone = "Asia/Tokyo"
    users["marketer"].save(update_fields=["time_zone"])

    def snapshot(day: int, hour: int) -> None:
        at = dt.datetime(2026, 11 if day == 30 else 12, day, hour, tzinfo=dt.UTC)
        SegmentSnapshot.objects.create(segment=segment, at=at, size=2, entered=0, left=0)

    def labels() -> list[str]:
        return as_user("marketer").get(f"/segments/{segment.pk}/").context["chart"]["labels"]

    snapshot(30, 16)  # 1 December, 01:00 in Tokyo
    snapshot(1, 16)  # 2 December, 01:00
    one_a_day = labels()
    snapshot(1, 9)  # 1 December, 18:00: that day had two refreshes
    twice = labels()

    assert one_a_day == ["2026-12-01", "2026-12-02"]
    assert twice == ["2026-12-01 01:00", "2026-12-01 18:00", "2026-12-02 01:00"]
