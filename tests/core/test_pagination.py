import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.contacts.selectors import CONTACT_ORDERINGS, ordered
from rapport.core.pagination import InvalidCursor, capped_count, paginate
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(users):
    # Ties on every sort key, so the walk must fall back to the id to stay exact.
    created = timezone.now() - dt.timedelta(days=1)
    rows = []
    for i in range(37):
        c = ContactFactory(owner=users["manager"], first_name=f"N{i % 3}", last_name=f"L{i % 4}")
        rows.append(c)
    Contact.objects.filter(pk__in=[c.pk for c in rows[::2]]).update(created_at=created)
    return rows


@pytest.mark.parametrize("keys_first", [False, True])
@pytest.mark.parametrize("sort", list(CONTACT_ORDERINGS))
def test_cursor_walk_returns_every_row_once_in_order(contacts, sort, keys_first):
    if "__" in CONTACT_ORDERINGS[sort][0]:  # an order on a value an app above contacts keeps
        from decimal import Decimal

        from tests.analytics.metrics_data import make_metrics

        for i, contact in enumerate(contacts[::3]):  # ties, and nulls for the rest
            make_metrics(contact, clv_365d=Decimal(100 * (i % 2)), churn_risk=0.5 * (i % 3))
    # sorts registered by apps above contacts (lifetime value, churn risk) need their column
    rows, ordering = ordered(Contact.objects.all(), sort)
    # empty values last whichever the direction (the databases differ: NULL is SQLite's
    # smallest value and PostgreSQL's largest)
    by = [
        F(o[1:]).desc(nulls_last=True) if o[0] == "-" else F(o).asc(nulls_last=True)
        for o in ordering
    ]
    expected = list(rows.order_by(*by).values_list("pk", flat=True))
    keys_first = keys_first and not rows.query.annotation_select  # as the list views decide

    seen: list[int] = []
    cursor = None
    while True:
        page = paginate(rows, ordering=ordering, limit=5, cursor=cursor, keys_first=keys_first)
        seen += [c.pk for c in page.items]
        if page.next is None:
            break
        cursor = page.next

    assert seen == expected


def test_forged_cursor_is_refused(contacts):
    with pytest.raises(InvalidCursor):
        paginate(Contact.objects.all(), ordering=["-id"], limit=5, cursor="abc:def")


def test_cursor_for_another_ordering_is_refused(contacts):
    page = paginate(Contact.objects.all(), ordering=["-id"], limit=5, cursor=None)

    with pytest.raises(InvalidCursor):
        paginate(Contact.objects.all(), ordering=["last_name", "id"], limit=5, cursor=page.next)


def test_capped_count_stops_at_the_cap(contacts):
    assert capped_count(Contact.objects.all(), cap=10) == (10, False)
    assert capped_count(Contact.objects.all(), cap=100) == (37, True)


def test_a_cursor_of_another_list_with_the_same_ordering_is_refused(contacts):
    # given a valid cursor of the contact list
    from rapport.contacts.models import Company
    from tests.factories import CompanyFactory

    CompanyFactory.create_batch(3, owner=contacts[0].owner)
    cursor = paginate(Contact.objects.all(), ordering=["-id"], limit=5, cursor=None).next

    # when it is sent to the company list, sorted the same way
    with pytest.raises(InvalidCursor):
        paginate(Company.objects.all(), ordering=["-id"], limit=5, cursor=cursor)


def test_keys_first_reads_the_ids_then_the_rows_of_a_filtered_queryset(contacts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wanted = Contact.objects.filter(first_name="N1")
    ordering = CONTACT_ORDERINGS["name"]
    plain = paginate(wanted, ordering=ordering, limit=4, cursor=None)

    with CaptureQueriesContext(connection) as ctx:
        page = paginate(wanted, ordering=ordering, limit=4, cursor=None, keys_first=True)

    assert [c.pk for c in page.items] == [c.pk for c in plain.items]
    assert page.next == plain.next
    assert len(ctx.captured_queries) == 2
    following = paginate(wanted, ordering=ordering, limit=50, cursor=page.next, keys_first=True)
    assert [c.first_name for c in following.items] == ["N1"] * (12 - 4)
    assert paginate(Contact.objects.none(), ordering=ordering, limit=4, cursor=None,
                    keys_first=True).items == []  # fmt: skip


def test_keys_first_keeps_select_related_and_refuses_annotations(contacts):
    from django.db import connection
    from django.db.models import Value
    from django.test.utils import CaptureQueriesContext

    page = paginate(
        Contact.objects.select_related("owner"),
        ordering=["-id"],
        limit=3,
        cursor=None,
        keys_first=True,
    )
    with CaptureQueriesContext(connection) as ctx:
        owners = {c.owner.username for c in page.items}

    assert (owners, len(ctx.captured_queries)) == ({"manager"}, 0)
    with pytest.raises(ValueError, match="annotations"):
        paginate(
            Contact.objects.annotate(one=Value(1)),
            ordering=["-id"],
            limit=3,
            cursor=None,
            keys_first=True,
        )


def test_rows_without_the_leading_value_come_last_in_both_directions_across_pages(users):
    from rapport.catalog.models import Product

    dates = [dt.date(2027, 5, d) for d in (3, 1, 3, 2)] + [None] * 5
    made = [
        Product.objects.create(name=f"P{i}", sku=f"P{i}", price=1, currency="EUR", departure_date=d)
        for i, d in enumerate(dates)
    ]
    dated = sorted((p for p in made if p.departure_date), key=lambda p: (p.departure_date, p.pk))
    undated = sorted(p.pk for p in made if p.departure_date is None)
    for ordering, expected in (
        (["departure_date", "id"], [p.pk for p in dated] + undated),
        (["-departure_date", "-id"], [p.pk for p in reversed(dated)] + undated[::-1]),
    ):
        seen, cursor = [], None
        for _ in range(10):
            page = paginate(Product.objects.all(), ordering=ordering, limit=3, cursor=cursor)
            seen += [p.pk for p in page.items]
            if page.next is None:
                break
            cursor = page.next
        assert seen == expected
