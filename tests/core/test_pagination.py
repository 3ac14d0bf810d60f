import datetime as dt

import pytest
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.contacts.selectors import CONTACT_ORDERINGS
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


@pytest.mark.parametrize("sort", list(CONTACT_ORDERINGS))
def test_cursor_walk_returns_every_row_once_in_order(contacts, sort):
    ordering = CONTACT_ORDERINGS[sort]
    expected = list(Contact.objects.order_by(*ordering).values_list("pk", flat=True))

    seen: list[int] = []
    cursor = None
    while True:
        page = paginate(Contact.objects.all(), ordering=ordering, limit=5, cursor=cursor)
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
