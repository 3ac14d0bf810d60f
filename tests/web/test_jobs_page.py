"""The scheduled jobs page (/jobs/): administrators see each job's schedule, last and next
run and last error, and may queue a run; nobody else may open it."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.core import schedule
from rapport.core.models import JobRun

pytestmark = pytest.mark.django_db

Status = JobRun.Status


def test_an_admin_sees_every_job_with_its_schedule_last_run_and_last_error(as_user):
    now = timezone.now()
    JobRun.objects.create(
        job="core.purge_expired",
        slot=now - dt.timedelta(hours=1),
        status=Status.FAILED,
        attempt=3,
        started_at=now - dt.timedelta(minutes=50),
        finished_at=now - dt.timedelta(minutes=50) + dt.timedelta(seconds=2),
        error="Traceback (most recent call last):\n  …\nOSError: disk full",
    )

    page = as_user("admin").get("/jobs/")

    assert page.status_code == 200
    text = page.text
    assert "<h1>Scheduled jobs</h1>" in text
    assert "Remove expired data and files" in text
    assert '<code class="small">api.purge_idempotency_keys</code>' in text
    assert text.count("every hour") == 2
    assert '<span class="badge status-failed">Failed</span>' in text
    assert "attempt 3 of 3" in text
    assert "(2.0 s)" in text
    assert "<summary>OSError: disk full</summary>" in text
    assert text.count(">Run now</button>") == len(schedule.jobs())
    assert 'href="/jobs/"' in text  # the menu leads here


@pytest.mark.parametrize("role", ["manager", "marketer", "agent", "analyst"])
def test_nobody_but_an_admin_may_open_the_page_or_run_a_job(as_user, role):
    client = as_user(role)

    page = client.get("/jobs/")
    run = client.post("/jobs/core.purge_expired/run/")
    home = client.get("/")

    assert (page.status_code, run.status_code) == (403, 403)
    assert 'href="/jobs/"' not in home.text
    assert not JobRun.objects.exists()


def test_the_page_asks_a_visitor_to_sign_in(client):
    response = client.get("/jobs/")

    assert (response.status_code, response.url) == (302, "/login/?next=/jobs/")


def test_run_now_queues_one_run_for_the_next_worker(as_user):
    client = as_user("admin")

    first = client.post("/jobs/core.purge_expired/run/", follow=True)
    second = client.post("/jobs/core.purge_expired/run/", follow=True)

    run = JobRun.objects.get()
    assert (run.job, run.status, run.manual, run.attempt) == (
        "core.purge_expired",
        Status.QUEUED,
        True,
        0,
    )
    assert "core.purge_expired will run as soon as a worker looks for due jobs" in first.text
    assert "This job is already running or waiting to start." in second.text
    assert '<span class="badge status-queued">Waiting to start</span>' in second.text


def test_run_now_answers_404_for_an_unknown_job_and_405_for_a_get(as_user):
    client = as_user("admin")

    assert client.post("/jobs/nobody.knows/run/").status_code == 404
    assert client.get("/jobs/core.purge_expired/run/").status_code == 405
