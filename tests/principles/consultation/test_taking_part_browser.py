"""A participant on a 320 px phone, JavaScript off: comments on an action line, confirms by the
emailed link's button and is told what happens next."""

import re

import pytest
from django.core import mail

from principles.models import Contribution
from tests.test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, transactional_db, consultation, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = live_server.url
    return live_server.url


def test_a_participant_comments_and_confirms_on_a_small_phone(page, site, consultation):
    page.set_viewport_size({"width": 320, "height": 640})
    line = consultation.text["principles"][0]["action_lines"][1]["key"]
    page.goto(f"{site}/consultation/{consultation.slug}/take-part/?item={line}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.locator("#id_body").fill("Public libraries should be connected too.")
    page.locator("#id_name").fill("Amina Diallo")
    page.locator("#id_organisation_name").fill("Schools Online Network")
    page.locator("#id_organisation_type").select_option("ngo")
    page.locator("#id_country").select_option("SN")
    page.locator("#id_email").fill("amina@schools-online.example")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send").click()

    assert page.get_by_role("heading", name="Check your email").is_visible()
    confirm = re.search(r"(http\S+/consultation/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(confirm)
    assert Contribution.objects.get().status == Contribution.Status.UNCONFIRMED
    page.get_by_role("button", name="Confirm my contribution").click()

    assert page.get_by_role("heading", name="your contribution is confirmed").is_visible()
    assert Contribution.objects.get().status == Contribution.Status.CONFIRMED


@pytest.fixture
def checked_page(browser):
    """As tests/test_accessibility.py's: JavaScript on and the CSP bypassed, for axe."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_form_with_its_errors_meets_wcag_aa(site, consultation, checked_page, language):
    line = consultation.text["principles"][0]["action_lines"][1]["key"]
    url = f"{site}{language}/consultation/{consultation.slug}/take-part/?item={line}"
    checked_page.goto(url + "&kind=amendment")
    assert violations(checked_page) == []

    checked_page.locator("form input[type=submit]").last.click()
    checked_page.wait_for_load_state()

    assert checked_page.locator(".invalid-feedback, .errorlist").count() > 0
    assert violations(checked_page) == []
