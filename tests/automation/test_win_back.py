"""The ready-made win-back scenario end to end: a lapsed customer enters on the daily scan, gets
a personal promo code and an exit survey link by e-mail through a real SMTP server, answers
the survey at its public page as a browser would, and the answer shows on their timeline, in
the scenario's report and in the "why customers left" report; two weeks later, not having
booked, they get the reminder."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from rapport.automation import report, scans, services
from rapport.automation.models import Run, RunStatus
from rapport.campaigns.models import Message
from rapport.campaigns.outbox import deliver_due
from rapport.sales.services import order_create
from rapport.service.models import Survey
from rapport.timeline.models import Interaction
from tests.analytics.metrics_data import make_metrics
from tests.api.conftest import API, bearer_client
from tests.automation.conftest import tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://crm\.travel\.example(/s/[^/\s]+/)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def afternoon_zone(now: dt.datetime) -> str:
    """A zone where it is early afternoon at `now`: the library's messages keep quiet at
    night, and this customer's e-mail is to go out at once."""
    offset = next(o for o in range(-12, 15) if (now.astimezone(dt.UTC).hour + o) % 24 == 13)
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def lapsed_customer(now: dt.datetime):
    today = timezone.localdate(now)
    andrii = person("andrii@example.com", language="uk", first_name="Andrii")
    andrii.custom = {"time_zone": afternoon_zone(now)}
    andrii.save()
    last = today - dt.timedelta(days=540)
    order_create(
        actor=None,
        contact=andrii,
        currency="EUR",
        total="1400.00",
        order_date=timezone.now() - dt.timedelta(days=540),
    )
    make_metrics(
        andrii,
        as_of=today,
        first_purchase=last,
        last_purchase=last,
        recency_days=540,
        T_days=540,
        churn_risk=0.86,
        rfm_segment="hibernating",
    )
    return andrii


def body_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def answer_in_a_browser(path: str) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    token = CSRF.search(page.content.decode())
    assert token is not None
    answered = browser.post(
        path,
        {
            "csrfmiddlewaretoken": token.group(1),
            "reason": "price",
            "score": "4",
            "comment": "Found a cheaper agency for the Carpathians.",
        },
    )
    assert answered.status_code == 200
    assert "thanks" in answered.context


def test_a_lapsed_customer_is_won_back_step_by_step(users, clock, smtp):
    admin = users["admin"]
    scenario = services.scenario_from_library(actor=admin, key="win_back")
    services.scenario_update(actor=admin, scenario=scenario, data={"holdout_percent": 0})
    services.scenario_move(
        actor=admin, scenario=scenario, action="activate", now=clock() - dt.timedelta(minutes=1)
    )
    andrii = lapsed_customer(clock())

    scans.scan(clock())
    tick(clock)

    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.status, run.position, run.waiting) == (
        andrii.pk,
        "active",
        "3",
        True,
    )
    code = run.context["promo_code"]
    assert code.startswith("BACK")
    survey = Survey.objects.get(contact=andrii)
    assert (survey.kind, survey.language) == ("exit", "uk")
    assert list(run.log.values_list("kind", "detail__survey")) == [
        ("promo", None),
        ("survey", survey.pk),
        ("send", None),
    ]

    deliver_due()

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "andrii@example.com"
    assert mail["Subject"] == "Ми сумуємо, Andrii: знижка 10% на наступну подорож"
    text = body_of(mail)
    assert code in text
    link = LINK.search(text)
    assert link is not None
    assert run.context["survey_url"] == link.group(0)

    answer_in_a_browser(link.group(1))

    survey.refresh_from_db()
    assert (survey.reason, survey.score) == ("price", 4)
    answered = Interaction.objects.get(contact=andrii, kind="survey.answered")
    assert answered.params["kind"] == "exit"
    assert answered.params["reason"] == "price"
    figures = report.scenario_report(scenario)
    assert figures["surveys"] == {
        "asked": 1,
        "answered": 1,
        "average_score": 4.0,
        "average_nps": None,
        "exit_reasons": {"price": 1},
    }
    assert figures["promo_codes"] == {"issued": 1, "redeemed": 0}
    assert (figures["messages"]["queued"], figures["messages"]["sent"]) == (1, 1)
    lost = bearer_client(admin).get(f"{API}/analytics/exit-reasons").json()
    assert (lost["sent"], lost["answered"]) == (1, 1)
    assert [(r["reason"], r["count"]) for r in lost["reasons"] if r["count"]] == [("price", 1)]
    assert Interaction.objects.filter(contact=andrii, kind="survey.sent").count() == 1

    clock.advance(days=15)
    tick(clock)

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    reminder = Message.objects.filter(contact=andrii).order_by("pk").last()
    assert reminder is not None
    assert reminder.subject == f"Andrii, ваш промокод {code} досі чекає"
