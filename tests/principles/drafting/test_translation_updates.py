"""Translations survive new versions of the English text: each language keeps the translation
of every unchanged item, marks the changed ones (with their earlier translation), tells its
translators exactly what to update, and lets them work through it item after item."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from principles.drafting import review
from principles.drafting import translation_services as services
from principles.drafting.translation_updates import notify_translators_of_update
from principles.models import DeclarationPdf, Version
from tests.html import parse_strict, submit
from tests.principles.conftest import ARABIC, FRENCH
from tests.principles.pdf.pdf_reading import shows, text_lines

from .test_translations import translate_everything

UPDATING = {"fr": "Traduction en cours de mise à jour", "ar": "الترجمة قيد التحديث"}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def version_1(publish_translated):
    """Version 1, 2 principles of 2 action lines, with French and Arabic published."""
    return publish_translated("fr", "ar", principles=2, action_lines=2)


def line_key(version: Version, principle: int, line: int) -> str:
    item = version.principles.get(position=principle).action_lines.get(position=line)
    return str(item.key)


def action_line(page, principle: int, line: int):
    return page.find(f".//*[@id='principle-{principle}-action-{line}']")


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


@pytest.mark.parametrize(("language", "text"), [("fr", FRENCH), ("ar", ARABIC)])
def test_after_a_new_version_readers_keep_every_unchanged_item_and_see_the_changed_one_marked(
    version_1, reword, language, text
):
    reword(((1, 1), "A reworded action line."))

    response = Client().get(f"/{language}/")

    page = parse_strict(response.content)
    content = text_of(page)
    assert text["title"] in content
    assert text["principle"].format(p=2) in content
    for principle, line in [(1, 2), (2, 1), (2, 2)]:
        unchanged = text_of(action_line(page, principle, line))
        assert text["action_line"].format(p=principle, a=line) in unchanged
        assert UPDATING[language] not in unchanged
    changed = action_line(page, 1, 1)
    assert "A reworded action line." in text_of(changed)
    assert changed.find(".//{*}p").get("lang") == "en"
    assert UPDATING[language] in text_of(changed)
    # The earlier translation stays readable, folded away.
    earlier = changed.find(".//{*}details")
    assert text["action_line"].format(p=1, a=1) in text_of(earlier)
    assert "pas encore été traduit" not in content


def test_the_language_says_which_version_it_translates_and_which_it_is_updating_to(
    version_1, reword
):
    reword(((1, 1), "A reworded action line."))

    french = Client().get("/fr/").content.decode()
    arabic = Client().get("/ar/").content.decode()

    assert "Traduction de la version 1, en cours de mise à jour vers la version 2." in french
    assert "ترجمة النسخة 1، قيد التحديث إلى النسخة 2." in arabic
    # English readers see nothing of it.
    english = Client().get("/").content.decode()
    assert "updating" not in english
    assert "A reworded action line." in english


def test_the_pdf_in_each_language_keeps_the_unchanged_items_and_marks_the_changed_one(
    version_1, reword, pdf_settings, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version_2 = reword(((1, 1), "A reworded action line."))

    french = text_lines(DeclarationPdf.objects.get(version=version_2, language="fr").file.read())
    arabic = text_lines(DeclarationPdf.objects.get(version=version_2, language="ar").file.read())

    assert shows("Texte de la ligne d'action 2.2.", french)
    assert shows("Titre du principe 1", french)
    assert shows("A reworded action line.", french)
    assert shows(UPDATING["fr"], french)
    assert not shows("Texte de la ligne d'action 1.1.", french)
    assert shows("Traduction de la version 1", french)
    assert shows(ARABIC["principle"].format(p=2), arabic)
    assert shows("A reworded action line.", arabic)
    assert shows(UPDATING["ar"], arabic)


def test_two_versions_in_a_row_keep_the_first_translation_of_what_neither_changed(
    version_1, reword
):
    reword(((1, 1), "Reworded in version 2."))
    reword(((2, 1), "Reworded in version 3."))

    page = parse_strict(Client().get("/fr/").content)

    assert "Texte de la ligne d'action 1.2." in text_of(action_line(page, 1, 2))
    assert "Texte de la ligne d'action 2.2." in text_of(action_line(page, 2, 2))
    for principle, earlier in [(1, "1.1"), (2, "2.1")]:
        changed = action_line(page, principle, 1)
        assert UPDATING["fr"] in text_of(changed)
        assert f"Texte de la ligne d'action {earlier}." in text_of(changed.find(".//{*}details"))
    assert "Traduction de la version 1, en cours de mise à jour vers la version 3." in text_of(page)


def test_a_translation_of_v3_when_only_v1_had_french_misses_only_the_changed_items(
    publish, reword, translator_who_published_french
):
    """Version 1's French is published only after versions 2 and 3, so neither of them got
    any French at their publication: starting French for version 3 still reuses it."""
    version_1 = publish(principles=2, action_lines=2)
    version_2 = reword(((1, 1), "Reworded in version 2."))
    version_3 = reword(((2, 1), "Reworded in version 3."))
    translator_who_published_french(version_1)
    assert "fr" not in version_3.translated_languages()

    translation = services.start_translation(
        version=version_3, language="fr", by=translator_who_published_french.translator
    )

    assert translation.missing_items() == [
        line_key(version_3, 1, 1),
        line_key(version_3, 2, 1),
    ]
    assert line_key(version_2, 1, 2) in translation.text
    assert "5 items" in translation.revisions.get().summary


@pytest.fixture
def translator_who_published_french(make_user, reviewer, publisher):
    """`translator_who_published_french(version)`: Tom translates `version` into French (every
    item), and it is reviewed and published."""
    translator = make_user("tom", "Editor")

    def publish_french(version):
        translation = services.start_translation(version=version, language="fr", by=translator)
        translate_everything(translation, translator)
        review.submit(reviewed=translation, by=translator)
        review.approve(reviewed=translation, by=reviewer)
        return review.publish(reviewed=translation, by=publisher)

    publish_french.translator = translator
    return publish_french


def test_once_the_update_is_published_no_item_is_marked(version_1, reword, make_user, reviewer):
    translator, publisher_2 = make_user("tom", "Editor"), make_user("paula", "Publisher")
    version_2 = reword(((1, 1), "A reworded action line."))
    translation = services.start_translation(version=version_2, language="fr", by=translator)
    key = line_key(version_2, 1, 1)
    assert translation.missing_items() == [key]
    services.save_translated_item(
        translation=translation,
        item_key=key,
        by=translator,
        values={"text": "Une ligne d'action reformulée."},
        base_revision=review.latest_revision_id(of=translation, item_key=key),
    )
    review.submit(reviewed=translation, by=translator)
    review.approve(reviewed=translation, by=reviewer)
    review.publish(reviewed=translation, by=publisher_2)

    content = text_of(parse_strict(Client().get("/fr/").content))

    assert "Une ligne d'action reformulée." in content
    assert "Texte de la ligne d'action 2.2." in content
    assert UPDATING["fr"] not in content
    assert "en cours de mise à jour vers" not in content


def test_translators_are_emailed_exactly_the_items_to_update_in_their_language(
    version_1, reword, make_user, immediate_tasks, django_capture_on_commit_callbacks
):
    french_translator = make_user("fanny", "Editor")
    # Fanny has translated into French before: that is her language.
    translation = services.start_translation(version=version_1, language="fr", by=french_translator)
    assert translation.missing_items() == []
    make_user("nina", "Editor")
    make_user("rex", "Reviewer")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        version_2 = reword(((1, 1), "A reworded action line."))

    # Besides the notice of publication (principles/drafting/notifications.py).
    to = {
        message.to[0]: message for message in mail.outbox if message.subject.startswith("Version")
    }
    # The editor who published the change is an editor too, and is told as well.
    assert set(to) == {"fanny@example.org", "nina@example.org", "ed@example.org"}
    french = to["fanny@example.org"]
    assert french.subject == "Version 2 : 1 élément traduit à mettre à jour"
    assert "Ligne d\u2019action 1.1" in french.body
    assert "A reworded action line." in french.body
    assert "Texte de la ligne d'action 1.1." in french.body
    assert "Arabe" not in french.body
    assert "1.2" not in french.body
    english = to["nina@example.org"]
    assert english.subject == "Version 2: 2 translated items to update"
    assert "French" in english.body
    assert "Arabic" in english.body
    assert notify_translators_of_update(version_2) == 3


def test_translators_work_through_the_items_to_update_with_save_and_next(
    version_1, reword, translator_client, french_translation_of
):
    version_2 = reword(((1, 1), "Reworded 1.1."), ((2, 2), "Reworded 2.2."))
    translation = french_translation_of(version_2)
    client = translator_client
    first, second = line_key(version_2, 1, 1), line_key(version_2, 2, 2)

    start = client.get(reverse("drafting:translation-next-to-update", args=[translation.pk]))
    assert start.url == reverse("drafting:translation-update-item", args=[translation.pk, first])
    content = text_of(parse_strict(client.get(start.url).content))
    assert "Save and next" in content
    assert "2 items to update" in content
    assert "Reworded 1.1." in content
    assert "Texte de la ligne d'action 1.1." in content  # the earlier translation

    after_first = submit(client, start.url, {"text": "Ligne 1.1 reformulée.", "base_revision": 0})
    following = client.get(after_first.url, follow=True)
    assert following.redirect_chain[-1][0].endswith(f"/to-update/{second}/")
    assert "1 item to update" in text_of(parse_strict(following.content))

    second_url = following.redirect_chain[-1][0]
    after_second = submit(client, second_url, {"text": "Ligne 2.2 reformulée.", "base_revision": 0})
    done = client.get(after_second.url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("drafting:translation", args=[translation.pk])
    translation.refresh_from_db()
    assert translation.missing_items() == []
    assert translation.text[second] == {"text": "Ligne 2.2 reformulée."}


@pytest.fixture
def translator_client(make_user, signed_in):
    return signed_in(make_user("tom", "Editor"))


@pytest.fixture
def french_translation_of(make_user):
    def start(version):
        return services.start_translation(
            version=version, language="fr", by=make_user("fabien", "Editor")
        )

    return start


def test_the_public_page_reads_as_many_queries_while_a_translation_is_updated(
    version_1, reword, page_queries
):
    reword(((1, 1), "A reworded action line."))

    # As pinned in tests/test_query_counts.py for "/fr/".
    with page_queries(7 + 3):
        assert Client().get("/fr/").status_code == 200


def test_a_version_loaded_with_its_own_translations_keeps_them(publish_translated):
    publish_translated("fr", principles=1, action_lines=1)

    version_2 = publish_translated("fr", principles=1, action_lines=1)

    content = text_of(parse_strict(Client().get("/fr/").content))
    assert version_2.texts.get(language="fr").translation_of is None
    assert UPDATING["fr"] not in content
    assert "Texte de la ligne d'action 1.1." in content
