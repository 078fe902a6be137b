"""A year of the declaration, accounts: an editor who forgot her password gets back in through
the emailed link, in French, on the site as deployed (the email goes through the task worker),
then changes it again from the drafting bar; and she orders the principles on her phone."""

import json
import re

import pytest
from django.utils.text import capfirst
from playwright.sync_api import expect

from bench.site_processes import manage

from .deployed import DeployedSite
from .mailbox import Mailbox
from .people import Staff, translated

pytestmark = [pytest.mark.journeys, pytest.mark.browser]

FORGOTTEN = "a-password-she-forgot-9"
FROM_THE_EMAIL = "Lune-de-septembre-42"
CHANGED_AGAIN = "Fleuve-tranquille-87"

# Run by `manage.py shell` in the site's environment, as an operator adds a member of staff
# whose account has an email address and a full name.
ADD_EDITOR = """
import json, os
from django.contrib.auth.models import Group, User

details = json.loads(os.environ["EDITOR"])
user = User.objects.create_user(**details)
user.groups.set(Group.objects.filter(name="Editor"))
"""


class ForgetfulEditor(Staff):
    """An editor who reads the site in French and has forgotten her password."""

    email = "edith@example.org"

    def ask_for_a_reset(self, *, email: str) -> None:
        self.page.goto("/fr/accounts/login/")
        self.follow("Forgot your password?")
        self.expect_heading("Reset your password")
        self.field("Email").fill(email)
        self.press("Email me a reset link")
        self.expect_heading("Check your email")

    def reset_from_the_email(self, mailbox: Mailbox, *, password: str) -> str:
        """Open the link in the reset email, choose `password`; the link, for later."""
        subjects = {"Reset your password", translated("Reset your password", "fr")}
        sent = mailbox.wait_for(to=self.email, subject=subjects)
        assert sent.subject == translated("Reset your password", "fr")
        assert "Bonjour \u2068Edith Ndlovu\u2069," in sent.body
        link = sent.link("/accounts/reset/")
        assert link.startswith(f"{self.site.url}/fr/accounts/reset/")
        self.page.goto(link)
        self.expect_heading("Choose a new password")
        self.field("New password").fill(password)
        self.field("New password confirmation").fill(password)
        self.press("Save the new password")
        self.expect_heading("Your new password is saved")
        return link

    def sign_in_with(self, password: str) -> None:
        self.page.goto("/fr/accounts/login/")
        # Django's sign-in form labels the field with the user model's verbose name.
        self.field(capfirst(self.say("username")), translate=False).fill(self.username)
        self.field("Password").fill(password)
        self.press("Sign in")

    def change_password(self, *, old: str, new: str) -> None:
        self.follow("Change password")
        self.expect_heading("Change your password")
        self.field("Old password").fill(old)
        self.field("New password").fill(new)
        self.field("New password confirmation").fill(new)
        self.press("Change the password")
        self.expect_heading("Your password is changed")

    def sign_out(self) -> None:
        self.page.goto("/fr/drafting/")
        self.button("Sign out").click()


def add_editor(site: DeployedSite) -> None:
    details = {
        "username": "edith",
        "email": ForgetfulEditor.email,
        "password": FORGOTTEN,
        "first_name": "Edith",
        "last_name": "Ndlovu",
    }
    manage(
        *("shell", "-v0", "--command", ADD_EDITOR),
        env={**site.env, "EDITOR": json.dumps(details)},
    )


def test_year_accounts(site, cast, mailbox, story):
    with story.step("an operator adds an editor with her email address"):
        add_editor(site)
    edith = cast(ForgetfulEditor, username="edith", language="fr")
    stranger = cast(ForgetfulEditor, username="nobody", language="fr")

    with story.step("a stranger asks for a reset for an address without an account", stranger):
        stranger.ask_for_a_reset(email="nobody@example.org")
    with story.step("the editor who forgot her password asks for a reset", edith):
        edith.ask_for_a_reset(email="Edith@Example.org")
    with story.step("she opens the link in the French email and sets a new password", edith):
        link = edith.reset_from_the_email(mailbox, password=FROM_THE_EMAIL)
    with story.step("the link works only once", edith):
        edith.page.goto(link)
        edith.expect_heading("This link no longer works")
    with story.step("she signs in with the new password; the old one is refused", edith):
        edith.sign_in_with(FORGOTTEN)
        expect(edith.page.get_by_role("alert")).to_be_visible()
        edith.sign_in_with(FROM_THE_EMAIL)
        expect(edith.page).to_have_url(re.compile(r"/fr/drafting/tasks/$"))  # My tasks
    with story.step("she changes her password again from the drafting bar", edith):
        edith.change_password(old=FROM_THE_EMAIL, new=CHANGED_AGAIN)
    with story.step("she signs out and back in with the changed password", edith):
        edith.sign_out()
        edith.sign_in_with(CHANGED_AGAIN)
        expect(edith.page).to_have_url(re.compile(r"/fr/drafting/tasks/$"))  # My tasks
    with story.step("only she got an email", edith):
        assert [sent.to for sent in mailbox.emails()] == [ForgetfulEditor.email]

    with story.step("on her phone, she orders the principles of a new draft", edith):
        edith.page.set_viewport_size({"width": 320, "height": 700})
        edith.follow("Drafts")
        edith.press("Start a new draft from the current version")
        edith.follow("Change the order")
        edith.expect_heading("Order the principles")
        boxes = edith.page.locator(".reorder-form .field-number")
        expect(boxes).to_have_count(3)
        for box in boxes.all():
            number = box.locator("input").bounding_box()
            text = box.locator("label").bounding_box()
            assert number["width"] < 90
            assert text["width"] > 150
        width = edith.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320
