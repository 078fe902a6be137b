"""Background work of the site as a whole, run by the task worker (`manage.py db_worker`)."""

from io import StringIO

from django.core.management import call_command
from django_tasks import task

from . import periodic

# Finished tasks are kept this long, for staff to read under "Task results" in the admin.
KEEP_TASK_RESULTS_DAYS = 30


@task()
def prune_task_results() -> str:
    """Every day: delete the results of tasks finished more than KEEP_TASK_RESULTS_DAYS ago,
    as `manage.py prune_db_task_results` does (which can also be run by hand)."""
    periodic.ensure_queued(prune_task_results, after=periodic.DAILY)
    output = StringIO()
    call_command(
        "prune_db_task_results", "--min-age-days", str(KEEP_TASK_RESULTS_DAYS), stdout=output
    )
    return output.getvalue().strip() or "pruned"


def queue_periodic_jobs(**kwargs) -> None:
    """After `migrate`: start the site's recurring jobs where none is waiting."""
    periodic.ensure_queued(prune_task_results)
