"""A year with the declaration: publishing on time without cron. An editor's draft of version 2
is approved by a reviewer; the publisher schedules it a few seconds ahead, thinks better of it
and cancels, then schedules it again; nobody presses anything more, and the site's task worker
publishes it on time. The public pages name the new version within a couple of seconds, and
the audit log says it was published on schedule, scheduled by the publisher."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from principles.drafting.shipped import LOADER_USERNAME

from .people import Editor, Reader
from .story import settle

pytestmark = pytest.mark.journeys

DECLARATION = "Global Declaration on Connectivity for Education"
# How far ahead the publisher schedules: long enough for the steps in between, short enough
# that the story does not wait long.
AHEAD = timedelta(seconds=10)


class Publisher(Editor):
    """A publisher in the drafting workspace (Editor gives the drafting steps)."""

    def open_the_draft(self) -> None:
        self.page.goto("/drafting/")
        self.page.get_by_role("link", name=DECLARATION).click()

    def schedule(self, *, at: datetime) -> None:
        self.field("Publish at (UTC)").fill(at.strftime("%Y-%m-%dT%H:%M:%S"))
        self.press("Reschedule" if self.button("Reschedule").count() else "Schedule")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Publication scheduled."))
        expect(self.page.locator(".schedule-state")).to_be_visible()

    def cancel_the_schedule(self) -> None:
        self.press("Cancel the scheduled publication")
        expect(self.page.get_by_role("status")).to_contain_text(
            self.say("Scheduled publication cancelled. The draft stays approved.")
        )
        expect(self.page.locator(".schedule-state")).to_have_count(0)

    def audit_entries(self) -> list[dict[str, str]]:
        """The entries of the audit log, newest first, by column."""
        self.follow("Audit log")
        columns = ["when", "who", "about", "action", "detail"]
        rows = [row.locator("td").all_inner_texts() for row in self.page.locator("tbody tr").all()]
        return [
            dict(zip(columns, (" ".join(cell.split()) for cell in cells), strict=True))
            for cells in rows
        ]


class Reviewer(Editor):
    def approve(self) -> None:
        self.page.get_by_role("link", name=DECLARATION).click()
        self.press("Approve")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Approved"))


def version_named_on(reader: Reader, path: str) -> int:
    """The version that `path` names: / links to the current version's page, /endorse/ says
    which version an organisation endorses."""
    reader.page.goto(path)
    html = reader.page.content()
    if path == "/endorse/":
        return int(re.search(r"version (\d+)</strong>", html).group(1))
    return max(int(n) for n in re.findall(r'href="/versions/(\d+)/"', html))


def test_year_schedule(site, cast, story):
    with story.step("an operator adds an editor, a reviewer and a publisher"):
        site.add_staff(ed=["Editor"], rita=["Reviewer"], pia=["Publisher"])
    editor, reviewer = cast(Editor, username="ed"), cast(Reviewer, username="rita")
    publisher, reader = cast(Publisher, username="pia"), cast(Reader, name="reader")
    line = "Connect every school and every library to fast, affordable internet by 2030."

    with story.step("the editor drafts version 2 and submits it", editor):
        editor.sign_in(at="/drafting/")
        editor.draft_a_change(action_line="1.1", text=line, note="Name libraries too")
    with story.step("the reviewer approves it", reviewer):
        reviewer.sign_in(at="/drafting/")
        reviewer.approve()
    with story.step("the publisher schedules it, then cancels", publisher):
        publisher.sign_in(at="/drafting/")
        publisher.open_the_draft()
        publisher.schedule(at=datetime.now(UTC) + AHEAD)
        publisher.cancel_the_schedule()
    with story.step("the publisher schedules it again, a few seconds ahead", publisher):
        due = (datetime.now(UTC) + AHEAD).replace(microsecond=0)
        publisher.schedule(at=due)
        assert version_named_on(reader, "/") == 1

    with story.step("nobody presses anything: the worker publishes it on time", reader):
        wait = (due - datetime.now(UTC)).total_seconds() + 6
        current = settle(lambda: version_named_on(reader, "/"), lambda n: n == 2, seconds=wait)
        seen = datetime.now(UTC)
        assert current == 2, f"/ still names version {current} at {seen:%H:%M:%S}, due {due}"
        assert due <= seen <= due + timedelta(seconds=4), f"due {due}, seen {seen}"
        assert settle(lambda: version_named_on(reader, "/endorse/"), lambda n: n == 2) == 2
        # Every server within 2 s: each gunicorn worker re-reads the generation once a second.
        home = settle(
            lambda: reader.page.goto("/") and reader.page.locator("main").inner_text(),
            until=lambda text: "and every library" in text,
            seconds=2,
        )
        assert "and every library" in home
    with story.step("the audit log: published on schedule, scheduled by the publisher", publisher):
        entries = publisher.audit_entries()
        on_schedule = [e for e in entries if e["action"] == "Published on schedule"]
        assert len(on_schedule) == 1, entries
        assert on_schedule[0]["who"] == "pia"
        assert on_schedule[0]["detail"].startswith("v2, scheduled by pia for ")
        assert "published by the task worker" in on_schedule[0]["detail"]
        actions = [(e["who"], e["action"]) for e in entries]
        assert ("pia", "Cancelled the scheduled publication") in actions
        scheduled = [who for who, action in actions if action == "Scheduled publication"]
        assert scheduled == ["pia", "pia"]
        # Nobody published by hand (the loader published the shipped translations at setup).
        assert not any(action == "Published" for who, action in actions if who != LOADER_USERNAME)
