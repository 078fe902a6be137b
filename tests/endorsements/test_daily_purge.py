"""The purge of expired confirmations runs every day in the task worker, without cron: one run
waits in the queue at a time, whoever starts the chain, and each run queues the next."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from declaration_site import periodic
from declaration_site.tasks import prune_task_results
from endorsements.models import Endorsement
from endorsements.tasks import purge_unconfirmed_endorsements


@pytest.fixture(autouse=True)
def queued(settings):
    """Tasks wait in the database queue for the worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def waiting(task):
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)


def test_migrate_starts_the_purge_and_the_pruning_once_however_often_it_runs(db):
    DBTaskResult.objects.all().delete()

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert waiting(purge_unconfirmed_endorsements).count() == 1
    assert waiting(prune_task_results).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker closes the connection when it is done
def test_a_run_purges_the_expired_and_queues_the_next_run_a_day_later(make_endorsement):
    DBTaskResult.objects.all().delete()
    old = timezone.now() - timedelta(days=8)
    make_endorsement(status="unconfirmed", submitted_at=old)
    fresh = make_endorsement(status="unconfirmed")
    periodic.ensure_queued(purge_unconfirmed_endorsements)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    done = DBTaskResult.objects.get(status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value == "deleted 1 expired unconfirmed endorsement(s)"
    assert list(Endorsement.objects.values_list("pk", flat=True)) == [fresh.pk]
    following = waiting(purge_unconfirmed_endorsements).get()
    assert abs(following.run_after - done.started_at - timedelta(days=1)) < timedelta(minutes=1)


def test_without_a_task_worker_nothing_is_queued(db, settings):
    DBTaskResult.objects.all().delete()
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }

    assert periodic.ensure_queued(purge_unconfirmed_endorsements) is False
    assert not DBTaskResult.objects.exists()


def test_asking_again_while_a_run_waits_queues_nothing(db):
    DBTaskResult.objects.all().delete()

    first = periodic.ensure_queued(purge_unconfirmed_endorsements)
    second = periodic.ensure_queued(purge_unconfirmed_endorsements, after=timedelta(hours=1))

    assert (first, second) == (True, False)
    assert waiting(purge_unconfirmed_endorsements).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite allows one writer at a time; run with DATABASE_URL=postgres://… to test "
    "two workers asking at once.",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_asking_at_once_queue_one_run():
    DBTaskResult.objects.all().delete()
    start, outcomes = threading.Barrier(4), []

    def ask():
        try:
            start.wait()
            outcomes.append(periodic.ensure_queued(purge_unconfirmed_endorsements))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False, False, False, True]
    assert waiting(purge_unconfirmed_endorsements).count() == 1
