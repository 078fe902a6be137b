"""The pages reflow on a 320 px wide phone and at 200% zoom (a 1280 px window shows 640 CSS px):
nothing makes the page scroll sideways and nothing sticks out of its box or is cut off, in
English and in Arabic (right to left). In Debian's chromium, with JavaScript off."""

import pytest

pytestmark = pytest.mark.browser

# Each visible element that sticks out of the page's width or cuts off its own content. Only a
# wide table may scroll, inside a region the keyboard can focus.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .honeypot, .skip-link, [role=region][tabindex="0"] *')
        || !el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const scrolls = el.matches('[role=region][tabindex="0"]');
    const cut = getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1;
    if (box.left < -1 || box.right > width + 1 || (cut && !scrolls))
      found.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''}: "${
        el.textContent.trim().slice(0, 30)}" ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return found;
}"""
SCREENS = {
    "320 px": {"viewport": {"width": 320, "height": 640}},
    "200% zoom": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}


@pytest.fixture
def site(live_server, transactional_db, publish, staff):
    """A published version with signatories, and a draft started from it by an editor."""
    from django.utils import timezone

    from endorsements.models import Endorsement
    from principles.drafting.services import start_draft
    from principles.models import ActionLine, Declaration

    version = publish(principles=3, action_lines=3)
    for name, country in [("Escuelas Conectadas", "PE"), ("جمعية التعليم للجميع", "EG")]:
        endorsement = Endorsement(
            organisation_type="ngo",
            version=version,
            content_hash=version.content_hash,
            status="approved",
            confirmed_at=timezone.now(),
            approved_at=timezone.now(),
            statement="We will connect every school in the valley to the internet by 2030.",
        )
        endorsement.set_organisation(name=name, country=country)
        endorsement.save()
    editor = staff("editor-with-a-long-name", "Editor", "Reviewer")
    draft = start_draft(declaration=Declaration.objects.get(), by=editor)
    line = ActionLine.objects.filter(principle__version=draft).first()
    return editor, [
        "/",
        "/about/",
        "/endorse/",
        "/endorse/privacy/",
        "/endorsers/",
        f"/drafting/{draft.pk}/",
        f"/drafting/{draft.pk}/action-lines/{line.pk}/",
        f"/drafting/{draft.pk}/history/",
        f"/drafting/{draft.pk}/principles/order/",
        "/accounts/password_change/",
        "/drafting/tasks/",
    ]


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["", "/ar"])
def test_pages_reflow_without_sideways_scrolling_or_cut_off_content(
    browser, live_server, site, sign_in_browser, screen, language
):
    editor, paths = site
    context = browser.new_context(java_script_enabled=False, **SCREENS[screen])
    sign_in_browser(context, editor)
    page = context.new_page()
    problems = {}
    for path in paths:
        page.goto(f"{live_server.url}{language}{path}")
        scroll_width, width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        sticking_out = page.evaluate(OVERFLOWING)
        if scroll_width > width or sticking_out:
            problems[path] = {"scrolls to": scroll_width, "of": width, "sticking out": sticking_out}
    context.close()

    assert problems == {}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_moderation_pages_reflow_on_small_screens(
    browser, live_server, site, sign_in_browser, staff, screen, language
):
    from endorsements.models import Endorsement

    waiting = Endorsement.objects.order_by("pk").first()
    Endorsement.objects.filter(pk=waiting.pk).update(
        status="confirmed",
        website="https://www.a-very-long-organisation-domain-name.example.org/about/who-we-are",
        contact_email="director-general@a-very-long-organisation-domain-name.example.org",
    )
    approved = Endorsement.objects.order_by("pk").last()
    context = browser.new_context(java_script_enabled=False, **SCREENS[screen])
    sign_in_browser(context, staff("moderator-with-a-long-name", "Moderator"))
    page = context.new_page()
    problems = {}
    for path in ["/moderation/", f"/moderation/{waiting.pk}/", f"/moderation/{approved.pk}/"]:
        page.goto(f"{live_server.url}{language}{path}")
        sticking_out = page.evaluate(OVERFLOWING)
        if sticking_out:
            problems[path] = sticking_out
    context.close()
    assert problems == {}


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_reorder_page_gives_the_text_the_line_and_the_number_a_small_box(
    browser, live_server, site, sign_in_browser, width, language
):
    editor, paths = site
    reorder_path = next(path for path in paths if path.endswith("/order/"))
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 800}
    )
    sign_in_browser(context, editor)
    page = context.new_page()
    page.goto(f"{live_server.url}{language}{reorder_path}")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.reorder-form .field-number')].map(field => [
            field.querySelector('input').getBoundingClientRect().width,
            field.querySelector('label').getBoundingClientRect().width,
            field.getBoundingClientRect().width])"""
    )
    context.close()

    assert len(boxes) == 3
    for number, text, line in boxes:
        assert number < 90, "a box for a position of a few digits"
        assert text > line * 0.6, "the item's text takes the rest of the line"
