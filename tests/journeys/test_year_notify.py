"""A year of the declaration: one action line reworded, with people told at each step.

An editor rewords an action line and submits it; the reviewer, who reads in French, is emailed
in French, opens the link, comments on the line and sends the draft back; the editor is
emailed, reads the comment on the line's edit page, answers it, fixes the line, resolves the
thread and submits again; the reviewer approves; the publisher is emailed, finds the draft in
"My tasks" and publishes it. The clicks and sign-ins are counted as the story goes."""

import re
import time

import pytest
from playwright.sync_api import expect

from bench.site_processes import manage

from .mailbox import Email, Mailbox
from .people import Staff, translated

pytestmark = pytest.mark.journeys

FIRST_TEXT = "Connect every school to fast, affordable internet by 2030, paid for fairly."
FIXED_TEXT = "Connect every school to fast, affordable internet by 2030, paid for by states."
COMMENT = "Qui paie ? Nommez-les, s'il vous plaît."

# Run by `manage.py shell`, as an operator completes the accounts: addresses and languages.
SET_ADDRESSES = """
from django.contrib.auth.models import User
from principles.models import StaffLanguage

for user in User.objects.filter(username__in=["emma", "rene", "paula"]):
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["email"])
StaffLanguage.objects.create(user=User.objects.get(username="rene"), language="fr")
"""


class Counting(Staff):
    """A member of staff whose clicks (links followed, buttons pressed, emails opened) and
    sign-ins are counted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clicks = self.sign_ins = 0

    def follow(self, text: str) -> None:
        self.clicks += 1
        super().follow(text)

    def press(self, text: str, **values):
        self.clicks += 1
        return super().press(text, **values)

    def sign_in(self, *, at: str) -> None:
        self.sign_ins += 1
        super().sign_in(at=at)

    def open_email(self, sent: Email, path: str) -> str:
        """Open the link to `path` in `sent`, signing in first if need be."""
        self.clicks += 1
        link = sent.link(path)
        self.page.goto(link)
        if "/accounts/login/" in self.page.url:
            self.sign_ins += 1
            self.page.goto("about:blank")
            Staff.sign_in(self, at=link.partition("#")[0])
        return link

    def item(self, text: str):
        """The action line of the draft that reads `text`."""
        return self.page.locator(".action-lines > li", has_text=text)

    def status(self) -> str:
        return " ".join(self.page.get_by_role("status").all_inner_texts())


def nth_email(mailbox: Mailbox, *, to: str, subject: str, n: int, seconds: float = 60) -> Email:
    """The `n`th email (from 1) to `to` with `subject`, once the worker has sent it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [e for e in mailbox.emails() if e.to == to and e.subject.strip() == subject]
        if len(found) >= n:
            return found[n - 1]
        time.sleep(0.2)
    sent = [(e.to, e.subject) for e in mailbox.emails()]
    raise AssertionError(f"After {seconds} s, no email {n} {subject!r} to {to}. Sent: {sent}")


def test_year_notify(site, cast, mailbox, story):
    with story.step("an operator adds an editor, a French-reading reviewer and a publisher"):
        site.add_staff(emma=["Editor"], rene=["Reviewer"], paula=["Publisher"])
        manage("shell", "-v0", "--command", SET_ADDRESSES, env=site.env)
    emma = cast(Counting, username="emma")
    rene = cast(Counting, username="rene", language="fr")
    paula = cast(Counting, username="paula")
    draft_page = re.compile(r"/drafting/\d+/")

    with story.step("the editor rewords action line 1.1 and submits it", emma):
        emma.sign_in(at="/drafting/")
        emma.press("Start a new draft from the current version")
        emma.follow("Edit action line 1.1")
        emma.page.get_by_role("textbox", name="Text").fill(FIRST_TEXT)
        emma.press("Save")
        emma.press("Submit for review")
        expect(emma.page.get_by_role("status")).to_contain_text("Submitted for review")

    with story.step("the reviewer is emailed in French, comments and sends it back", rene):
        subject = translated("A draft of the declaration waits for your review", "fr")
        sent = nth_email(mailbox, to="rene@example.org", subject=subject, n=1)
        assert "emma a soumis le brouillon" in sent.body
        rene.open_email(sent, "/drafting/")
        expect(rene.page).to_have_url(draft_page)
        assert rene.reading == "fr"
        line = rene.item(FIRST_TEXT)
        rene.clicks += 1
        line.get_by_text(rene.say("Comment on this item"), exact=True).click()
        line.get_by_label(rene.say("Your comment")).fill(COMMENT)
        rene.clicks += 1
        line.get_by_role("button", name=rene.say("Add the comment")).click()
        expect(rene.item(FIRST_TEXT)).to_contain_text(COMMENT)
        rene.follow("Send back with comments")
        rene.press("Send back")
        expect(rene.page.get_by_role("status")).to_contain_text(
            rene.say("Sent back to the editors with your comments.")
        )
    # Commenting on a draft in review tells nobody yet: the verdict carries the comment.
    assert not [e for e in mailbox.emails() if e.subject.startswith("A new comment")]

    with story.step("the editor answers on the edit page, fixes, resolves, submits", emma):
        sent = nth_email(
            mailbox, to="emma@example.org", subject="Your draft was sent back with comments", n=1
        )
        assert f"Action line 1.1, \u2068rene\u2069: “\u2068{COMMENT}\u2069”" in sent.body
        emma.open_email(sent, "/drafting/")
        expect(emma.item(FIRST_TEXT)).to_contain_text(COMMENT)
        emma.follow("Edit action line 1.1")
        expect(emma.page.locator(".item-comments")).to_contain_text(COMMENT)
        emma.field("Your answer").fill("The states, with the operators.")
        emma.press("Answer")
        emma.page.get_by_role("textbox", name="Text").fill(FIXED_TEXT)
        emma.press("Save")
        emma.press("Resolve")
        expect(emma.item(FIXED_TEXT).locator(".thread-resolved")).to_contain_text(
            "Thread resolved by emma"
        )
        emma.press("Submit for review")
        expect(emma.page.get_by_role("status")).to_contain_text("Submitted for review")

    with story.step("the reviewer is emailed again and approves", rene):
        subject = translated("A draft of the declaration waits for your review", "fr")
        rene.open_email(nth_email(mailbox, to="rene@example.org", subject=subject, n=2), "/")
        expect(rene.item(FIXED_TEXT)).to_be_visible()
        rene.press("Approve")
        expect(rene.page.get_by_role("status")).to_contain_text(rene.say("Approved"))

    with story.step("the publisher is emailed, finds it in My tasks and publishes it", paula):
        nth_email(
            mailbox, to="paula@example.org", subject="A draft of the declaration was approved", n=1
        )
        paula.sign_in(at="/drafting/tasks/")
        to_publish = paula.page.get_by_role("region", name="Approved, to publish")
        paula.clicks += 1
        to_publish.get_by_role("link").first.click()
        paula.confirm_publication()
        expect(paula.page.get_by_role("status")).to_contain_text("Published as version 2")

    with story.step("the editor and the reviewer hear of the publication, the publisher not"):
        for person in ("emma", "rene"):
            subject = translated("A new version of the declaration is published", "fr")
            english = "A new version of the declaration is published"
            nth_email(
                mailbox,
                to=f"{person}@example.org",
                subject=subject if person == "rene" else english,
                n=1,
            )
        told = [e.subject for e in mailbox.emails() if e.to == "paula@example.org"]
        assert told == ["A draft of the declaration was approved"]

    people = (emma, rene, paula)
    story.say(
        "Clicks: "
        + ", ".join(f"{p.name} {p.clicks}" for p in people)
        + f" = {sum(p.clicks for p in people)}; sign-ins: {sum(p.sign_ins for p in people)}"
    )
