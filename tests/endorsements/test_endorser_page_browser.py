"""An endorser's page in Debian's chromium: reached from the list, its badge snippet followed back,
and checked by axe (fixtures in tests/conftest.py and tests/test_accessibility.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests.test_accessibility import checked_page, violations  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def listed(transactional_db, publish):
    """An approved endorser of version 1 of 3 principles, committed to two action lines."""
    from django.utils import timezone

    from endorsements.models import Endorsement
    from principles.models import ActionLine

    version = publish(principles=3, action_lines=2)
    endorsement = Endorsement(
        organisation_type="ngo",
        version=version,
        content_hash=version.content_hash,
        status="approved",
        confirmed_at=timezone.now(),
        approved_at=timezone.now(),
        website="https://escuelas.example.pe",
        statement="We will connect 50 Andean schools.",
    )
    endorsement.set_organisation(name="Escuelas Conectadas", country="PE")
    endorsement.save()
    endorsement.action_lines.set(ActionLine.objects.in_version(version)[:2])
    return endorsement


def test_a_visitor_goes_from_the_list_to_a_page_and_the_badge_links_back_to_it(
    live_server, listed, page, settings
):
    settings.SITE_URL = live_server.url
    page.goto(live_server.url + "/endorsers/")

    page.get_by_role("link", name="Escuelas Conectadas").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Escuelas Conectadas")
    expect(page).to_have_url(f"{live_server.url}/endorsers/{listed.public_id}/")
    expect(page.get_by_role("link", name="https://escuelas.example.pe")).to_have_attribute(
        "rel", "nofollow ugc"
    )
    badge = page.get_by_role("img", name=re.compile("^Escuelas Conectadas endorses"))
    expect(badge).to_be_visible()
    # Drawn, once it has loaded (visible comes first: the box is reserved by width and height).
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=badge.element_handle(), timeout=5000
    )
    snippet = page.get_by_label("HTML for your website").input_value()

    # Whoever sees the badge on the organisation's site follows its link.
    page.set_content(snippet)
    page.get_by_role("link", name=re.compile("^Escuelas Conectadas endorses")).click()

    expect(page).to_have_url(f"{live_server.url}/endorsers/{listed.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Escuelas Conectadas")


@pytest.mark.parametrize("language", ["", "/ar"])
def test_an_endorser_page_meets_wcag_aa(live_server, listed, checked_page, language):  # noqa: F811
    checked_page.goto(f"{live_server.url}{language}/endorsers/{listed.public_id}/")

    assert violations(checked_page) == []


@pytest.mark.parametrize("width", [320, 1280])
def test_an_endorser_page_fits_the_screen(live_server, listed, browser, width):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 800}
    )
    for language in ["", "/ar"]:
        page = context.new_page()
        page.goto(f"{live_server.url}{language}/endorsers/{listed.public_id}/")

        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
