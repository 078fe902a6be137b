"""The people of the journeys. Each has a browser context of their own (their own cookies, and
their browser's language) and does what a person does: follows links by their text, fills in
fields by their labels and presses buttons, reading the site in whatever language it shows."""

import contextlib
import csv
import io
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, Response, expect

from endorsements.forms import EndorsementForm
from tests.principles.pdf.pdf_reading import text_lines

from .deployed import PASSWORD, DeployedSite
from .mailbox import Mailbox

# Through the CSSOM, which the site's Content-Security-Policy allows, unlike a <style> element.
SHOW_WHOLE_PAGE = """() => {
  for (const element of document.querySelectorAll("*")) {
    if (getComputedStyle(element).contentVisibility === "auto") {
      element.style.contentVisibility = "visible";
    }
  }
}"""


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def refusal(page: Page, button: Locator) -> str | None:
    """Why the site will refuse the form of `button`, seen before it is sent, or None. A browser
    posts every CSRF token the form holds and Django checks the last one against the visitor's
    cookie: a token in a cached fragment belongs to whoever filled the cache."""
    form = page.locator("form", has=button)
    tokens = form.locator("input[name='csrfmiddlewaretoken']").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    if not tokens:
        return f"the form on {page.url} carries no CSRF token"
    cookie = next(
        (c["value"] for c in page.context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME),
        None,
    )
    if cookie is None or len(tokens[-1]) != CSRF_TOKEN_LENGTH:
        return None  # Sent as it is: the site's answer tells.
    if _unmask_cipher_token(tokens[-1]) != cookie:
        return (
            f"the form on {page.url} carries {len(tokens)} CSRF token(s) and the last one, which "
            "Django checks, is not this visitor's: a cached fragment took it from another visitor"
        )
    return None


def answered(page: Page, response: Response | None) -> Response:
    assert response is not None, f"Pressing the button on {page.url} loaded nothing"
    assert response.status < 400, (
        f"{response.request.method} {response.url} answered {response.status}: "
        + page.locator("body").inner_text()[:300]
    )
    return response


def submit(page: Page, button: Locator) -> Response:
    """Press `button` and wait for the page that answers; fail with the reason if the form cannot
    be sent as it is or the site refuses it (a 4xx, such as CSRF's 403)."""
    return submit_together((page, button))[0]


def submit_together(*presses: tuple[Page, Locator]) -> list[Response]:
    """Press several buttons, each in its own page, before waiting for any answer: people who
    send forms at the same moment."""
    for page, button in presses:
        problem = refusal(page, button)
        assert problem is None, f"Cannot send the form as a browser would: {problem}"
    with contextlib.ExitStack() as waiting:
        navigations = [waiting.enter_context(page.expect_navigation()) for page, _button in presses]
        for _page, button in presses:
            button.click(no_wait_after=True)
    return [
        answered(page, navigation.value)
        for (page, _button), navigation in zip(presses, navigations, strict=True)
    ]


class Person:
    def __init__(self, browser, *, site: DeployedSite, name: str, language: str = "en"):
        self.name, self.site = name, site
        self.context = browser.new_context(
            base_url=site.url, locale=language, viewport={"width": 1024, "height": 800}
        )
        self.page = self.context.new_page()

    @property
    def reading(self) -> str:
        """The language of the page this person reads."""
        return self.page.locator("html").get_attribute("lang") or "en"

    def say(self, text: str, **values) -> str:
        """`text` as the site shows it in the language of the page this person reads."""
        text = translated(text, self.reading)
        return text % values if values else text

    def follow(self, text: str) -> None:
        self.page.get_by_role("link", name=self.say(text), exact=True).first.click()

    def button(self, text: str, **values) -> Locator:
        return self.page.get_by_role("button", name=self.say(text, **values), exact=True)

    def press(self, text: str, **values) -> Response:
        return submit(self.page, self.button(text, **values))

    def expect_heading(self, text: str, **values) -> None:
        heading = self.page.get_by_role("heading", level=1)
        expect(heading).to_have_text(self.say(text, **values))

    def field(self, label: str, *, translate: bool = True) -> Locator:
        """The input, select or textarea labelled `label` (translated unless told), with or
        without the asterisk of a required field or a label suffix (a colon)."""
        label = self.say(label) if translate else label
        name = re.compile(rf"^\s*{re.escape(label)}[\s*:\uff1a]*$")
        return self.page.locator("input, select, textarea").and_(self.page.get_by_label(name))

    def screenshot(self, path) -> None:
        """The whole page, as a reader scrolling down it sees it: the parts of a long page
        that are laid out only near the viewport (`content-visibility: auto`, the list's
        entries and figures) are shown first, or the picture would have gaps."""
        self.page.evaluate(SHOW_WHOLE_PAGE)
        self.page.screenshot(path=path, full_page=True)

    def close(self) -> None:
        self.context.close()


@dataclass(frozen=True)
class Details:
    """What an organisation types into the endorsement form."""

    name: str
    country: str
    email: str
    contact: str
    statement: str
    organisation_type: str = "ngo"


class Organisation(Person):
    def __init__(self, browser, *, site: DeployedSite, details: Details, language: str):
        super().__init__(browser, site=site, name=details.name, language=language)
        self.details, self.language = details, language

    def email(self, mailbox: Mailbox, subject: str):
        """The email with `subject`, in English or in the language this organisation endorsed
        in, once the worker has sent it."""
        subjects = {subject, translated(subject, self.language)}
        return mailbox.wait_for(to=self.details.email, subject=subjects)

    def find_the_form(self) -> None:
        """From the home page (which the browser's language sends to its translation), by the
        link a person sees."""
        self.page.goto("/")
        self.follow("Endorse")
        self.expect_heading("Endorse the declaration")

    def form_field(self, name: str) -> Locator:
        """The field `name` of the endorsement form, found by its label as the page shows it."""
        with translation.override(self.reading):
            label = str(EndorsementForm.base_fields[name].label)
        return self.field(label, translate=False)

    def fill_in_the_form(self) -> None:
        details = self.details
        self.form_field("organisation_name").fill(details.name)
        self.form_field("organisation_type").select_option(details.organisation_type)
        self.form_field("country").select_option(details.country)
        self.form_field("contact_name").fill(details.contact)
        self.form_field("contact_role").fill("Director")
        self.form_field("contact_email").fill(details.email)
        self.form_field("statement").fill(details.statement)
        self.page.get_by_label(re.compile(r"^1\.1 ")).check()
        self.form_field("attestation").check()
        consent = "I agree that the organisation's name and details are listed publicly ({link})."
        self.page.get_by_label(self.say(consent).split("{link}")[0].rstrip(" (")).check()

    def send_the_form(self) -> None:
        self.press("Endorse the declaration")
        self.expect_heading("Check your email")

    def confirm_from_the_email(self, mailbox: Mailbox) -> None:
        sent = self.email(mailbox, "Please confirm your endorsement")
        self.page.goto(sent.link("/endorse/confirm/"))
        self.press("Confirm our endorsement")
        expect(self.page.get_by_role("heading", name=self.say("What happens next"))).to_be_visible()

    def reconfirm_from_the_email(self, mailbox: Mailbox, *, version: int) -> None:
        sent = self.email(mailbox, "A new version of the declaration you endorsed")
        self.page.goto(sent.link("/endorse/reconfirm/"))
        self.press("Endorse version %(number)s", number=version)
        self.expect_heading("Thank you")

    def withdraw_by_email(self, mailbox: Mailbox) -> None:
        """From the link in the approval email: ask for a withdrawal link, then use it."""
        approval = self.email(mailbox, "Your endorsement is now public")
        self.page.goto(approval.link("/endorse/withdraw/"))
        self.field("The contact email you endorsed with").fill(self.details.email)
        self.press("Email me a withdrawal link")
        sent = self.email(mailbox, "Your link to withdraw an endorsement")
        self.page.goto(sent.link("/endorse/withdraw/"))
        self.press("Withdraw our endorsement")
        self.expect_heading("Your endorsement is withdrawn")


class Staff(Person):
    def __init__(self, browser, *, site: DeployedSite, username: str, language: str = "en"):
        super().__init__(browser, site=site, name=username, language=language)
        self.username = username

    def sign_in(self, *, at: str) -> None:
        """Open `at`, be sent to the sign-in form, sign in and come back to `at`."""
        self.page.goto(at)
        expect(self.page).to_have_url(re.compile(r"/accounts/login/\?next="))
        # Django's sign-in form labels the field with the user model's verbose name.
        self.field(capfirst(self.say("username")), translate=False).fill(self.username)
        self.field("Password").fill(PASSWORD)
        self.press("Sign in")
        expect(self.page).to_have_url(re.compile(rf"{re.escape(at)}$"))

    def read_the_audit_log(self, *, about: str = "") -> set[tuple[str, str]]:
        """Open the audit log from the navigation, keep only `about` (a subsystem's label, such
        as "Moderation") if given, and return (who, about what) for each entry listed."""
        self.follow("Audit log")
        if about:
            self.field("What").select_option(label=self.say(about))
            # A GET form, which carries no CSRF token: `press` is for forms that post.
            with self.page.expect_navigation():
                self.button("Filter").click()
        return {
            tuple(" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()[1:3])
            for row in self.page.locator("tbody tr").all()
        }

    def confirm_publication(self, *, kind: str = "A new version", note: str = "") -> None:
        """From an approved draft's page, open the confirmation page, choose `kind` ("A new
        version" or "An editorial correction") with its change note, and publish."""
        self.follow("Publish now…")
        self.page.get_by_role("radio", name=self.say(kind)).check()
        self.field("Change note for readers").fill(note)
        label = re.escape(self.say("Publish version %(number)s")).replace("%\\(number\\)s", r"\d+")
        submit(self.page, self.page.get_by_role("button", name=re.compile(f"^{label}$")))


class Moderator(Staff):
    def open_the_queue(self) -> None:
        self.page.goto("/moderation/")
        self.expect_heading("Endorsements waiting for moderation")

    def choose(self, *names: str) -> None:
        for name in names:
            self.page.get_by_role("checkbox", name=name, exact=True).check()

    def page_of(self, name: str) -> str:
        """The address of the entry's own page, as its link in the queue gives it."""
        entry = self.page.locator(".queue-entry", has_text=name)
        return entry.get_by_role("link", name=self.say("Decide on this one alone")).get_attribute(
            "href"
        )

    def decision(self, decision: str) -> tuple[Page, Locator]:
        """The button of `decision` ("Approve selected", "Mark selected as spam"), to press
        with others."""
        return self.page, self.button(decision)

    def reject_selected(self, *, reason: str) -> None:
        """Reject the chosen entries with one of the standard reasons (its code)."""
        self.page.get_by_text(self.say("Reject selected…"), exact=True).click()
        self.field("Reason for rejection").select_option(reason)
        self.press("Reject selected")

    def revoke(self, *, entry: str, name: str, reason: str) -> None:
        """Take back the approval of `name` on its own page (`entry`), for `reason`."""
        self.page.goto(entry)
        self.field("Why the approval is revoked (kept in the record, not published)").fill(reason)
        self.press("Revoke the approval")
        message = self.say(
            "The approval of %(name)s is revoked; it has left the public list.", name=name
        )
        expect(self.page.get_by_role("status")).to_contain_text(message)

    def moderated(self) -> int:
        """How many entries the message after a decision says were moderated (0 if none)."""
        message = self.page.get_by_role("status").all_inner_texts()
        text = " ".join(message)
        return next(
            (
                count
                for count in range(1, 50)
                if self.say("%(count)d endorsement(s) moderated.", count=count) in text
            ),
            0,
        )

    def told(self) -> str:
        return " ".join(self.page.get_by_role("status").all_inner_texts())


class Editor(Staff):
    def draft_a_change(
        self, *, action_line: str, text: str, note: str, submit: bool = True
    ) -> None:
        """Start a draft, reword an action line and, unless told, submit it for review."""
        self.press("Start a new draft from the current version")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Draft started"))
        self.follow(f"Edit action line {action_line}")
        self.page.get_by_role("textbox", name=self.say("Text")).fill(text)
        self.field("Change note (optional)").fill(note)
        self.press("Save")
        expect(self.page.locator("li", has_text=text)).to_be_visible()
        if not submit:
            return
        self.press("Submit for review")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Submitted for review"))

    def approve_and_publish(self, *, draft: str) -> int:
        """Approve the draft titled `draft` and publish it; returns its version number."""
        self.page.get_by_role("link", name=draft).click()
        self.press("Approve")
        expect(self.page.get_by_role("status")).to_contain_text(self.say("Approved"))
        self.confirm_publication()
        status = self.page.get_by_role("status")
        expect(status).to_contain_text(re.compile(r"Published as version \d+"))
        return int(re.search(r"Published as version (\d+)", status.inner_text()).group(1))


class Reader(Person):
    """Anyone reading the public pages and downloading the open data."""

    def listed(self) -> set[str]:
        self.page.goto("/endorsers/")
        return set(self.page.locator(".endorser h3").all_inner_texts())

    def charted(self) -> dict[str, int]:
        """How many endorsers each chart of the list counts in all."""
        self.page.goto("/endorsers/")
        regions = self.page.locator("#by-region-svg-desc").text_content()
        types = self.page.locator("table[aria-labelledby='by-type-title'] td").all_inner_texts()
        return {
            "by region": sum(int(n) for n in re.findall(r": (\d+)", regions)),
            "by type": sum(int(n) for n in types),
        }

    def headline_count(self) -> int:
        self.page.goto("/")
        return int(self.page.locator(".endorser-count strong").inner_text())

    def count_json(self) -> dict:
        return self.download("/endorsers/count.json").json()

    def csv_names(self) -> set[str]:
        rows = csv.DictReader(io.StringIO(self.download("/endorsers.csv").text()))
        return {row["organisation_name"] for row in rows}

    def json_names(self) -> set[str]:
        endorsers = json.loads(self.download("/endorsers.json").text())["endorsers"]
        return {endorser["organisation_name"] for endorser in endorsers}

    def pdf_lines(self) -> list[str]:
        return text_lines(self.download("/declaration.pdf").body())

    def download(self, path: str):
        """A file as the browser downloads it, with this person's cookies."""
        response = self.context.request.get(path)
        assert response.ok, f"{path} answered {response.status}"
        return response


def a_new_version_rewords(
    editor: Editor,
    reviewer: Staff,
    publisher: Staff,
    *,
    declaration: str,
    action_line: str,
    text: str,
    note: str,
    version: int,
) -> None:
    """The editor rewords `action_line` in a draft, the reviewer approves it and the publisher
    publishes it as `version`: three people, three sign-ins."""
    editor.sign_in(at="/drafting/")
    editor.draft_a_change(action_line=action_line, text=text, note=note)
    reviewer.sign_in(at="/drafting/")
    reviewer.page.get_by_role("link", name=declaration).click()
    reviewer.press("Approve")
    publisher.sign_in(at="/drafting/")
    publisher.page.get_by_role("link", name=declaration).click()
    publisher.confirm_publication()
    expect(publisher.page.get_by_role("status")).to_contain_text(f"Published as version {version}")
