"""A reader cites an action line and prints the declaration, in Debian's chromium."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from principles.models import Version
from tests.principles.pdf.pdf_reading import text_lines

pytestmark = pytest.mark.browser


def test_a_reader_follows_a_number_to_its_permanent_place_and_copies_the_citation(
    live_server, transactional_db, page
):
    call_command("load_declaration", stdout=StringIO())
    page.goto(live_server.url + "/")

    page.get_by_text("Cite this", exact=True).click()
    citation = page.get_by_label("Citation, ready to copy")
    expect(citation).to_be_visible()
    expect(citation).to_have_value(re.compile(r"version 1, published .+/versions/1/ \(SHA-256: "))
    page.get_by_role("link", name="Permanent link to action line 2.3 of version 1").click()

    expect(page).to_have_url(live_server.url + "/versions/1/#principle-2-action-3")
    expect(page.locator("#principle-2-action-3")).to_be_in_viewport()
    expect(page.locator("#principle-2-action-3")).to_contain_text("low bandwidth")


def test_the_printed_declaration_carries_its_permalink_and_date_and_no_screen_controls(
    live_server, transactional_db, page, settings
):
    call_command("load_declaration", stdout=StringIO())
    version = Version.objects.get(number=1)
    page.goto(live_server.url + "/")

    pdf = page.pdf(format="A4")

    text = "\n".join(text_lines(pdf))
    published = f"{version.published_at.day} {version.published_at:%B %Y}"
    assert text.index(f"Version 1, published {published}:") < text.index("Global Declaration")
    assert f"{settings.SITE_URL}/versions/1/" in text
    assert "Cite this" not in text
    assert "Skip to the main content" not in text
