"""403, 404, 400 and CSRF pages use the layout and tell the user what to do next."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_uses_the_layout_and_says_what_to_do(as_user):
    client = as_user("manager")

    response = client.get("/contacts/999999999/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="topbar"' in html
    assert "This page does not exist, or it is not yours to see" in html
    assert reverse("contacts:contact_list") in html


def test_another_teams_contact_gets_the_same_404_as_a_missing_one(as_user, olena):
    client = as_user("manager2")

    response = client.get(reverse("contacts:contact_detail", args=[olena.pk]))

    assert response.status_code == 404
    assert "This page does not exist, or it is not yours to see" in response.content.decode()
    assert "Коваленко" not in response.content.decode()


def test_404_for_a_visitor_offers_the_login():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "This page does not exist" in html
    assert reverse("accounts:login") in html


def test_403_uses_the_layout_and_says_whom_to_ask(as_user):
    client = as_user("analyst")

    response = client.get(reverse("catalog:product_create"))

    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="topbar"' in html
    assert "Your role does not allow this" in html
    assert "ask an administrator" in html


def test_403_is_shown_in_the_readers_language(as_user):
    client = as_user("analyst")
    client.cookies["django_language"] = "uk"

    response = client.get(reverse("catalog:product_create"))

    assert response.status_code == 403
    assert 'lang="uk"' in response.content.decode()


def test_csrf_failure_explains_that_the_form_expired(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])

    response = client.post(reverse("contacts:contact_create"), {"first_name": "Ona"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert "Nothing was saved." in html
