"""A journey is told in numbered steps. Each step is timed and printed when it ends, and the
page of each person who acted in it is saved as a screenshot, also when the step fails."""

import contextlib
import re
import time
from collections.abc import Callable
from pathlib import Path


class Story:
    def __init__(self, title: str, *, folder: Path, say: Callable[[str], None]):
        self.title, self.folder, self.say = title, folder, say
        self.steps = 0
        self.started = time.monotonic()

    @contextlib.contextmanager
    def step(self, what: str, *people):
        """`with story.step("Moderators work the queue", anna, bilal): …`"""
        self.steps += 1
        started, outcome = time.monotonic(), "failed"
        try:
            yield
            outcome = "done"
        finally:
            for person in people:
                person.screenshot(self.folder / f"{self.steps:02d}-{slug(person.name)}.png")
            self.say(
                f"{self.title}, step {self.steps}: {what}: {outcome} in "
                f"{time.monotonic() - started:.1f} s (story so far {self.elapsed:.0f} s)"
            )

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def slug(text: str) -> str:
    return re.sub(r"\W+", "-", text).strip("-").lower()


def settle(read: Callable, until: Callable[..., bool], *, seconds: float = 30):
    """What `read()` returns once `until` holds for it, or after `seconds` what it last returned:
    a public page follows a change within a few seconds (each process re-reads the cache's
    generation once a second) and the worker renders a PDF in the background."""
    deadline = time.monotonic() + seconds
    while not until(value := read()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return value
