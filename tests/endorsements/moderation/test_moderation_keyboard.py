"""A Moderator works the queue with the keyboard alone, in chromium with JavaScript on: J moves to
the next entry and Space selects it, two keystrokes an entry; A moves to "Approve selected"."""

import pytest
from playwright.sync_api import expect

from endorsements.models import Endorsement

pytestmark = pytest.mark.browser


@pytest.fixture
def version(transactional_db, publish):
    return publish(principles=2, action_lines=2)


def test_a_moderator_approves_with_two_keystrokes_an_entry(
    live_server, version, browser, staff, make_endorsement, sign_in_browser
):
    first, second, third = (
        make_endorsement(name=name, status="confirmed")
        for name in ("Alpha Schools", "Beta Learning", "Gamma Connect")
    )
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    sign_in_browser(context, staff("mo", "Moderator"))
    page.goto(live_server.url + "/moderation/")
    expect(page.locator(".keyboard-help")).to_be_visible()

    for key in ["j", "Space", "j", "j", "Space"]:
        page.keyboard.press(key)
    expect(page.get_by_role("checkbox", name="Gamma Connect")).to_be_focused()
    page.keyboard.press("a")
    expect(page.get_by_role("button", name="Approve selected")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".notice[role=status]")).to_contain_text("2 endorsement(s) moderated.")
    statuses = [Endorsement.objects.get(pk=e.pk).status for e in (first, second, third)]
    assert statuses == ["approved", "confirmed", "approved"]

    # The one left: select everything on the page with one box, and mark it as spam.
    page.get_by_role("checkbox", name="Select all on this page").check()
    expect(page.get_by_role("checkbox", name="Beta Learning")).to_be_checked()
    page.keyboard.press("s")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    context.close()
