import json
import re
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from principles.drafting.review import publish_loaded_translation
from principles.drafting.services import publish_loaded_text
from principles.drafting.shipped import SHIPPED_TEXT, loader_account, read_shipped_text
from principles.drafting.translation_services import start_translation
from principles.models import (
    ActionLine,
    AuditEntry,
    Declaration,
    Standing,
    Translation,
    TranslationRevision,
    Version,
    VersionStateError,
)

SHIPPED_LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]


def load() -> str:
    output = StringIO()
    call_command("load_declaration", stdout=output)
    return output.getvalue()


def test_loading_the_shipped_text_publishes_version_1(db, client):
    output = load()

    version = Version.objects.get()
    assert version.number == 1
    assert version.is_published
    assert version.principles.count() == 3
    assert "Loaded 'connectivity-for-education' v1" in output
    page = client.get("/").content.decode()
    assert "Global Declaration on Connectivity for Education" in page
    assert "Center the most marginalized" in page
    assert "Expand investments in free and high-quality digital education content" in page


def test_each_shipped_principle_has_two_to_four_action_lines(db):
    load()

    for principle in Version.objects.get().principles.all():
        assert 2 <= principle.action_lines.count() <= 4


def test_loading_again_changes_nothing(db):
    load()
    output = load()

    assert Declaration.objects.count() == 1
    assert Version.objects.count() == 1
    assert ActionLine.objects.count() == 10
    assert "nothing loaded" in output


def test_loading_publishes_a_provisional_translation_in_each_shipped_language(db):
    output = load()

    version = Version.objects.get()
    translations = Translation.objects.published().filter(version=version)
    assert sorted(translations.values_list("language", flat=True)) == sorted(SHIPPED_LANGUAGES)
    assert set(translations.values_list("standing", flat=True)) == {Standing.PROVISIONAL}
    assert version.translated_languages() == [
        code for code, _name in settings.LANGUAGES if code != "en"
    ]
    assert "Translations: 5 loaded, 0 left alone." in output


def test_each_loaded_translation_keeps_a_revision_per_item_noting_the_shipped_file(db):
    load()

    french = Translation.objects.get(language="fr")
    edits = french.revisions.filter(action=TranslationRevision.Action.EDIT)
    # The title and preamble, 3 principles and 10 action lines.
    assert edits.count() == 14
    assert all("shipped file" in note for note in edits.values_list("note", flat=True))
    assert french.revisions.filter(action=TranslationRevision.Action.START).count() == 1
    published = AuditEntry.objects.about(french).get(action="translation.publish")
    assert "shipped file" in published.detail
    assert published.actor.username == "shipped-text"
    assert not published.actor.has_usable_password()


def queued_pdfs(task: str) -> list[str]:
    """The languages of the PDFs queued to be rendered by `task`, once each."""
    queued = DBTaskResult.objects.filter(task_path=f"principles.pdf.tasks.{task}")
    return sorted({result.args_kwargs["kwargs"]["language"] for result in queued})


def test_loading_queues_the_pdf_in_each_language_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load()

    assert queued_pdfs("refresh_declaration_pdf") == sorted(["en", *SHIPPED_LANGUAGES])
    assert queued_pdfs("rerender_declaration_pdf") == []


def test_loading_again_adds_no_translation(db):
    load()
    revisions = TranslationRevision.objects.count()

    output = load()

    assert Translation.objects.count() == 5
    assert TranslationRevision.objects.count() == revisions
    assert "Left fr alone: v1 already has a translation in it." in output
    assert "Translations: 0 loaded, 5 left alone." in output


def test_a_site_loaded_before_the_translations_shipped_gets_them(
    db, django_capture_on_commit_callbacks
):
    english = read_shipped_text(SHIPPED_TEXT)
    declaration = Declaration.objects.create(slug=english["slug"])
    publish_loaded_text(declaration=declaration, text=english)

    with django_capture_on_commit_callbacks(execute=True):
        output = load()

    assert "nothing loaded from its English file" in output
    assert queued_pdfs("refresh_declaration_pdf") == sorted(SHIPPED_LANGUAGES)
    assert Translation.objects.published().count() == 5
    assert Version.objects.get().translated_languages() == ["ar", "zh-hans", "fr", "ru", "es"]


def test_a_site_whose_english_is_not_the_shipped_english_keeps_its_languages_alone(db):
    english = read_shipped_text(SHIPPED_TEXT)
    declaration = Declaration.objects.create(slug=english["slug"])
    publish_loaded_text(declaration=declaration, text={**english, "title": "Our own title"})

    output = load()

    assert not Translation.objects.exists()
    assert "Left fr alone: the English text of v1 is not the shipped English text." in output
    assert "Translations: 0 loaded, 5 left alone." in output


def test_a_language_in_translation_is_left_to_its_translators(db):
    english = read_shipped_text(SHIPPED_TEXT)
    declaration = Declaration.objects.create(slug=english["slug"])
    version = publish_loaded_text(declaration=declaration, text=english)
    translator = User.objects.create_user("tom", "tom@example.org", "a-long-password-1")
    start_translation(version=version, language="fr", by=translator)

    output = load()

    assert "Left fr alone: a translation of v1 into it is in progress." in output
    assert Version.objects.get().translated_languages() == ["ar", "zh-hans", "ru", "es"]


def shipped_copy(tmp_path: Path, *, french: str) -> Path:
    """The shipped English file in `tmp_path`, with `french` as the French file beside it."""
    english = tmp_path / "connectivity-for-education.en.toml"
    english.write_text(SHIPPED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "connectivity-for-education.fr.toml").write_text(french, encoding="utf-8")
    return english


def french_without(*, principle: int, line: int) -> str:
    """The shipped French file without one action line of one principle."""
    data = tomllib.loads((SHIPPED_TEXT.parent / "connectivity-for-education.fr.toml").read_text())
    del data["principles"][principle - 1]["action_lines"][line - 1]
    lines = [f"slug = {json.dumps(data['slug'])}", f"title = {json.dumps(data['title'])}"]
    lines.append(f"preamble = {json.dumps(data['preamble'])}")
    for item in data["principles"]:
        lines += ["[[principles]]", f"title = {json.dumps(item['title'])}"]
        lines.append(f"explanation = {json.dumps(item['explanation'])}")
        lines.append(f"action_lines = {json.dumps(item['action_lines'], ensure_ascii=False)}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("french", "message"),
    [
        (
            french_without(principle=2, line=3),
            "connectivity-for-education.fr.toml: principle 2 has 2 action lines, but the "
            "English text has 3.",
        ),
        ("title = 'Déclaration'\n[[principles]\n", "connectivity-for-education.fr.toml: cannot"),
        ("title = 'Déclaration'\n", "connectivity-for-education.fr.toml: not a declaration"),
        (
            SHIPPED_TEXT.read_text().replace("Center the most marginalized", ""),
            "connectivity-for-education.fr.toml: principle 1 needs a title",
        ),
    ],
)
def test_a_translation_file_that_does_not_match_the_english_is_refused_naming_the_item(
    db, tmp_path, french, message
):
    english = shipped_copy(tmp_path, french=french)

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("load_declaration", file=english, stdout=StringIO())

    assert not Version.objects.exists()


def test_the_loaders_publication_refuses_a_translation_a_person_worked_on(db):
    english = read_shipped_text(SHIPPED_TEXT)
    declaration = Declaration.objects.create(slug=english["slug"])
    version = publish_loaded_text(declaration=declaration, text=english)
    translator = User.objects.create_user("tom", "tom@example.org", "a-long-password-1")
    french = start_translation(version=version, language="fr", by=translator)

    with pytest.raises(VersionStateError, match="must be reviewed"):
        publish_loaded_translation(translation=french, by=loader_account(), detail="")

    assert not Translation.objects.published().exists()
