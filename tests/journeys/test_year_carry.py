"""A year, chapter "translations carried over": version 1 has published French and Arabic
translations; an editor rewords one action line and a reviewer and a publisher publish it as
version 2. French and Arabic readers keep their text, the changed line marked as being updated
(also in their PDFs); the French translator is emailed the one item to update, translates it
with "save and next", and once that is reviewed and published nothing is marked any more."""

import json
import re

import pytest
from playwright.sync_api import expect

from bench.site_processes import manage
from tests.principles.pdf.pdf_reading import shows, text_lines

from .people import Editor, Reader, Staff, a_new_version_rewords, translated
from .story import settle

pytestmark = pytest.mark.journeys

DECLARATION = "Global Declaration on Connectivity for Education"
REWORDED = "Connect every school and every library to fast, affordable internet by 2030."
FRENCH = {
    "title": "Déclaration mondiale sur la connectivité pour l'éducation",
    "preamble": "Nous, signataires, affirmons que chaque élève doit pouvoir apprendre en ligne.",
    "principle": "Principe {p} en français",
    "explanation": "Pourquoi le principe {p} compte.",
    "line": "Ligne d'action {p}.{a} en français.",
    "own": "en français",
}
ARABIC = {
    "title": "الإعلان العالمي بشأن الاتصال من أجل التعليم",
    "preamble": "نحن الموقعين نؤكد أن لكل طالب الحق في التعلم عبر الإنترنت.",
    "principle": "المبدأ {p} بالعربية",
    "explanation": "لماذا يهم المبدأ {p}.",
    "line": "خط العمل {p}.{a} بالعربية.",
    "own": "بالعربية",
}
NEW_FRENCH = (
    "Connecter chaque école et chaque bibliothèque à un internet rapide et abordable d'ici 2030."
)

# Run by `manage.py shell` in the site's environment, before the story: staff get addresses,
# and version 1 gets its French and Arabic translations, translated, reviewed and published
# through the services (the workspace's pages are the story's, below).
TRANSLATE_VERSION_1 = """
import json, os
from django.contrib.auth.models import User
from principles.drafting import review, translation_services as services
from principles.models import Version

for user in User.objects.all():
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["email"])
version = Version.objects.current().get()
source = version.snapshot()
reviewer, publisher = User.objects.get(username="rob"), User.objects.get(username="paula")
for language, (username, words) in json.loads(os.environ["TEXTS"]).items():
    translator = User.objects.get(username=username)
    translation = services.start_translation(version=version, language=language, by=translator)
    values = {"version": {"title": words["title"], "preamble": words["preamble"]}}
    for p, principle in enumerate(source["principles"], start=1):
        values[principle["key"]] = {
            "title": words["principle"].format(p=p),
            "explanation": words["explanation"].format(p=p),
        }
        for a, line in enumerate(principle["action_lines"], start=1):
            values[line["key"]] = {"text": words["line"].format(p=p, a=a)}
    for key, text in values.items():
        services.save_translated_item(
            translation=translation, item_key=key, by=translator, values=text,
            base_revision=review.latest_revision_id(of=translation, item_key=key),
        )
    review.submit(reviewed=translation, by=translator)
    review.approve(reviewed=translation, by=reviewer)
    review.publish(reviewed=translation, by=publisher)
"""


def translations_of_version_1_are_published(site) -> None:
    texts = {"fr": ["fabien", FRENCH], "ar": ["amal", ARABIC]}
    manage(
        *("shell", "-v0", "--command", TRANSLATE_VERSION_1),
        env={**site.env, "TEXTS": json.dumps(texts)},
    )


def reader_sees_the_text_kept_and_the_change_marked(reader: Reader, words: dict) -> None:
    reader.page.set_viewport_size({"width": 320, "height": 800})
    reader.page.goto("/")
    expect(reader.page.locator("h1")).to_have_text(words["title"])
    kept = reader.page.locator("#principle-1-action-2")
    expect(kept).to_contain_text(words["line"].format(p=1, a=2))
    expect(kept).not_to_contain_text(reader.say("Translation being updated"))
    changed = reader.page.locator("#principle-1-action-1")
    expect(changed).to_contain_text(REWORDED)
    expect(changed).to_contain_text(reader.say("Translation being updated"))
    changed.locator("summary").click()
    expect(changed.locator("details")).to_contain_text(words["line"].format(p=1, a=1))
    standing = reader.say(
        "Translation of version %(earlier)s, updating to version %(number)s.", earlier=1, number=2
    )
    expect(reader.page.get_by_role("note").filter(has_text=standing)).to_be_visible()


def reader_pdf_is_kept_too(reader: Reader, words: dict) -> None:
    path = f"/{reader.reading}/declaration.pdf"
    marked = translated("Translation being updated", reader.reading)
    lines = settle(
        lambda: pdf_lines(reader, path),
        until=lambda lines: shows(marked, lines) and any("2030" in line for line in lines),
        seconds=90,
    )
    assert shows(marked, lines)
    # Unchanged items in the reader's language (digits in right-to-left lines are extracted
    # out of order, so the language's own words are looked for).
    assert sum(words["own"] in line for line in lines) >= 5
    assert any("2030" in line for line in lines)


def pdf_lines(reader: Reader, path: str) -> list[str]:
    """The lines of the PDF at `path`, or none while the worker is still rendering it."""
    response = reader.context.request.get(path)
    return text_lines(response.body()) if response.ok else []


def main_text(reader: Reader, language: str) -> str:
    # Only a first visit to "/" follows the browser's language; later ones stay in English.
    reader.page.goto(f"/{language}/")
    return reader.page.locator("main").inner_text()


def translator_updates_the_french(fabien: Staff, mailbox) -> None:
    """From the email, in French: start the translation of version 2, open the items to
    update, translate the one item and save and go on, then submit it."""
    sent = mailbox.wait_for(
        to="fabien@example.org",
        subject={"Version 2 : 1 élément traduit à mettre à jour"},
    )
    assert REWORDED in sent.body
    # The mailbox reads the body's accented letters poorly: its plain-ASCII part is compared.
    assert "Ligne d'action 1.1 en fran" in sent.body
    assert "Ligne d'action 1.2" not in sent.body
    fabien.sign_in(at="/drafting/translations/")
    fabien.page.goto(sent.link("/drafting/translations/"))
    version_2 = fabien.page.locator("section", has=fabien.page.locator("#version-2-title"))
    row = version_2.locator("tr", has_text=re.compile("Français", re.IGNORECASE))
    row.get_by_role("button").click()
    fabien.follow("Items to update")
    expect(fabien.page.locator(".to-update li")).to_have_count(1)
    expect(fabien.page.locator("body")).to_contain_text(FRENCH["line"].format(p=1, a=1))
    fabien.page.get_by_role("textbox").first.fill(NEW_FRENCH)
    fabien.press("Save and next")
    expect(fabien.page.get_by_role("status").first).to_contain_text(
        fabien.say("No item is left to translate.")
    )
    fabien.press("Submit for review")


def the_update_is_reviewed_and_published(rob: Staff, paula: Staff, fabien: Staff) -> None:
    address = fabien.page.url
    rob.page.goto(address)
    rob.press("Approve")
    paula.page.goto(address)
    paula.press("Publish now")


def test_translations_are_carried_over_a_new_version(site, cast, mailbox, story):
    site.add_staff(
        edna=["Editor"],
        rob=["Reviewer"],
        paula=["Publisher"],
        fabien=["Editor"],
        amal=["Editor"],
    )
    with story.step("French and Arabic translations of version 1 are published"):
        translations_of_version_1_are_published(site)
    edna, rob, paula = (cast(Editor, username=name) for name in ("edna", "rob", "paula"))
    with story.step("Version 2 rewords action line 1.1", edna, rob, paula):
        a_new_version_rewords(
            edna,
            rob,
            paula,
            declaration=DECLARATION,
            action_line="1.1",
            text=REWORDED,
            note="Libraries too.",
            version=2,
        )
    claire = cast(Reader, name="Claire", language="fr")
    layla = cast(Reader, name="Layla", language="ar")
    with story.step("French and Arabic readers keep their text, the change marked", claire, layla):
        reader_sees_the_text_kept_and_the_change_marked(claire, FRENCH)
        reader_sees_the_text_kept_and_the_change_marked(layla, ARABIC)
    with story.step("Their PDFs keep it too"):
        reader_pdf_is_kept_too(claire, FRENCH)
        reader_pdf_is_kept_too(layla, ARABIC)
    fabien = cast(Staff, username="fabien", language="fr")
    with story.step("The French translator updates the one changed item", fabien):
        translator_updates_the_french(fabien, mailbox)
    with story.step("The update is reviewed and published", rob, paula):
        the_update_is_reviewed_and_published(rob, paula, fabien)
    with story.step("French readers see no mark any more", claire):
        page = settle(lambda: main_text(claire, "fr"), until=lambda text: NEW_FRENCH in text)
        assert NEW_FRENCH in page
        assert claire.say("Translation being updated") not in page
        assert FRENCH["line"].format(p=1, a=2) in page
