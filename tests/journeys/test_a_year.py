"""A year of the declaration, told whole on one deployed site: version 1 is translated into
French and Arabic and endorsed. Two editors work on one draft at once and one of them is told,
with both texts, that the other saved first; an editor's session expires mid-edit and her text
survives the sign-in. A reviewer reading French is emailed, comments on an item and sends the
draft back; the thread is answered and resolved; the draft is approved and scheduled, and the
task worker publishes version 2 on time. French and Arabic readers keep their text, the changed
line marked, and the French translator updates that one line. The other editor's draft, started
from version 1, is refused until he rebases it; it becomes version 3, and a title-only fix is
published as an editorial correction (version 4) that emails no endorser.

Each chapter of the year also has a story of its own (test_year_*.py), which looks at its part
more closely; this one proves that the parts hold together across versions."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .people import Moderator, Organisation, Reader, translated
from .story import settle
from .test_year_carry import (
    ARABIC,
    FRENCH,
    NEW_FRENCH,
    REWORDED,
    main_text,
    reader_pdf_is_kept_too,
    reader_sees_the_text_kept_and_the_change_marked,
    translations_of_version_1_are_published,
    translator_updates_the_french,
)
from .test_year_input import Writer
from .test_year_lifecycle import (
    FIXED_TITLE,
    NOTE,
    SCHOOLS,
    DraftingEditor,
    an_organisation_endorses,
    reconfirmations,
)
from .test_year_lifecycle import Publisher as ConfirmingPublisher
from .test_year_lifecycle import Reviewer as LifecycleReviewer
from .test_year_notify import Counting, nth_email
from .test_year_schedule import AHEAD, version_named_on
from .test_year_schedule import Publisher as SchedulingPublisher

pytestmark = pytest.mark.journeys

FIRST_TRY = "Connect every school to the internet by 2030."
ED_LINE = "Connect every school, college and library to affordable internet by 2030."
ED_SECOND_LINE = "Train a teacher in every connected school to use it well."
QUESTION = "Pourquoi « bibliothèque » ? Les bibliothèques publiques sont-elles comprises ?"
ANSWER = "Yes: public libraries, which serve pupils after school."


class Editor(DraftingEditor, Writer, Counting):
    """An editor who keeps track of their draft, whose session can expire, and who reads
    their emails."""


class Reviewer(LifecycleReviewer, Counting):
    pass


class Publisher(ConfirmingPublisher, SchedulingPublisher):
    pass


def two_editors_save_the_same_item(eve: Editor, ed: Editor) -> None:
    """Both open action line 1.1 of eve's draft; ed saves first; eve is shown both texts and
    keeps hers."""
    eve.page.goto(eve.draft)
    eve.follow("Edit action line 1.1")
    ed.page.goto(eve.draft)
    ed.reword(action_line="1.1", text=FIRST_TRY)
    eve.page.get_by_role("textbox", name=eve.say("Text")).fill(REWORDED)
    eve.press("Save")
    conflict = eve.page.get_by_role("heading", name=eve.say("Someone else saved this item first"))
    expect(conflict).to_be_visible()
    expect(eve.page.locator(".conflict")).to_contain_text(FIRST_TRY)
    expect(eve.page.locator(".conflict")).to_contain_text(REWORDED)
    eve.press("Save my text instead")
    expect(eve.page.locator("li", has_text=REWORDED)).to_be_visible()


def a_session_expires_mid_edit(ed: Editor) -> None:
    """Ed rewords action line 2.1 of his own draft; his session expires before he saves."""
    ed.page.goto(ed.draft)
    ed.follow("Edit action line 2.1")
    ed.page.get_by_role("textbox", name=ed.say("Text")).fill(ED_SECOND_LINE)
    ed.session_expires()
    ed.press("Save")
    ed.expect_heading("Your session has expired")
    expect(ed.page.locator(".kept-text")).to_contain_text(ED_SECOND_LINE)
    ed.sign_in_again()
    assert "Saved: Reworded action line 2.1." in ed.told()
    expect(ed.page.locator("li", has_text=ED_SECOND_LINE)).to_be_visible()


def the_reviewer_comments_in_french(rob: Reviewer, mailbox) -> None:
    subject = translated("A draft of the declaration waits for your review", "fr")
    rob.open_email(nth_email(mailbox, to="rob@example.org", subject=subject, n=1), "/drafting/")
    line = rob.item(REWORDED)
    line.get_by_text(rob.say("Comment on this item"), exact=True).click()
    line.get_by_label(rob.say("Your comment")).fill(QUESTION)
    line.get_by_role("button", name=rob.say("Add the comment")).click()
    expect(rob.item(REWORDED)).to_contain_text(QUESTION)
    rob.follow("Send back with comments")
    rob.press("Send back")
    expect(rob.page.get_by_role("status")).to_contain_text(
        rob.say("Sent back to the editors with your comments.")
    )


def the_editor_answers_and_resubmits(eve: Editor, mailbox) -> None:
    sent = nth_email(
        mailbox, to="eve@example.org", subject="Your draft was sent back with comments", n=1
    )
    eve.open_email(sent, "/drafting/")
    eve.follow("Edit action line 1.1")
    expect(eve.page.locator(".item-comments")).to_contain_text(QUESTION)
    eve.field("Your answer").fill(ANSWER)
    eve.press("Answer")
    eve.press("Resolve")
    eve.page.goto(eve.draft)
    expect(eve.item(REWORDED).locator(".thread-resolved")).to_contain_text("Thread resolved by eve")
    assert "Submitted for review" in eve.submit_for_review()


def the_worker_publishes_on_time(paula: Publisher, reader: Reader) -> None:
    due = (datetime.now(UTC) + AHEAD).replace(microsecond=0)
    paula.page.goto(paula.draft)
    paula.schedule(at=due)
    wait = (due - datetime.now(UTC)).total_seconds() + 6
    current = settle(lambda: version_named_on(reader, "/"), lambda n: n == 2, seconds=wait)
    assert current == 2, f"/ still names version {current}, due {due}"
    assert datetime.now(UTC) <= due + timedelta(seconds=6)


def test_a_year(site, cast, mailbox, story):
    with story.step("an operator adds the team; version 1 is translated into French and Arabic"):
        site.add_staff(
            ed=["Editor"],
            eve=["Editor"],
            rob=["Reviewer"],
            paula=["Publisher"],
            fabien=["Editor"],
            amal=["Editor"],
            anna=["Moderator"],
        )
        translations_of_version_1_are_published(site)
    ed, eve = cast(Editor, username="ed"), cast(Editor, username="eve")
    rob = cast(Reviewer, username="rob", language="fr")
    paula = cast(Publisher, username="paula")
    fabien = cast(Editor, username="fabien", language="fr")
    schools, anna = (
        cast(Organisation, details=SCHOOLS, language="en"),
        cast(Moderator, username="anna"),
    )
    claire, layla = (
        cast(Reader, name="Claire", language="fr"),
        cast(Reader, name="Layla", language="ar"),
    )
    reader = cast(Reader, name="reader")

    with story.step("an organisation endorses version 1", schools, anna):
        an_organisation_endorses(schools, anna, mailbox)
    with story.step("two editors start drafts from version 1", ed, eve):
        for person in (ed, eve, paula):
            person.sign_in(at="/drafting/")
        rob.sign_in(at="/fr/drafting/")  # he reads the site in French: his emails follow
        ed.start_a_draft()
        ed.reword(action_line="1.1", text=ED_LINE)
        eve.start_a_draft()
    with story.step("both save action line 1.1 of eve's draft: eve sees both texts", eve, ed):
        two_editors_save_the_same_item(eve, ed)
    with story.step("ed's session expires mid-edit; he signs in again, his text kept", ed):
        a_session_expires_mid_edit(ed)
    with story.step("eve submits; rob is emailed in French, comments, sends it back", eve, rob):
        assert "Submitted for review" in eve.submit_for_review()
        rob.page.goto("about:blank")
        the_reviewer_comments_in_french(rob, mailbox)
    with story.step("eve answers on the edit page, resolves the thread, resubmits", eve):
        the_editor_answers_and_resubmits(eve, mailbox)
    with story.step("rob approves; paula schedules it; the worker publishes version 2", rob, paula):
        rob.approve(eve.draft)
        paula.draft = eve.draft
        the_worker_publishes_on_time(paula, reader)
    with story.step("French and Arabic readers keep their text, the change marked", claire, layla):
        reader_sees_the_text_kept_and_the_change_marked(claire, FRENCH)
        reader_sees_the_text_kept_and_the_change_marked(layla, ARABIC)
        reader_pdf_is_kept_too(claire, FRENCH)
    with story.step("the French translator updates the changed line", fabien):
        translator_updates_the_french(fabien, mailbox)
        rob.page.goto(fabien.page.url)
        rob.press("Approve")
        paula.page.goto(fabien.page.url)
        paula.press("Publish now")
        french = settle(lambda: main_text(claire, "fr"), until=lambda text: NEW_FRENCH in text)
        assert claire.say("Translation being updated") not in french
    with story.step("ed's stale draft offers a rebase; it is published as version 3", ed):
        ed.page.goto(ed.draft)
        expect(ed.page.locator(".notice").first).to_contain_text("version 2 has been published")
        expect(ed.button("Submit for review")).to_have_count(0)
        assert ed.rebase_keeping_mine(version=2) == ["Action line 1.1"]
        assert "Submitted for review" in ed.submit_for_review()
        rob.approve(ed.draft)
        assert paula.publish(ed.draft)[0] == 3
    with story.step("the endorser was asked to reconfirm for versions 2 and 3", schools):
        assert settle(lambda: reconfirmations(mailbox), until=lambda n: n == 2) == 2
    with story.step("a title-only fix is an editorial correction: no email", eve, paula):
        eve.start_a_draft()
        eve.retitle(FIXED_TITLE)
        eve.submit_for_review()
        rob.approve(eve.draft)
        assert paula.publish(eve.draft, kind="An editorial correction", note=NOTE)[0] == 4
        claire.page.goto("/fr/versions/4/")
        expect(claire.page.locator(".change-note")).to_contain_text(NOTE)
        assert settle(lambda: reconfirmations(mailbox), until=lambda n: n > 2, seconds=10) == 2
