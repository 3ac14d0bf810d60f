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
