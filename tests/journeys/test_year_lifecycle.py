"""A year of drafts: two editors start drafts from version 1; one is reviewed and published as
version 2 through the confirmation page, which says who will be emailed. The other draft is now
stale: submitting it is refused, its editor rebases it onto version 2 choosing the conflicting
item, and it is published as version 3. Then a publisher publishes a title-only fix as an
editorial correction (version 4): the endorser was asked to reconfirm for versions 2 and 3, and
gets no email for version 4, whose change note readers see."""

import re
import time

import pytest
from playwright.sync_api import expect

from .people import Details, Editor, Moderator, Organisation, Reader

pytestmark = pytest.mark.journeys

SCHOOLS = Details(
    name="Open Schools Network",
    country="KE",
    email="amina@openschools.example.org",
    contact="Amina Odhiambo",
    statement="We will connect 200 rural schools by 2027.",
)
RECONFIRM = "A new version of the declaration you endorsed"
EVE_LINE = "Connect every school and every library to fast, affordable internet by 2030."
ED_LINE = "Connect every school, college and library to affordable internet by 2030."
ED_SECOND_LINE = "Train a teacher in every connected school to use it well."
FIXED_TITLE = "Global Declaration on Connectivity for Education (corrected title)"
NOTE = "Corrects the title only; the text is unchanged."


class DraftingEditor(Editor):
    """An editor who keeps track of their own draft by its address."""

    draft = ""

    def start_a_draft(self) -> None:
        self.page.goto("/drafting/")
        self.press("Start a new draft from the current version")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Draft started"))
        self.draft = self.page.url

    def reword(self, *, action_line: str, text: str) -> None:
        self.follow(f"Edit action line {action_line}")
        self.page.get_by_role("textbox", name=self.say("Text")).fill(text)
        self.press("Save")
        expect(self.page.locator("li", has_text=text)).to_be_visible()

    def retitle(self, title: str) -> None:
        self.follow("Edit title and preamble")
        self.field("Title").fill(title)
        self.press("Save")
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)

    def submit_for_review(self) -> str:
        """Press "Submit for review" and return what the page then says."""
        self.press("Submit for review")
        return " ".join(self.page.get_by_role("status").all_inner_texts())

    def rebase_keeping_mine(self, *, version: int) -> list[str]:
        """Open the rebase page, keep the draft's text in every conflict, rebase; returns the
        labels of the conflicting items it showed."""
        link = self.say("Rebase onto version %(number)s…", number=version)
        self.page.get_by_role("link", name=link, exact=True).click()
        conflicts = self.page.locator(".rebase-conflict legend").all_inner_texts()
        for radio in self.page.get_by_role("radio", name=self.say("Keep the draft's text")).all():
            radio.check()
        self.press("Rebase onto version %(number)s", number=version)
        expect(self.page.get_by_role("status")).to_contain_text(f"Rebased onto version {version}")
        return conflicts


class Reviewer(Editor):
    def approve(self, draft: str) -> None:
        self.page.goto(draft)
        self.press("Approve")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Approved"))


class Publisher(Editor):
    def publish(self, draft: str, **choice) -> tuple[int, str]:
        """Publish the approved draft at `draft` through the confirmation page; returns the
        version number and what the confirmation page said about emails."""
        self.page.goto(draft)
        self.follow("Publish now…")
        said = self.page.locator(".publish-choice").first.inner_text()
        self.page.go_back()
        self.confirm_publication(**choice)
        status = self.page.get_by_role("status").inner_text()
        return int(re.search(r"Published as version (\d+)", status).group(1)), said


def reconfirmations(mailbox) -> int:
    return sum(
        sent.to == SCHOOLS.email and sent.subject.strip() == RECONFIRM for sent in mailbox.emails()
    )


def an_organisation_endorses(organisation, moderator, mailbox) -> None:
    organisation.find_the_form()
    organisation.fill_in_the_form()
    organisation.send_the_form()
    organisation.confirm_from_the_email(mailbox)
    moderator.sign_in(at="/moderation/")
    moderator.choose(SCHOOLS.name)
    moderator.press("Approve selected")
    assert moderator.moderated() == 1


def test_year_of_drafts(site, cast, mailbox, story):
    with story.step("an operator adds two editors, a reviewer, a publisher and a moderator"):
        site.add_staff(
            ed=["Editor"], eve=["Editor"], rita=["Reviewer"], pat=["Publisher"], anna=["Moderator"]
        )
    ed, eve = cast(DraftingEditor, username="ed"), cast(DraftingEditor, username="eve")
    rita, pat = cast(Reviewer, username="rita"), cast(Publisher, username="pat")
    schools = cast(Organisation, details=SCHOOLS, language="en")
    anna, reader = cast(Moderator, username="anna"), cast(Reader, name="reader")

    with story.step("an organisation endorses version 1", schools, anna):
        an_organisation_endorses(schools, anna, mailbox)
    with story.step("two editors start drafts from version 1", ed, eve):
        for editor in (ed, eve, rita, pat):
            editor.sign_in(at="/drafting/")
        ed.start_a_draft()
        ed.reword(action_line="1.1", text=ED_LINE)
        ed.reword(action_line="2.1", text=ED_SECOND_LINE)
        eve.start_a_draft()
        eve.reword(action_line="1.1", text=EVE_LINE)
        assert "Submitted for review" in eve.submit_for_review()
    with story.step("eve's draft is reviewed and published as version 2", rita, pat):
        rita.approve(eve.draft)
        version, said = pat.publish(eve.draft)
        assert version == 2
        assert "1 in English" in said, said
    with story.step("ed's draft, now stale, offers a rebase instead of a submit", ed):
        ed.page.goto(ed.draft)
        expect(ed.page.locator(".notice").first).to_contain_text(
            "started from version 1, but version 2 has been published since"
        )
        expect(ed.button("Submit for review")).to_have_count(0)
    with story.step("ed rebases it, keeping his text where both changed", ed):
        assert ed.rebase_keeping_mine(version=2) == ["Action line 1.1"]
        for text in (ED_LINE, ED_SECOND_LINE):
            expect(ed.page.locator("li", has_text=text)).to_be_visible()
        assert "Submitted for review" in ed.submit_for_review()
    with story.step("ed's rebased draft is reviewed and published as version 3", rita, pat):
        rita.approve(ed.draft)
        assert pat.publish(ed.draft)[0] == 3
    with story.step("the endorser was asked to reconfirm for versions 2 and 3", schools):
        deadline = time.monotonic() + 60
        while reconfirmations(mailbox) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert reconfirmations(mailbox) == 2
    with story.step("a title-only fix is published as an editorial correction", eve, rita, pat):
        eve.start_a_draft()
        eve.retitle(FIXED_TITLE)
        eve.submit_for_review()
        rita.approve(eve.draft)
        version, _said = pat.publish(eve.draft, kind="An editorial correction", note=NOTE)
        assert version == 4
    with story.step("readers see the change note; no email went out for it", reader):
        reader.page.goto("/versions/4/")
        expect(reader.page.locator(".change-note")).to_contain_text(NOTE)
        reader.page.goto("/versions/3/compare/4/")
        expect(reader.page.locator(".change-note")).to_contain_text(
            "Version 4 is an editorial correction of version 3."
        )
        # The worker sent version 3's emails within seconds; give version 4 as long.
        time.sleep(10)
        assert reconfirmations(mailbox) == 2
        assert reader.count_json()["current_version"] == 4
