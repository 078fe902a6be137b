"""Background work of drafting, run by the task worker (`manage.py db_worker`)."""

from datetime import datetime

from django_tasks import task


@task()
def publish_on_schedule(*, version_id: int, publish_at: str) -> str:
    """Publish a draft at the time it was scheduled for (queued by `review.schedule` to run
    then), in the name of the publisher who scheduled it. A draft cancelled, rescheduled or
    published meanwhile is left alone: the task queued for its new time, if any, publishes it."""
    from . import review  # review queues this task

    version = review.publish_when_due(version_id=version_id, at=datetime.fromisoformat(publish_at))
    if version is None:
        return "skipped: no longer scheduled for this time"
    return f"published {version} on schedule"
