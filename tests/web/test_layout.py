import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    response = client.get(reverse("contacts:contact_list"))

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/contacts/"


def test_login_page_renders_and_logs_in(client, users):
    page = client.get("/login/")
    response = client.post("/login/", {"username": "manager", "password": "pass-W0rd-123"})

    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert response.status_code == 302
    assert response["Location"] == "/start/"
    assert client.get("/start/")["Location"] == "/my-day/"  # a sales manager's day opens


def test_home_shows_capped_counts_and_navigation(as_user, olena):
    response = as_user("manager").get("/")

    assert response.status_code == 200
    assert 'href="/contacts/"' in response.text
    assert 'href="/companies/"' in response.text
    assert 'href="/duplicates/"' in response.text
    assert 'action="/logout/"' in response.text
    assert "Олена Коваленко" in response.text
    assert "/admin/" not in response.text


def test_admin_link_only_for_admins(as_user):
    assert 'href="/admin/"' in as_user("admin").get("/").text


def test_logout_is_a_post(as_user):
    client = as_user("manager")

    response = client.post("/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_language_switch_translates_the_interface(as_user):
    client = as_user("manager")

    response = client.post("/i18n/setlang/", {"language": "lt", "next": "/contacts/"})
    page = client.get("/contacts/")

    assert response.status_code == 302
    assert page.status_code == 200
    assert '<html lang="lt"' in page.text
    assert "Kontaktai" in page.text
    assert "Naujas kontaktas" in page.text


@pytest.mark.parametrize(
    ("language", "word"), [("ru", "Контакты"), ("uk", "Контакти"), ("lt", "Kontaktai")]
)
def test_every_language_has_its_navigation(as_user, language, word):
    client = as_user("manager")
    client.post("/i18n/setlang/", {"language": language})

    assert word in client.get("/").text


def test_dates_are_localised(as_user, olena):
    client = as_user("manager")
    client.post("/i18n/setlang/", {"language": "lt"})

    page = client.get(f"/contacts/{olena.pk}/").text

    assert timezone.localtime(olena.created_at).strftime("%Y-%m-%d") in page


def test_password_change_pages_render(as_user):
    client = as_user("manager")

    form = client.get("/password/")
    done = client.get("/password/done/")

    assert form.status_code == 200
    assert 'name="new_password1"' in form.text
    assert done.status_code == 200
