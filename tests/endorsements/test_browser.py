"""The whole endorsement journey in Debian's chromium (fixtures in tests/conftest.py)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def emails_in(folder) -> list[str]:
    return [path.read_text() for path in sorted(folder.glob("*.log"))]


def test_an_organisation_endorses_confirms_is_approved_and_is_listed(
    live_server, transactional_db, page, browser, moderator, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = live_server.url
    call_command("load_declaration", stdout=StringIO())

    page.goto(live_server.url + "/endorse/")

    def field(label: str):
        # A label is the field's name, plus an asterisk when it is required; matching it whole
        # keeps "Country" from matching an action line that mentions a country.
        return page.locator("input, select, textarea").and_(
            page.get_by_label(re.compile(rf"^\s*{label}\s*\*?\s*$"))
        )

    field("Organisation name").fill("Escuelas Conectadas Perú")
    field("Organisation type").select_option(label="NGO or civil society")
    field("Country").select_option(label="Peru")
    field("Website").fill("https://escuelas.example.pe")
    field("Contact person's name").fill("Rosa Quispe")
    field("Contact person's role").fill("Coordinator")
    field("Contact person's email").fill("rosa@escuelas.example.pe")
    field("Statement of commitment").fill("We will connect 50 Andean schools.")
    page.get_by_label(re.compile(r"^1\.1 ")).check()
    page.get_by_label(re.compile("I am authorised")).check()
    page.get_by_label(re.compile("I agree that")).check()
    page.get_by_role("button", name="Endorse the declaration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    (confirmation,) = emails_in(tmp_path)
    link = re.search(rf"{re.escape(live_server.url)}/endorse/confirm/\S+/", confirmation).group()
    page.goto(link)
    page.get_by_role("button", name="Confirm our endorsement").click()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()

    moderation = browser.new_context(java_script_enabled=False).new_page()
    moderation.goto(live_server.url + "/moderation/")
    expect(moderation).to_have_url(re.compile(r"/accounts/login/\?next=/moderation/$"))
    moderation.get_by_label("Username").fill("moderator")
    moderation.get_by_label("Password").fill("correct horse 42")
    moderation.get_by_role("button", name="Sign in").click()
    moderation.get_by_role("checkbox", name="Escuelas Conectadas Perú").check()
    moderation.get_by_role("button", name="Approve selected").click()
    expect(moderation.get_by_role("status")).to_contain_text("1 endorsement(s) moderated")
    moderation.context.close()
    assert "now appears on the public list" in emails_in(tmp_path)[-1]

    page.goto(live_server.url + "/endorsers/")
    endorser = page.locator(".endorser", has_text="Escuelas Conectadas Perú")
    expect(endorser).to_contain_text("NGO or civil society · Peru")
    expect(endorser).to_contain_text("We will connect 50 Andean schools.")
    expect(endorser).not_to_contain_text("Rosa")
    page.goto(live_server.url + "/")
    expect(page.locator(".endorser-count")).to_contain_text("1 organisation has endorsed")
    page.locator(".endorser-count").get_by_role("link", name="See the endorsers").click()
    expect(page).to_have_url(live_server.url + "/endorsers/")
