"""`rapport worker`: django-tasks-db's worker with Rapport's defaults."""

import pytest
from django.core.management import (
    CommandError,
    call_command,
    get_commands,
    load_command_class,
)
from django.tasks import task
from django.test import override_settings

from rapport.accounts.models import Team

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@task()
def create_team(name: str) -> int:
    return Team.objects.create(name=name).pk


def parse(*args: str):
    command = load_command_class(get_commands()["worker"], "worker")
    return command.create_parser("rapport", "worker").parse_args(list(args))


@override_settings(TASKS=DATABASE_TASKS)
def test_worker_defaults_to_every_queue_without_autoreload():
    options = parse()

    assert options.queue_name == "*"
    assert options.reload is False
    assert options.batch is False
    assert options.no_scheduler is False  # runs the periodic jobs too


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
@pytest.mark.parametrize(
    ("args", "starts_scheduler"),
    [([], True), (["--no-scheduler"], False), (["--batch"], False)],
)
def test_worker_starts_the_periodic_jobs_scheduler_unless_told_not_to(
    monkeypatch, args, starts_scheduler
):
    started = []
    monkeypatch.setattr(
        "rapport.core.management.commands.worker.Scheduler.start",
        lambda scheduler: started.append(scheduler),
    )
    create_team.enqueue("Queued team")

    # a worker that stops after one task (or, in batch mode, once the queue is empty)
    call_command("worker", "--max-tasks", "1", "--no-startup-delay", *args, verbosity=0)

    assert len(started) == int(starts_scheduler)
    assert Team.objects.filter(name="Queued team").count() == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_worker_rejects_a_negative_interval():
    with pytest.raises(CommandError, match="Must be zero or greater"):
        parse("--interval", "-1")


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_worker_runs_enqueued_tasks_of_every_queue_then_exits_in_batch_mode():
    # given two tasks waiting in the database queue, on two queues
    first = create_team.enqueue("Queued team")
    second = create_team.using(queue_name="reports").enqueue("Reports team")
    assert not Team.objects.exists()

    # when a worker drains the queue
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    # then both ran once and their results are stored
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Queued team", "Reports team"]
    first.refresh()
    second.refresh()
    assert (first.status, second.status) == ("SUCCESSFUL", "SUCCESSFUL")
    assert first.return_value == Team.objects.get(name="Queued team").pk
