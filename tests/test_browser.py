"""End to end, in Debian's chromium driven by Playwright (which cannot download its own browser
here). `make test` installs chromium when it is missing."""

import shutil
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


def test_a_reader_sees_the_principles_and_follows_an_anchor(live_server, transactional_db, page):
    call_command("load_declaration", stdout=StringIO())

    page.goto(live_server.url + "/")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Global Declaration on Connectivity for Education"
    )
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(6, 61, 97)")
    principles = page.locator("section.principle h2")
    expect(principles).to_have_count(3)
    expect(principles.first).to_be_visible()
    page.get_by_role(
        "link", name="Expand investments in free and high-quality digital education content"
    ).click()
    expect(page).to_have_url(live_server.url + "/#principle-2")
    expect(page.locator("#principle-2")).to_be_in_viewport()
    expect(page.locator("#principle-2-action-3")).to_contain_text("low bandwidth")
