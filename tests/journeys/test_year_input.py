"""A year of the declaration, the chapter on input: an editor's session expires while she
rewords an action line, she signs in again on the page that Save shows and her text is saved;
another editor changes only the title, his browser sending the preamble back as it shows it,
and once published the public comparison shows the title and that action line changed, and
the preamble not."""

import re

import pytest
from django.conf import settings
from django.utils.text import capfirst
from playwright.sync_api import expect

from .deployed import PASSWORD
from .people import Reader, Staff
from .story import settle

pytestmark = pytest.mark.journeys

NEW_LINE = "Connect every school, and the library next to it, to fast internet by 2030."
NEW_TITLE = "Global Declaration on Connectivity for Education and Learning"


class Writer(Staff):
    """A member of staff working in the drafting workspace, whose session can expire."""

    def start_a_draft(self) -> str:
        """Start a draft from the current version; returns the draft's address."""
        self.press("Start a new draft from the current version")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Draft started"))
        return self.page.url.removeprefix(self.site.url)

    def session_expires(self) -> None:
        """What the browser lives through: the session cookie is gone, the CSRF cookie stays."""
        self.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        names = {cookie["name"] for cookie in self.context.cookies()}
        assert settings.CSRF_COOKIE_NAME in names
        assert settings.SESSION_COOKIE_NAME not in names

    def sign_in_again(self) -> None:
        """On the page that kept the text: sign in, which saves it."""
        self.field(capfirst(self.say("username")), translate=False).fill(self.username)
        self.field("Password").fill(PASSWORD)
        self.press("Sign in and save")

    def told(self) -> str:
        return " ".join(self.page.get_by_role("status").all_inner_texts())


def eva_writes_and_her_session_expires(eva) -> str:
    eva.sign_in(at="/drafting/")
    draft = eva.start_a_draft()
    eva.follow("Edit action line 1.2")
    eva.page.get_by_role("textbox", name=eva.say("Text")).fill(NEW_LINE)
    eva.session_expires()
    eva.press("Save")
    return draft


def the_sign_in_page_keeps_her_text(eva) -> None:
    eva.expect_heading("Your session has expired")
    expect(eva.page.locator(".kept-text")).to_contain_text(NEW_LINE)


def she_signs_in_and_her_text_is_saved(eva) -> None:
    eva.sign_in_again()
    assert "Saved: Reworded action line 1.2." in eva.told()
    expect(eva.page.locator("li", has_text=NEW_LINE)).to_be_visible()


def the_history_shows_only_her_change(eva) -> None:
    eva.follow("History")
    rows = eva.page.locator("tbody tr")
    expect(rows.first).to_contain_text("eva")
    expect(rows.first).to_contain_text("Reworded action line 1.2")
    rows.first.get_by_role("link", name=re.compile(r"^Changes in revision \d+$")).click()
    summary = eva.page.locator("#changes-summary + ul li").all_inner_texts()
    assert summary == ["Action line 1.2: Reworded"], summary


def omar_changes_only_the_title(omar, draft: str) -> None:
    omar.sign_in(at=draft)
    omar.follow("Edit title and preamble")
    preamble = omar.page.get_by_role("textbox", name=omar.say("Preamble"))
    # Chromium sends the textarea's line breaks as CRLF; the stored text has LF.
    assert "\n" in preamble.input_value()
    omar.field("Title").fill(NEW_TITLE)
    omar.press("Save")
    assert "Saved: Edited the title and preamble." in omar.told()


def the_draft_is_reviewed_and_published(eva, rita, pat, draft: str) -> None:
    eva.page.goto(draft)
    eva.press("Submit for review")
    rita.sign_in(at=draft)
    rita.press("Approve")
    pat.sign_in(at=draft)
    pat.confirm_publication()
    expect(pat.page.get_by_role("status")).to_contain_text("Published as version 2")


def the_public_comparison_shows_no_change_to_the_preamble(reader) -> None:
    def summary():
        reader.page.goto("/versions/1/compare/2/")
        return reader.page.locator("#changes-summary + ul li").all_inner_texts()

    expected = ["Title and preamble: Reworded", "Action line 1.2: Reworded"]
    assert settle(summary, lambda shown: shown == expected) == expected
    labels = reader.page.locator(".diff-field-label").all_text_contents()
    assert [" ".join(label.split()) for label in labels[:2]] == [
        "Title Reworded",
        "Preamble Unchanged",
    ]


def test_year_input(site, cast, story):
    with story.step("an operator adds two editors, a reviewer and a publisher"):
        site.add_staff(eva=["Editor"], omar=["Editor"], rita=["Reviewer"], pat=["Publisher"])
    eva, omar = cast(Writer, username="eva"), cast(Writer, username="omar")
    rita, pat = cast(Writer, username="rita"), cast(Writer, username="pat")
    reader = cast(Reader, name="reader")

    with story.step("Eva rewords an action line; her session expires; she presses Save", eva):
        draft = eva_writes_and_her_session_expires(eva)
        the_sign_in_page_keeps_her_text(eva)
    with story.step("she signs in again on that page and her text is saved", eva):
        she_signs_in_and_her_text_is_saved(eva)
    with story.step("the history shows that her save changed only that line", eva):
        the_history_shows_only_her_change(eva)
    with story.step("Omar changes only the title", omar):
        omar_changes_only_the_title(omar, draft)
    with story.step("the draft is submitted, approved and published", eva, rita, pat):
        the_draft_is_reviewed_and_published(eva, rita, pat, draft)
    with story.step("the public comparison shows no change to the preamble", reader):
        the_public_comparison_shows_no_change_to_the_preamble(reader)
