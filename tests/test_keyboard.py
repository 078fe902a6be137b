"""Everything works with the keyboard alone, in Debian's chromium with JavaScript off: Tab reaches
every control in the order of the page, starting with the skip link; the focused control shows a
ring that stands out (3:1) from what surrounds it; forms are filled in and sent with Tab, Space,
letters and Enter; after a failed submission the errors take focus and each is tied to its field."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Every control that could take focus, in the order of the page.
TAB_STOPS = """() => {
  const all = [...document.querySelectorAll('*')];
  return all.filter(el => el.matches(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')
    && el.tabIndex >= 0 && !el.disabled
    && el.checkVisibility({visibilityProperty: true})
  ).map(el => all.indexOf(el));
}"""
# The focused element: where it is in the page, what it is, and how its focus ring looks.
FOCUSED = """() => {
  const el = document.activeElement;
  const parse = colour => (colour.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = node => {
    for (; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const style = getComputedStyle(el);
  // A ring drawn outside the element lies on its parent's background, one drawn inside on its own.
  const beside = parseFloat(style.outlineOffset) < 0 ? el : el.parentElement;
  const [ring, around] = [luminance(parse(style.outlineColor)), luminance(background(beside))];
  const box = el.getBoundingClientRect();
  return {
    index: [...document.querySelectorAll('*')].indexOf(el),
    name: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${
      (el.innerText || el.value || el.name || '').trim().slice(0, 40)}"`,
    skipLink: el.matches('a.skip-link[href="#main"]'),
    ring: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
    shadow: style.boxShadow,
    contrast: (Math.max(ring, around) + 0.05) / (Math.min(ring, around) + 0.05),
    inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
  };
}"""


def tab_through(page) -> list[dict]:
    """Press Tab once for each control of the page; what had focus after each press."""
    stops = page.evaluate(TAB_STOPS)
    focused = []
    for _stop in stops:
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    unexpected = [f["name"] for f, stop in zip(focused, stops, strict=True) if f["index"] != stop]
    assert unexpected == [], "Tab skips a control or leaves the order of the page"
    return focused


def assert_keyboard_friendly(page) -> None:
    """On a page just loaded: Tab visits every control in order, the skip link first, and
    each shows a focus ring at least 2 px wide with 3:1 contrast, on screen."""
    focused = tab_through(page)

    assert focused[0]["skipLink"]
    unclear = [f["name"] for f in focused if f["ring"] < 2 or f["contrast"] < 3 or not f["inView"]]
    assert unclear == [], f"controls without a clear focus ring: {unclear}"


def assert_the_skip_link_moves_focus_to_main(page) -> None:
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def keyboard_page(browser):
    """Like `page`, at desktop size: JavaScript off, as the site needs none."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1024, "height": 768}
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def version(transactional_db, publish):
    return publish(principles=2, action_lines=2)


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_public_pages_work_with_the_keyboard_alone(
    live_server, version, keyboard_page, language
):
    for path in ["/", "/endorse/", "/endorsers/", "/versions/"]:
        keyboard_page.goto(f"{live_server.url}{language}{path}")
        assert_keyboard_friendly(keyboard_page)
        assert_the_skip_link_moves_focus_to_main(keyboard_page)


def test_an_organisation_endorses_with_the_keyboard_alone_and_hears_its_errors(
    live_server, version, keyboard_page
):
    page = keyboard_page
    page.goto(live_server.url + "/endorse/")
    tab_to(page, "#id_organisation_name")
    page.keyboard.type("Escuelas Conectadas")
    page.keyboard.press("Enter")  # sends the form, most of it still empty

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    invalid = page.evaluate("""() => [...document.querySelectorAll('[aria-invalid=true]')].map(
        el => [el.name, el.getAttribute('aria-describedby').split(' ').map(
            id => document.getElementById(id)?.innerText.trim() || 'MISSING')])""")
    assert dict(invalid) == {
        "organisation_type": ["This field is required."],
        "country": ["This field is required."],
        "contact_name": ["This field is required."],
        "contact_role": ["This field is required."],
        "contact_email": [
            "We send a confirmation link here. Never published.",
            "This field is required.",
        ],
        "attestation": ["Please confirm that you are authorised to endorse."],
        "consent": ["We can only list endorsers who agree to be listed."],
    }
    expect(page.locator("#id_organisation_name")).to_have_value("Escuelas Conectadas")

    # The first error in the summary leads to its field.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("^Organisation type: "))
    page.keyboard.press("Enter")
    expect(page.locator("#id_organisation_type")).to_be_focused()
    page.keyboard.type("NGO")
    page.keyboard.press("Tab")
    page.keyboard.type("Peru")
    tab_to(page, "#id_contact_name")
    page.keyboard.type("Rosa Quispe")
    page.keyboard.press("Tab")
    page.keyboard.type("Coordinator")
    page.keyboard.press("Tab")
    page.keyboard.type("rosa@escuelas.example.pe")
    tab_to(page, "input[name=action_lines]")
    page.keyboard.press("Space")
    tab_to(page, "#id_attestation")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    tab_to(page, "#id_organisation_name", backwards=True)  # Shift+Tab back to check the name
    expect(page.locator("#id_organisation_name")).to_have_value("Escuelas Conectadas")
    tab_to(page, "input[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    from endorsements.models import Endorsement

    endorsement = Endorsement.objects.get()
    assert (endorsement.organisation_type, endorsement.country.code) == ("ngo", "PE")
    assert endorsement.action_lines.count() == 1


def test_a_moderator_decides_with_the_keyboard_alone(
    live_server, version, keyboard_page, staff, sign_in_browser
):
    from django.utils import timezone

    from endorsements.models import Endorsement

    for name in ["Escuelas Conectadas", "Open Schools Network"]:
        endorsement = Endorsement(
            organisation_type="ngo",
            contact_name="Contact",
            contact_role="Director",
            contact_email=f"{name[:4].lower()}@example.org",
            version=version,
            content_hash=version.content_hash,
            status="confirmed",
            confirmed_at=timezone.now(),
        )
        endorsement.set_organisation(name=name, country="PE")
        endorsement.save()
    page = keyboard_page
    sign_in_browser(page.context, staff("mo", "Moderator"))
    page.goto(live_server.url + "/moderation/")
    assert_keyboard_friendly(page)

    # Rejecting without a reason is refused, and the reason box says why.
    tab_to(page, "input[name=endorsements]")
    page.keyboard.press("Space")
    tab_to(page, ".rejection-choice > summary")
    page.keyboard.press("Enter")
    tab_to(page, "button[value=reject]")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    reason = page.locator("#id_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#" + reason.get_attribute("aria-describedby"))).to_have_text(
        "Give a reason for the rejection; the endorser may ask."
    )

    tab_to(page, "input[name=endorsements]")
    expect(page.locator(":focus")).to_be_checked()  # the choice was kept
    tab_to(page, "button[value=approve]")
    page.keyboard.press("Enter")

    expect(page.locator(".notice[role=status]")).to_contain_text("1 endorsement(s) moderated.")
    assert Endorsement.objects.filter(status="approved").count() == 1


def test_an_editor_rewords_an_action_line_with_the_keyboard_alone(
    live_server, version, keyboard_page, staff, sign_in_browser
):
    from principles.models import ActionLine, Version

    page = keyboard_page
    sign_in_browser(page.context, staff("ed", "Editor"))
    page.goto(live_server.url + "/drafting/")
    tab_to(page, "form[action$='/start/'] button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test Declaration")
    assert_keyboard_friendly(page)

    tab_to(page, "a[aria-label='Edit action line 2.1']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action line 2.1")
    assert_keyboard_friendly(page)
    tab_to(page, "textarea[name=text]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Connect every school by 2030.")
    page.keyboard.press("Tab")
    page.keyboard.type("Shorter")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Saved")
    draft = Version.objects.in_progress().get()
    edited = ActionLine.objects.get(
        principle__version=draft, principle__position=2, position=1
    ).source_text
    assert edited.text == "Connect every school by 2030."


def test_an_editor_whose_draft_was_published_meanwhile_keeps_the_typed_text_and_starts_anew(
    live_server, version, keyboard_page, staff, sign_in_browser
):
    from principles.drafting import review
    from principles.drafting.services import start_draft
    from principles.models import Version

    page = keyboard_page
    editor = staff("ed", "Editor")
    sign_in_browser(page.context, editor)
    draft = start_draft(declaration=version.declaration, by=editor)
    page.goto(f"{live_server.url}/drafting/{draft.pk}/")
    tab_to(page, "a[aria-label='Edit action line 2.1']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action line 2.1")
    tab_to(page, "textarea[name=text]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Connect every school by 2030.")
    # Meanwhile the draft goes through review and is published.
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=staff("rita", "Reviewer"))
    review.publish(reviewed=draft, by=staff("pat", "Publisher"))
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    alert = page.locator("section[role=alert]")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("This draft has been published as version 2")
    expect(page.locator("textarea[name=text]")).to_have_value("Connect every school by 2030.")
    page.keyboard.press("Tab")
    start_anew = page.get_by_role("button", name="Start a new draft (opens in a new tab)")
    expect(start_anew).to_be_focused()
    with page.context.expect_page() as new_tab:
        page.keyboard.press("Enter")
    expect(new_tab.value.locator(".messages")).to_contain_text("Draft started")
    new_draft = Version.objects.in_progress().get()
    assert new_draft.based_on == draft
    expect(page.locator("textarea[name=text]")).to_have_value("Connect every school by 2030.")
