"""An editor's journey from sign-in to a published version, in Debian's chromium with JavaScript
off (fixtures in tests/conftest.py)."""

from importlib import import_module
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NEW_TEXT = "Connect every school and every library to fast, affordable internet by 2030."


def recreate_roles() -> None:
    """Transactional tests empty every table after they run, so the role groups that a
    migration made may be gone: make them again with that migration's own code."""
    from django.apps import apps

    import_module("principles.migrations.0003_create_roles").create_roles(apps, None)


def make_user(username: str, *roles: str) -> None:
    user = User.objects.create_user(username, password="a-long-password-1")
    user.groups.set(Group.objects.filter(name__in=roles))


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/drafting/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Drafts")


def test_an_edit_is_drafted_reviewed_published_and_compared(live_server, transactional_db, page):
    recreate_roles()
    call_command("load_declaration", stdout=StringIO())
    make_user("ed", "Editor")
    make_user("rita", "Reviewer", "Publisher")

    sign_in(page, live_server.url, "ed")
    page.get_by_role("button", name="Start a new draft from the current version").click()
    expect(page.get_by_role("status")).to_contain_text("Draft started")
    page.get_by_role("link", name="Edit action line 1.1").click()
    page.get_by_role("textbox", name="Text").fill(NEW_TEXT)
    page.get_by_label("Change note (optional)").fill("Name libraries too")
    page.screenshot(path="/tmp/drafting-edit.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("li", has_text=NEW_TEXT)).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted for review")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "rita")
    page.get_by_role("link", name="Global Declaration on Connectivity for Education").click()
    page.screenshot(path="/tmp/drafting-review.png", full_page=True)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    page.get_by_role("link", name="Publish now…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish as version 2?")
    page.get_by_role("radio", name="A new version").check()
    page.get_by_label("Change note for readers").fill("Libraries are named too.")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_role("status")).to_contain_text("Published as version 2")

    page.goto(live_server.url + "/")
    expect(page.locator("#principle-1-action-1")).to_contain_text(NEW_TEXT)
    page.get_by_role("link", name="What changed since version 1").click()
    expect(page).to_have_url(live_server.url + "/versions/1/compare/2/")
    changed = page.locator("li.diff-changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Reworded")
    expect(changed.locator("ins", has_text="library")).to_have_count(1)
    page.screenshot(path="/tmp/drafting-compare.png", full_page=True)
