"""Times are shown in the signed-in user's zone; the site's zone for everyone else."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from rapport.core.middleware import DateStyleMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def seen_zone(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    zones = []

    def view(_request):
        zones.append(timezone.get_current_timezone_name())
        return HttpResponse()

    DateStyleMiddleware(view)(request)
    return zones[0]


def test_a_user_sees_times_in_their_own_zone_and_the_zone_ends_with_the_request(settings):
    settings.TIME_ZONE = "Europe/Vilnius"
    assert seen_zone(UserFactory(time_zone="Asia/Tokyo")) == "Asia/Tokyo"
    assert timezone.get_current_timezone_name() == "Europe/Vilnius"


@pytest.mark.parametrize("chosen", ["", "Mars/Olympus_Mons"])
def test_no_zone_or_an_unknown_one_means_the_sites(settings, chosen):
    settings.TIME_ZONE = "Europe/Vilnius"
    assert seen_zone(UserFactory(time_zone=chosen)) == "Europe/Vilnius"


def test_an_anonymous_visitor_gets_the_sites_zone(settings):
    from django.contrib.auth.models import AnonymousUser

    settings.TIME_ZONE = "Europe/Kyiv"
    assert seen_zone(AnonymousUser()) == "Europe/Kyiv"
