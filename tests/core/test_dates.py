"""Dates read the same way to every reader: day first by default, or the user's own format."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation

from rapport.accounts.models import ApiToken
from rapport.core.dates import date_style, format_for

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("Europe/Vilnius"))


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("language", "short", "long", "short_datetime"),
    [
        ("en", "01.12.2026", "1 Dec 2026", "01.12.2026 14:30"),
        ("ru", "01.12.2026", "1 декабря 2026 г.", "01.12.2026 14:30"),
        ("uk", "01.12.2026", "01 грудня 2026 р.", "01.12.2026 14:30"),
        ("lt", "2026-12-01", "2026 m. gruodžio 1 d.", "2026-12-01 14:30"),
    ],
)
def test_no_language_shows_the_month_first(language, short, long, short_datetime):
    with translation.override(language):
        shown = render(
            '{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date:"DATE_FORMAT" }}|{{ d }}|'
            '{{ m|date:"SHORT_DATETIME_FORMAT" }}',
            d=DAY,
            m=MOMENT,
        )

    assert shown == f"{short}|{long}|{long}|{short_datetime}"


def test_english_date_input_is_read_day_first():
    from django import forms

    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("en"):
        form = Form({"day": "01.12.2026"})
        slashes = Form({"day": "01/12/2026"})

    assert form.is_valid()
    assert form.cleaned_data["day"] == DAY
    assert slashes.is_valid()
    assert slashes.cleaned_data["day"] == DAY


@pytest.mark.parametrize(
    ("style", "language", "short", "long"),
    [
        ("iso", "en", "2026-12-01", "2026-12-01"),
        ("iso", "uk", "2026-12-01", "2026-12-01"),
        ("month_first", "en", "12/01/2026", "Dec. 1, 2026"),
        ("", "en", "01.12.2026", "1 Dec 2026"),
    ],
)
def test_a_chosen_style_replaces_the_named_formats(style, language, short, long):
    with translation.override(language), date_style(lambda: style):
        shown = render('{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date }}|{{ d|date:"Y/m" }}', d=DAY)

    assert shown == f"{short}|{long}|2026/12"


def test_the_style_ends_with_its_block():
    with date_style(lambda: "iso"):
        inside = format_for("SHORT_DATE_FORMAT")

    assert inside == "Y-m-d"
    assert format_for("SHORT_DATE_FORMAT") == "SHORT_DATE_FORMAT"


def _token_created_on_the_first_of_december(user) -> None:
    token, _raw = ApiToken.issue(user=user, name="site")
    ApiToken.objects.filter(pk=token.pk).update(created_at=MOMENT)


def test_a_user_chooses_the_date_format_on_the_profile_page(client, users):
    user = users["manager"]
    _token_created_on_the_first_of_december(user)
    client.force_login(user)
    before = client.get("/profile/")

    saved = client.post("/profile/date-format/", {"date_style": "iso"})
    after = client.get("/profile/")

    user.refresh_from_db()
    assert "01.12.2026 14:30" in before.text
    assert saved.status_code == 302
    assert saved["Location"] == "/profile/"
    assert user.date_style == "iso"
    assert "2026-12-01 14:30" in after.text
    assert "01.12.2026" not in after.text
    assert '<option value="iso" selected>' in after.text


def test_one_users_format_is_not_anothers(client, users):
    users["manager"].date_style = "month_first"
    users["manager"].save(update_fields=["date_style"])
    _token_created_on_the_first_of_december(users["manager"])
    _token_created_on_the_first_of_december(users["admin"])

    client.force_login(users["manager"])
    managers = client.get("/profile/")
    client.force_login(users["admin"])
    admins = client.get("/profile/")

    assert "12/01/2026 2:30 p.m." in managers.text
    assert "01.12.2026 14:30" in admins.text


def test_an_unknown_format_is_refused(client, users):
    client.force_login(users["manager"])

    client.post("/profile/date-format/", {"date_style": "%d"})

    users["manager"].refresh_from_db()
    assert users["manager"].date_style == ""


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "1,010.00 EUR"),
        ("ru", "1\xa0010,00 EUR"),
        ("uk", "1\xa0010,00 EUR"),
        ("lt", "1\xa0010,00 EUR"),  # not Django's 1.010,00
    ],
)
def test_amounts_group_thousands_as_each_language_writes_them(language, shown):
    from decimal import Decimal

    from rapport.core.money import format_money

    with translation.override(language):
        page = render('{{ a|floatformat:"2g" }} EUR', a=Decimal("1010"))
        assert (page, format_money(Decimal("1010"), "EUR")) == (shown, shown.replace(" ", "\xa0"))
