"""Every reader: the interface in the six UN languages, chosen by address, switcher or browser."""

import datetime
import gzip
import re
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone, translation
from django_countries import countries

from tests.html import parse_strict

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["ar", "zh-hans", "fr", "ru", "es"]
RIGHT_TO_LEFT = {"ar"}
# Pages anyone can open, in English (unprefixed); each also exists under /<language>/.
PUBLIC_PATHS = [
    "/",
    "/versions/",
    "/versions/1/",
    "/versions/1/compare/2/",
    "/endorse/",
    "/endorse/privacy/",
    "/about/",
    "/endorse/new-link/",
    "/endorse/withdraw/",
    "/endorsers/",
    "/verify/",
    "/accounts/login/",
]
# Words that are the same in every language (names, formats), and words that French or Spanish
# spell as English does.
SAME_IN_EVERY_LANGUAGE = {
    *("UNESCO", "PDF", "CSV", "JSON", "SHA-256", "RewirEd"),
    # The networks of the "Share" block.
    *("LinkedIn", "WhatsApp", "Facebook"),
}
SAME_IN = {
    "fr": re.compile(
        r"^(Versions?( \d+)?|version \d+|Action|Date|Type|Organisation|International|Europe"
        r"|Consultations?|\d+ contributions?"
        # The description of the chart of endorsers by version: "Version 1: 2004; Version 2: 3".
        r"|Version \d+: \d+(; Version \d+: \d+)*)$"
    ),
    "es": re.compile(r"^(Asia|Europa|América)$"),
}


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(
        str(LOCALE_DIR / language.replace("-hans", "_Hans") / "LC_MESSAGES" / "django.po")
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_interface_string_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    assert po.untranslated_entries() == [], [e.msgid for e in po.untranslated_entries()][:10]
    assert po.fuzzy_entries() == [], [e.msgid for e in po.fuzzy_entries()][:10]
    assert "fuzzy" not in po.metadata_is_fuzzy
    assert po.metadata["Language"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_passes_msgfmt_check(language):
    """GNU msgfmt checks what Django's compilemessages does not: as many plural forms as the
    header says, the same placeholders as the English, a complete header."""
    po_file = LOCALE_DIR / language.replace("-hans", "_Hans") / "LC_MESSAGES" / "django.po"

    run = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(po_file)],
        capture_output=True,
        text=True,
    )

    assert (run.returncode, run.stderr) == (0, "")


@pytest.fixture
def site(publish, client):
    """Two published versions of a declaration, so that every public page has something to show."""
    publish(principles=2, action_lines=2)
    publish(principles=3, action_lines=2)
    return client


def page_language(content: bytes) -> tuple[str, str]:
    root = parse_strict(content)
    return root.get("lang"), root.get("dir")


def interface_texts(content: bytes) -> set[str]:
    """The words a reader sees or hears from the interface: text and accessible names, leaving
    out what is marked as written in another language (the switcher's language names, the
    English text of the declaration shown where no translation exists yet) or as not to be
    translated (an email address)."""
    root = parse_strict(content)
    page_lang = root.get("lang")
    found: set[str] = set()

    def walk(element, skipped: bool):
        skipped = (
            skipped
            or element.tag in {"head", "script", "style"}
            or (element.get("lang") not in (None, page_lang))
            or element.get("translate") == "no"
        )
        if not skipped:
            for attribute in ("aria-label", "alt", "title", "placeholder"):
                if element.get(attribute):
                    found.add(element.get(attribute).strip())
            if element.text and element.text.strip():
                found.add(" ".join(element.text.split()))
        for child in element:
            walk(child, skipped)
            if not skipped and child.tail and child.tail.strip():
                found.add(" ".join(child.tail.split()))

    walk(root, skipped=False)
    return found


def country_names(language: str) -> set[str]:
    """Country names as django-countries gives them in `language` ("Angola" is Angola in French)."""
    with translation.override(language):
        return {str(name) for _code, name in countries}


def untranslated(english: set[str], translated: set[str], language: str) -> set[str]:
    spelled_alike = SAME_IN.get(language, re.compile(r"^$"))
    same = SAME_IN_EVERY_LANGUAGE | country_names(language)
    return {
        text
        for text in english & translated
        if re.search(r"[A-Za-z]{3,}", text) and text not in same and not spelled_alike.match(text)
    }


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_public_page_is_in_the_readers_language(site, language):
    for path in PUBLIC_PATHS:
        english = site.get(path)
        translated = site.get(f"/{language}{path}")

        assert english.status_code == translated.status_code == 200, path
        lang, direction = page_language(translated.content)
        assert lang == language, path
        assert direction == ("rtl" if language in RIGHT_TO_LEFT else "ltr"), path
        left_in_english = untranslated(
            interface_texts(english.content), interface_texts(translated.content), language
        )
        assert not left_in_english, (path, sorted(left_in_english))


def test_english_pages_keep_their_addresses_and_say_they_are_english(site):
    for path in PUBLIC_PATHS:
        response = site.get(path)
        assert response.status_code == 200, path
        assert page_language(response.content) == ("en", "ltr"), path


def test_a_missing_translation_of_the_text_shows_english_with_a_notice(site):
    page = site.get("/fr/").content.decode()

    assert "Test Declaration" in page
    assert '<h1 id="declaration-title" lang="en" dir="ltr">' in page
    assert "en anglais" in page.lower() or "anglais" in page.lower()


def test_every_page_links_to_itself_in_every_language(site):
    root = parse_strict(site.get("/fr/versions/1/").content)

    alternates = {
        link.get("hreflang"): link.get("href")
        for link in root.iter("link")
        if link.get("rel") == "alternate"
    }
    switcher = {
        a.get("hreflang"): a.get("href") for a in root.findall(".//nav[@class='languages']//a")
    }
    assert alternates["en"] == alternates["x-default"] == "http://testserver/versions/1/"
    assert alternates["ar"] == "http://testserver/ar/versions/1/"
    assert alternates["zh-hans"] == "http://testserver/zh-hans/versions/1/"
    assert switcher == {code: alternates[code] for code in ["en", *TRANSLATED]}


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.5", "/fr/versions/1/"),
        ("zh-CN,zh;q=0.9", "/zh-hans/versions/1/"),
        ("ar-EG", "/ar/versions/1/"),
        ("de-DE,ru;q=0.8", "/ru/versions/1/"),
    ],
)
def test_the_browsers_language_chooses_on_a_first_visit(site, accept_language, expected):
    response = site.get("/versions/1/", headers={"accept-language": accept_language})

    assert response.status_code == 302
    assert response["Location"] == expected


def test_a_reader_who_chose_english_is_not_sent_back_to_their_browsers_language(site):
    site.get("/fr/", headers={"accept-language": "fr"})

    response = site.get("/", headers={"accept-language": "fr"})

    assert response.status_code == 200
    assert page_language(response.content)[0] == "en"


@pytest.mark.parametrize("accept_language", ["en-GB,en;q=0.9", "de-DE", "", "*"])
def test_english_or_unsupported_browsers_stay_on_the_english_page(site, accept_language):
    response = site.get("/", headers={"accept-language": accept_language})

    assert response.status_code == 200


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_declaration_page_weighs_less_than_50_kb_compressed(site, language):
    prefix = "" if language == "en" else f"/{language}"
    html = site.get(f"{prefix}/").content
    css = Path(finders.find("css/site.css")).read_bytes()

    weight = len(gzip.compress(html)) + len(gzip.compress(css))

    assert weight < 50_000, weight


@pytest.mark.parametrize(
    ("language", "date"),
    [
        ("", "2 November 2026"),
        ("/ru", "2 ноября 2026 г."),  # the month in the genitive, as a date is written in Russian
        ("/zh-hans", "2026年11月2日"),
        ("/ar", "2 نوفمبر، 2026"),
        ("/es", "2 de noviembre de 2026"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(
    publish, client, monkeypatch, language, date
):
    # A published version never changes, so it is published on the day the test needs.
    publication = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: publication)
        publish(principles=1, action_lines=1)

    page = parse_strict(client.get(f"{language}/versions/").content)

    assert date in [" ".join(time.itertext()) for time in page.iter("time")]
