"""axe-core (from npm) checks every public page, the endorsement form with its errors and the
drafting workspace against WCAG 2.2 AA, in English and in Arabic, in Debian's chromium."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(
    v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`
  );
}"""
PUBLIC_PATHS = [
    "/",
    "/versions/",
    "/versions/2/",
    "/versions/1/compare/2/",
    "/endorse/",
    "/endorse/privacy/",
    "/about/",
    "/endorse/new-link/",
    "/endorse/withdraw/",
    "/endorsers/",
    "/verify/",
    "/accounts/login/",
    "/no-such-page/",
]


@pytest.fixture
def checked_page(browser):
    """A page with JavaScript on and the site's CSP bypassed, so that axe can be injected; the
    site itself needs neither."""
    assert AXE.exists(), "axe-core is missing: run `make test`, which installs it with npm ci"
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()


def test_the_check_finds_a_violation_when_there_is_one(
    live_server, site_with_content, checked_page
):
    checked_page.goto(live_server.url + "/")
    checked_page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    checked_page.evaluate("document.querySelector('.site-header').style.background = '#ccc'")

    found = " ".join(violations(checked_page))

    assert "image-alt" in found
    assert "color-contrast" in found


def follow(page, link_or_button) -> None:
    """Click, and wait for the page it leads to: axe runs on that page, not on one half loaded."""
    with page.expect_navigation():
        link_or_button.click()


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, WCAG_AA)


@pytest.fixture
def site_with_content(transactional_db, publish):
    from django.utils import timezone

    from endorsements.models import Endorsement

    publish(principles=3, action_lines=2)
    version = publish(principles=3, action_lines=3)
    for name, country in [("Escuelas Conectadas", "PE"), ("جمعية التعليم للجميع", "EG")]:
        endorsement = Endorsement(
            organisation_type="ngo",
            version=version,
            content_hash=version.content_hash,
            status="approved",
            confirmed_at=timezone.now(),
            approved_at=timezone.now(),
            statement="We will connect schools.",
        )
        endorsement.set_organisation(name=name, country=country)
        endorsement.save()


@pytest.mark.parametrize("language", ["", "/ar"])
def test_every_public_page_meets_wcag_aa(live_server, site_with_content, checked_page, language):
    found = {}
    for path in PUBLIC_PATHS:
        checked_page.goto(f"{live_server.url}{language}{path}")
        if problems := violations(checked_page):
            found[path] = problems

    assert found == {}


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_endorsement_form_with_errors_meets_wcag_aa(
    live_server, site_with_content, checked_page, language
):
    checked_page.goto(f"{live_server.url}{language}/endorse/")
    follow(
        checked_page, checked_page.locator("form button[type=submit], form input[type=submit]").last
    )

    assert checked_page.locator(".invalid-feedback, .errorlist, [aria-invalid=true]").count() > 0
    assert violations(checked_page) == []


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_reconfirm_page_with_its_comparison_and_commitments_meets_wcag_aa(
    live_server, site_with_content, checked_page, language
):
    from django.urls import reverse
    from django.utils import timezone

    from endorsements.models import Endorsement
    from principles.models import Version

    first, second = Version.objects.published().order_by("number")
    endorsement = Endorsement(
        organisation_type="ngo",
        version=first,
        content_hash=first.content_hash,
        status="approved",
        approved_at=timezone.now(),
    )
    endorsement.set_organisation(name="Open Schools Kenya", country="KE")
    endorsement.save()
    token = endorsement.link_token("reconfirm", v=second.pk)

    checked_page.goto(
        f"{live_server.url}{language}{reverse('endorsements:reconfirm', args=[token])}"
    )

    assert checked_page.locator("#reconfirm-form input[type=checkbox]").count() == 9
    assert violations(checked_page) == []


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_drafting_workspace_meets_wcag_aa(
    live_server, site_with_content, checked_page, language, staff
):
    """In Arabic, the draft's English text is marked as such on every page (lang, dir)."""
    checked_page.goto(f"{live_server.url}{language}/accounts/login/")
    staff("ed", "Editor", "Reviewer")
    checked_page.locator("input[name=username]").fill("ed")
    checked_page.locator("input[name=password]").fill("a-long-password-1")
    follow(checked_page, checked_page.locator("form button[type=submit]"))
    found = {"my tasks": violations(checked_page)}
    checked_page.goto(f"{live_server.url}{language}/drafting/")
    follow(checked_page, checked_page.locator("form[action$='/start/'] button"))
    found["workspace"] = violations(checked_page)
    workspace = checked_page.url
    follow(checked_page, checked_page.locator("a[href*='/action-lines/']").first)
    found["edit page"] = violations(checked_page)
    edit_page = checked_page.url
    for page in ["history/", "principles/order/", "send-back/"]:
        checked_page.goto(workspace + page)
        found[page] = violations(checked_page)
    # A save into the draft after it was published meanwhile: refused, the typed text kept.
    checked_page.goto(edit_page)
    checked_page.locator("textarea[name=text]").fill("Typed while it was being published.")
    publish_the_draft_in_progress(staff)
    follow(checked_page, checked_page.locator("form.stacked-form button[type=submit]"))
    assert checked_page.locator("[role=alert] form[action$='/drafting/start/']").count() == 1
    found["refused save"] = violations(checked_page)

    assert {page: problems for page, problems in found.items() if problems} == {}


def publish_the_draft_in_progress(staff) -> None:
    from principles.drafting import review
    from principles.models import Version

    draft = Version.objects.in_progress().get()
    review.submit(reviewed=draft, by=staff("olga", "Editor"))
    review.approve(reviewed=draft, by=staff("rita", "Reviewer"))
    review.publish(reviewed=draft, by=staff("pat", "Publisher"))


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_translation_workspace_meets_wcag_aa(
    live_server, site_with_content, checked_page, language, django_user_model
):
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    import_module("principles.migrations.0003_create_roles").create_roles(apps, None)
    editor = django_user_model.objects.create_user("ed", password="a-long-password-1")
    editor.groups.set(Group.objects.filter(name="Editor"))
    checked_page.goto(f"{live_server.url}{language}/accounts/login/")
    checked_page.locator("input[name=username]").fill("ed")
    checked_page.locator("input[name=password]").fill("a-long-password-1")
    follow(checked_page, checked_page.locator("form button[type=submit]"))
    checked_page.goto(f"{live_server.url}{language}/drafting/translations/")
    found = {"translations": violations(checked_page)}
    # Start the Arabic translation: its text is typed right to left beside the English.
    follow(checked_page, checked_page.locator("form:has(input[value=ar]) button").first)
    found["translation"] = violations(checked_page)
    follow(checked_page, checked_page.locator("a[href*='/items/']").nth(1))
    found["item"] = violations(checked_page)

    assert found == {"translations": [], "translation": [], "item": []}


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_moderation_pages_meet_wcag_aa(
    live_server, site_with_content, checked_page, language, staff, sign_in_browser
):
    """The queue with a flagged entry waiting, an approved entry's page with its revocation
    form, the page of one whose approval was revoked, and a refused page."""
    from endorsements.models import Endorsement
    from endorsements.services import revoke_approval

    moderator = staff("mo", "Moderator")
    approved, other = Endorsement.objects.order_by("pk")
    Endorsement.objects.filter(pk=other.pk).update(status="confirmed")
    sign_in_browser(checked_page.context, moderator)
    found = {}
    for name, path in [
        ("queue", "/moderation/"),
        ("unflagged", "/moderation/?flags=none"),
        ("approved", f"/moderation/{approved.pk}/"),
        ("refused", "/drafting/"),
    ]:
        checked_page.goto(f"{live_server.url}{language}{path}")
        found[name] = violations(checked_page)
    revoke_approval(endorsement=approved, moderator=moderator, reason="Not an organisation.")
    checked_page.goto(f"{live_server.url}{language}/moderation/{approved.pk}/")
    found["revoked"] = violations(checked_page)

    assert {page: problems for page, problems in found.items() if problems} == {}


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_pages_of_a_drafts_lifecycle_meet_wcag_aa(
    live_server, site_with_content, checked_page, language, staff
):
    """The publication's confirmation, and a stale draft's page, rebase page (a conflict side
    by side) and discard page."""
    from principles.drafting import review
    from principles.drafting.services import save_item_text, start_draft
    from principles.models import Declaration

    ed, eve = staff("ed", "Editor", "Publisher"), staff("eve", "Editor")

    def reword(draft, by, text):
        line = draft.principles.first().action_lines.first()
        base = review.latest_revision_id(of=draft, item_key=str(line.key))
        save_item_text(item=line, by=by, values={"text": text}, base_revision=base)

    stale = start_draft(declaration=Declaration.objects.get(), by=ed)
    reword(stale, ed, "Ed's words.")
    newer = start_draft(declaration=Declaration.objects.get(), by=eve)
    reword(newer, eve, "Eve's words.")
    review.submit(reviewed=newer, by=eve)
    review.approve(reviewed=newer, by=staff("rita", "Reviewer"))
    checked_page.goto(f"{live_server.url}{language}/accounts/login/")
    checked_page.locator("input[name=username]").fill("ed")
    checked_page.locator("input[name=password]").fill("a-long-password-1")
    follow(checked_page, checked_page.locator("form button[type=submit]"))
    checked_page.goto(f"{live_server.url}{language}/drafting/{newer.pk}/publish/")
    assert checked_page.locator(".publish-choice").count() == 2
    found = {"publish": violations(checked_page)}
    review.publish(reviewed=newer, by=ed)
    for page in ["", "rebase/", "discard/"]:
        checked_page.goto(f"{live_server.url}{language}/drafting/{stale.pk}/{page}")
        found[page or "stale draft"] = violations(checked_page)
        if page == "rebase/":
            assert checked_page.locator(".rebase-conflict").count() == 1

    assert {page: problems for page, problems in found.items() if problems} == {}
