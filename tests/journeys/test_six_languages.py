"""Six readers, one in each language of the site, each with a browser set to that language.
Each opens the site and reads the declaration in their own language (the shipped provisional
translation, with no "not translated" notice), cites action line 2.1 by its number and lands on
the version's permanent address, copies the citation with its content hash, downloads the signed
PDF in their language and shares the page: its share card is a PNG. Then an editor rewords action
line 2.1 and version 2 is published: each reader's citation still shows the words they cited,
and the numbers on the current page now lead to version 2."""

import io
import re
import tomllib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.principles.pdf.pdf_reading import reader as pdf_reader
from tests.principles.pdf.pdf_reading import shows, text_lines

from .people import Editor, Reader, a_new_version_rewords
from .story import settle

pytestmark = pytest.mark.journeys

SHIPPED = Path(__file__).resolve().parents[2] / "principles" / "shipped"
# Each site language, and the locale of a browser set to it.
BROWSERS = {
    "en": "en-GB",
    "ar": "ar-EG",
    "zh-hans": "zh-CN",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}
DECLARATION = "Global Declaration on Connectivity for Education"
REWORDED = "Fund free digital learning resources in every language that learners speak."


def shipped(language: str) -> dict:
    """The shipped text in `language`, as the platform's team wrote it."""
    text = tomllib.loads(
        (SHIPPED / f"connectivity-for-education.{language}.toml").read_text(encoding="utf-8")
    )
    return {
        "title": text["title"].strip(),
        "line 2.1": text["principles"][1]["action_lines"][0].strip(),
    }


def prefix(language: str) -> str:
    return "" if language == "en" else f"/{language}"


def reads_the_declaration(reader: Reader, language: str) -> None:
    """From `/`, which a first visit sends to the browser's language."""
    words = shipped(language)
    reader.page.goto("/")
    expect(reader.page).to_have_url(f"{reader.site.url}{prefix(language)}/")
    assert reader.reading == language
    expect(reader.page.locator("h1")).to_have_text(words["title"])
    expect(reader.page.locator("#principle-2-action-1")).to_contain_text(words["line 2.1"])
    fallback = reader.say(
        "This text has not been translated into your language yet, so it is shown in English, "
        "the language it was written in."
    )
    expect(reader.page.get_by_text(fallback)).to_have_count(0)
    if language != "en":
        provisional = reader.say(
            "This is a provisional translation: the English text is the reference."
        )
        expect(reader.page.get_by_role("note").filter(has_text=provisional)).to_be_visible()


def cites_action_line_2_1(reader: Reader, language: str, *, version: int) -> str:
    """Follow the number 2.1 to the version's permanent anchor, open "Cite this" and return the
    content hash it gives."""
    words = shipped(language)
    reader.page.locator("#principle-2-action-1 a.citation").click()
    permalink = f"{reader.site.url}{prefix(language)}/versions/{version}/"
    expect(reader.page).to_have_url(f"{permalink}#principle-2-action-1")
    expect(reader.page.locator("#principle-2-action-1")).to_contain_text(words["line 2.1"])
    cite = reader.page.locator("details#cite-this")
    cite.locator("summary").click()
    expect(cite).to_contain_text(permalink)
    content_hash = cite.locator("code.content-hash").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{8,64}…?", content_hash), content_hash
    return content_hash


def downloads_the_pdf(reader: Reader, language: str) -> None:
    """The signed PDF linked from the page is in the reader's language: its title, and the
    language its structure declares."""
    reader.page.goto(f"{prefix(language)}/")
    link = reader.page.locator("a[type='application/pdf']").first
    expect(link).to_have_attribute("hreflang", language)
    path = link.get_attribute("href")
    title = shipped(language)["title"]

    def lines() -> list[str]:
        response = reader.context.request.get(path)
        return text_lines(response.body()) if response.ok else []

    assert in_pdf(title, settle(lines, until=lambda found: in_pdf(title, found), seconds=90))
    declared = str(pdf_reader(reader.download(path).body()).trailer["/Root"].get("/Lang", ""))
    assert declared.lower() == language.lower(), f"{path} declares /Lang {declared!r}"


def in_pdf(title: str, lines: list[str]) -> bool:
    """Whether the PDF's text holds `title`, wherever its lines break: each word of it, or for
    a title written without spaces (Chinese), the title itself in the text without spaces."""
    if shows(title, lines):
        return True
    text = " ".join(lines)
    if " " in title:
        return all(word in text for word in title.split())
    return title in "".join(text.split())


def shares_the_page(reader: Reader, language: str) -> None:
    """The share links carry the page's address, and its share card is a PNG image."""
    page = reader.page
    address = f"{reader.site.url}{prefix(language)}/"
    share = page.locator("section.share")
    expect(share.locator("input[readonly]")).to_have_value(address)
    links = share.get_by_role("link").all()
    assert len(links) >= 4
    for link in links:
        href = link.get_attribute("href")
        assert quote(address, safe="") in href or address in href, href
    card = page.locator("meta[property='og:image']").get_attribute("content")
    response = reader.context.request.get(card)
    assert response.ok, card
    assert response.headers["content-type"] == "image/png", card
    assert len(response.body()) < 100 * 1024
    with Image.open(io.BytesIO(response.body())) as image:
        assert image.size == (1200, 630)


def the_citation_still_holds(reader: Reader, language: str) -> None:
    """The cited address still shows the words that were cited; the current page's number
    now leads to version 2."""
    words = shipped(language)
    reader.page.goto(f"{prefix(language)}/versions/1/#principle-2-action-1")
    expect(reader.page.locator("#principle-2-action-1")).to_contain_text(words["line 2.1"])
    current = settle(
        lambda: (
            reader.page.goto(f"{prefix(language)}/")
            and reader.page.locator("#principle-2-action-1 a.citation").get_attribute("href")
        ),
        until=lambda href: "/versions/2/" in (href or ""),
    )
    assert current == f"{prefix(language)}/versions/2/#principle-2-action-1"


def test_a_reader_in_each_language_reads_cites_downloads_and_shares(site, cast, story):
    readers = {
        language: cast(Reader, name=f"Reader in {language}", language=locale)
        for language, locale in BROWSERS.items()
    }
    hashes = {}
    for language, reader in readers.items():
        with story.step(f"A reader in {language} reads the declaration in {language}", reader):
            reads_the_declaration(reader, language)
        with story.step(f"They cite action line 2.1 ({language})", reader):
            hashes[language] = cites_action_line_2_1(reader, language, version=1)
        with story.step(f"They download the signed PDF in {language}", reader):
            downloads_the_pdf(reader, language)
        with story.step(f"They share the page ({language})", reader):
            shares_the_page(reader, language)
    # One version, one text: its content hash is the same whatever the language of the page.
    assert len(set(hashes.values())) == 1, hashes

    site.add_staff(edna=["Editor"], rob=["Reviewer"], paula=["Publisher"])
    edna, rob, paula = (cast(Editor, username=name) for name in ("edna", "rob", "paula"))
    with story.step("Version 2 rewords action line 2.1", edna, rob, paula):
        a_new_version_rewords(
            edna,
            rob,
            paula,
            declaration=DECLARATION,
            action_line="2.1",
            text=REWORDED,
            note="Every language learners speak.",
            version=2,
        )
    for language, reader in readers.items():
        with story.step(f"The {language} citation still shows what was cited", reader):
            the_citation_still_holds(reader, language)
