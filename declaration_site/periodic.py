"""Recurring jobs (purging expired confirmations, pruning old task results), run by the task
worker rather than by cron: each run first queues the next one with `run_after`, so the chain
goes on as long as any worker runs, and a worker that was down runs the waiting one when it
comes back. `ensure_queued` starts a chain that has no run waiting; each app calls it for its
jobs after every `migrate` (its `AppConfig.ready`), so a deployment starts them.

Exactly one run of each job waits in the queue, whoever asks at once: asking first updates the
job's `PeriodicJob` row, so two processes (two workers, a worker and `migrate`) take turns, and
the second finds the first's run waiting. Two runs that somehow both waited (an older chain)
both run, and only the later one queues the next."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from .models import PeriodicJob

DAILY = timedelta(days=1)


def ensure_queued(task: Task, *, after: timedelta = timedelta(0)) -> bool:
    """Queue a run of `task` in `after` unless one is waiting already; whether one was queued.
    A task backend that cannot wait (the immediate one, in development) gets nothing: there the
    jobs' management commands are run by hand."""
    if not task.get_backend().supports_defer:
        return False
    with transaction.atomic():
        _take_turn(task)
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return False
        task.using(run_after=timezone.now() + after).enqueue()
    return True


def _take_turn(task: Task) -> None:
    """Lock the job's row until the transaction ends (an update locks it in PostgreSQL and
    takes the write lock in SQLite)."""
    job, _created = PeriodicJob.objects.get_or_create(task_path=task.module_path)
    PeriodicJob.objects.filter(pk=job.pk).update(checked_at=timezone.now())
