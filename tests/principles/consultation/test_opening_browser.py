"""A publisher's journey in a browser, in English and in Arabic: from the draft's page to an
open consultation and its invitations, each page (its refusals too) checked against WCAG 2.2
AA with axe-core."""

import pytest

from tests.test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def checked(browser):
    """A page where axe can be injected, as `tests/test_accessibility.py` checks pages."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()


@pytest.fixture
def publisher_in_browser(live_server, staff, publish):
    from django.contrib.auth.models import Permission

    from principles.drafting.services import start_draft
    from principles.models import Declaration

    version = publish(principles=2, action_lines=2)
    user = staff("pat", "Publisher", "Editor")
    user.user_permissions.add(Permission.objects.get(codename="open_consultation"))
    return start_draft(declaration=Declaration.objects.get(pk=version.declaration_id), by=user)


def sign_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill("pat")
    page.locator("input[name=password]").fill("a-long-password-1")
    page.locator("form button[type=submit]").click()


@pytest.mark.parametrize("language", ["", "/ar"])
def test_a_publisher_opens_a_consultation_and_invites_organisations_in_a_browser(
    live_server,
    publisher_in_browser,
    checked,
    language,
):
    from principles.models import Consultation, Invitation

    base = live_server.url + language
    sign_in(checked, base)
    checked.goto(f"{base}/drafting/{publisher_in_browser.pk}/")
    checked.locator(".draft-consultations a.button").click()
    found = {"form": violations(checked)}

    checked.locator("input[name=slug]").fill("round-one")
    checked.locator("input[name=closes_at]").fill("2020-01-01T10:00")
    checked.locator("form.consultation-form button[type=submit]").click()
    assert checked.locator(".error-summary").count() == 1
    assert checked.locator("input[name=slug]").input_value() == "round-one"
    found["refused"] = violations(checked)

    checked.locator("input[name=closes_at]").fill("2099-01-01T10:00")
    checked.locator("form.consultation-form button[type=submit]").click()
    assert checked.url.endswith("/consultation/manage/round-one/")
    found["manage"] = violations(checked)

    checked.goto(f"{base}/consultation/manage/round-one/invite/")
    checked.locator("textarea[name=invitees]").fill("Org, not-an-email")
    checked.locator("form.invite-form button[type=submit]").click()
    found["invite refused"] = violations(checked)
    checked.locator("textarea[name=invitees]").fill("Org, org@example.org")
    checked.locator("form.invite-form button[type=submit]").click()
    checked.goto(f"{base}/consultation/manage/")
    found["list"] = violations(checked)

    assert {page: problems for page, problems in found.items() if problems} == {}
    assert Consultation.objects.get().is_open
    assert Invitation.objects.get().email == "org@example.org"
