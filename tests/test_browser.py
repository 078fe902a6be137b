"""A reader's journey end to end, in Debian's chromium (fixtures in conftest.py)."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


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
