"""django-tasks-db's `db_worker`, stopping between tasks on TERM or INT.

Upstream, a signal that arrives while the worker is not running a task makes it exit at once,
from inside the signal handler. When the signal lands while the worker commits the claim of a
task (marking it RUNNING), the claim is committed and the worker exits: the task stays RUNNING
for ever and nobody runs it (django-tasks-db issue #61, open in 0.13). A deployment that
restarts the workers under load hits that: `bench/writes.py --upgrade-midway` left one
confirmation email of 2,419 unsent. Here the first signal only ends the loop, which finishes
the task it claimed or wakes from its sleep within --interval, and exits 0. A second signal
still stops it at once. With --reload (development) the command runs as upstream's.

Remove this command once the installed django-tasks-db fixes the issue.
"""

import signal
from types import FrameType

from django_tasks_db.management.commands import db_worker


class Worker(db_worker.Worker):
    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if self.running and not self.running_task:
            db_worker.logger.warning(
                "Received %s - stopping after this poll, without starting another task...",
                signal.strsignal(signum),
            )
            self.running = False
            return
        super().shutdown(signum, frame)


class Command(db_worker.Command):
    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        if reload and not batch:
            return super().handle(
                verbosity=verbosity,
                queue_name=queue_name,
                interval=interval,
                batch=batch,
                backend_name=backend_name,
                startup_delay=startup_delay,
                reload=reload,
                max_tasks=max_tasks,
                worker_id=worker_id,
                exclude_queues=exclude_queues,
                **options,
            )
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        worker.configure_signals()
        worker.run()
