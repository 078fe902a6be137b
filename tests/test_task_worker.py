"""`manage.py db_worker` stops between tasks on TERM (declaration_site/management/commands/
db_worker.py): upstream's exits from inside the signal handler, which leaves a task it was
claiming RUNNING for ever."""

import signal

import pytest

from declaration_site.management.commands.db_worker import Worker


@pytest.fixture
def worker():
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    for number, handler in handlers.items():
        signal.signal(number, handler)


def test_a_stop_signal_while_idle_ends_the_loop_instead_of_exiting_on_the_spot(worker):
    worker.shutdown(signal.SIGTERM, None)
    assert worker.running is False


def test_a_stop_signal_during_a_task_lets_it_finish(worker):
    worker.running_task = True
    worker.shutdown(signal.SIGTERM, None)
    assert worker.running is False


def test_a_second_stop_signal_still_stops_the_worker_at_once(worker):
    worker.shutdown(signal.SIGTERM, None)
    with pytest.raises(SystemExit):
        worker.shutdown(signal.SIGTERM, None)
