import pytest

from rapport.contacts.models import Contact
from rapport.core import visibility
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

# role -> (sees own-team contact, sees other-team contact, changes other-team, deletes own-team)
EXPECTED = {
    "admin": (True, True, True, True),
    "manager": (True, False, False, False),
    "manager_mate": (True, False, False, False),
    "manager2": (False, True, True, False),
    "marketer": (True, True, True, False),
    "agent": (True, True, True, False),
    "analyst": (True, True, False, False),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_one_rule_for_querysets_and_objects(users, role):
    own_team = ContactFactory(owner=users["manager"])
    other_team = ContactFactory(owner=users["manager2"])
    user = users[role]
    sees_own, sees_other, changes_other, deletes_own = EXPECTED[role]

    visible = set(visibility.scope(Contact.objects.all(), user, "view"))
    changeable = set(visibility.scope(Contact.objects.all(), user, "change"))
    deletable = set(visibility.scope(Contact.objects.all(), user, "delete"))

    assert (own_team in visible, other_team in visible) == (sees_own, sees_other)
    assert (other_team in changeable) == changes_other
    assert visibility.can(user, "change", other_team) == changes_other
    assert visibility.can(user, "view", own_team) == sees_own
    if role.startswith("manager") and role != "manager2":
        # managers may delete their own team's customers
        assert own_team in deletable
    else:
        assert (own_team in deletable) == deletes_own


def test_anonymous_and_inactive_users_see_nothing(users):
    from django.contrib.auth.models import AnonymousUser

    ContactFactory(owner=users["manager"])
    users["admin"].is_active = False

    assert not visibility.scope(Contact.objects.all(), AnonymousUser()).exists()
    assert not visibility.scope(Contact.objects.all(), users["admin"]).exists()
    assert not visibility.scope(Contact.objects.all(), None).exists()


def test_unknown_role_fails_closed(users):
    ContactFactory(owner=users["manager"])
    users["manager"].role = "intern"

    assert not visibility.scope(Contact.objects.all(), users["manager"]).exists()
    assert visibility.can_create(users["manager"], "contacts") is False
