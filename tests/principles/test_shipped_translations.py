"""The shipped provisional translations as readers get them: each language's page and PDF in
that language, and translators' later work replacing them and carrying them over versions.
The expected words are read from the shipped files, so rewording a translation keeps these
tests true."""

import tomllib
import unicodedata
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from principles.drafting import review
from principles.drafting import translation_services as services
from principles.drafting.shipped import SHIPPED_TEXT
from principles.models import Standing, Version
from principles.pdf.render import render_declaration
from tests.html import parse_strict
from tests.principles.pdf.pdf_reading import make_snapshot, shows, text_lines

LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]
PROVISIONAL = "This is a provisional translation: the English text is the reference."
NOT_TRANSLATED = (
    "This text has not been translated into your language yet, so it is shown in English, the "
    "language it was written in."
)
UPDATING = "Translation being updated"


def shipped(language: str) -> dict:
    path = SHIPPED_TEXT.with_name(f"connectivity-for-education.{language}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def words(text: str) -> str:
    return " ".join(text.split())


def bare(word: str) -> str:
    return "".join(c for c in word if not unicodedata.combining(c))


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.fixture
def loaded(db):
    call_command("load_declaration", stdout=StringIO())
    return Version.objects.get()


def page_text(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200
    return words("".join(parse_strict(response.content).itertext()))


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_reads_its_own_text_marked_provisional_without_the_fallback_notice(
    loaded, language
):
    text = shipped(language)
    english = shipped("en")

    content = page_text(f"/{language}/")

    assert words(text["title"]) in content
    assert words(text["preamble"].split("\n\n")[0]) in content
    for principle in text["principles"]:
        assert words(principle["title"]) in content
        assert words(principle["explanation"]) in content
        for line in principle["action_lines"]:
            assert words(line) in content
    assert in_language(language, PROVISIONAL) != PROVISIONAL
    assert in_language(language, PROVISIONAL) in content
    assert in_language(language, NOT_TRANSLATED) not in content
    assert words(english["principles"][0]["action_lines"][0]) not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_pdf_is_in_that_language(loaded, pdf_settings, language):
    text = shipped(language)

    lines = text_lines(
        render_declaration(version=loaded, snapshot=make_snapshot(count=3), language=language)
    )

    # Titles wrap over lines, right-to-left words come out in visual order, and Arabic vowel
    # marks in another order than typed: each title's words, without marks, are looked for
    # among the page's.
    shown = {bare(word) for line in lines for word in line.split()}
    for principle in text["principles"]:
        assert {bare(word) for word in principle["title"].split()} <= shown, principle["title"]
    assert not shows(shipped("en")["principles"][0]["title"], lines)


def publish_french_from_translators(version, *, translator, reviewer, publisher, title: str):
    """Translators revise the published French of `version`: a new title, marked official."""
    french = services.start_translation(version=version, language="fr", by=translator)
    services.save_translated_item(
        translation=french,
        item_key="version",
        by=translator,
        values={**french.text["version"], "title": title},
        base_revision=review.latest_revision_id(of=french, item_key="version"),
    )
    services.set_standing(translation=french, standing=Standing.OFFICIAL, by=translator)
    review.submit(reviewed=french, by=translator)
    review.approve(reviewed=french, by=reviewer)
    return review.publish(reviewed=french, by=publisher)


def test_a_translation_published_by_translators_replaces_the_shipped_one(
    loaded, make_user, reviewer, publisher
):
    translator = make_user("tom", "Editor")

    publish_french_from_translators(
        loaded,
        translator=translator,
        reviewer=reviewer,
        publisher=publisher,
        title="Déclaration mondiale sur la connectivité au service de l'éducation",
    )

    content = page_text("/fr/")
    assert "Déclaration mondiale sur la connectivité au service de l'éducation" in content
    assert words(shipped("fr")["principles"][1]["title"]) in content
    assert in_language("fr", "Official translation.") in content
    assert in_language("fr", PROVISIONAL) not in content


def test_a_second_version_keeps_the_shipped_french_and_marks_the_reworded_line(loaded, reword):
    reword(((1, 1), "Design every programme first for the learners least likely to be reached."))

    content = page_text("/fr/")
    french = shipped("fr")
    assert words(french["title"]) in content
    assert words(french["principles"][0]["action_lines"][1]) in content
    assert words(french["principles"][2]["action_lines"][2]) in content
    assert "Design every programme first for the learners least likely to be reached." in content
    assert in_language("fr", UPDATING) in content
    assert in_language("fr", NOT_TRANSLATED) not in content
