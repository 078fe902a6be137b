"""Running untrusted or runaway work in a forked child process under a memory limit
(RLIMIT_AS) and a wall-clock limit, so that it costs the child, never the web worker: laying out
a PDF with many signatories, parsing a PDF that someone uploaded."""

import multiprocessing
import resource
from collections.abc import Callable


class ChildProcessFailed(Exception):
    """The child ran out of time, died (most often by running out of memory) or raised; the
    message says which."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason  # "timeout", "died" or "error"


def run_in_child(function: Callable, *args, memory_mb: int, timeout: float):
    """`function(*args)`, called in a forked child that may use `memory_mb` MB of address space
    and `timeout` seconds. Its result comes back pickled through a pipe."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_call_in_child, args=(function, args, memory_mb, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise ChildProcessFailed(f"It took longer than {timeout} s.", reason="timeout")
        outcome, payload = receiver.recv()
    except EOFError:
        raise ChildProcessFailed(
            f"It stopped without an answer; it may have needed more than {memory_mb} MB.",
            reason="died",
        ) from None
    finally:
        receiver.close()
        child.kill()
        child.join()
    if outcome == "error":
        raise ChildProcessFailed(payload, reason="error")
    return payload


def _call_in_child(function: Callable, args: tuple, memory_mb: int, sender) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sender.send(("result", function(*args)))
    except MemoryError:
        sender.send(("error", f"It needed more than {memory_mb} MB."))
    except BaseException as error:
        sender.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        sender.close()
