"""Editors translate a published version through the drafting workspace, under the same rules
as the source text: revisions, stale saves refused, four eyes, then readers see it."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation as i18n
from django.utils.html import escape

from principles.drafting import review
from principles.drafting import translation_services as services
from principles.drafting.services import save_item_text, start_draft
from principles.models import (
    AuditEntry,
    DeclarationPdf,
    Standing,
    Translation,
    TranslationRevision,
    Version,
    VersionStateError,
)
from tests.html import csrf_token, parse_strict, submit
from tests.principles.pdf.pdf_reading import text_lines


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def keys_of(version: Version) -> list[str]:
    snapshot = version.snapshot()
    keys = ["version"]
    for principle in snapshot["principles"]:
        keys.append(principle["key"])
        keys.extend(line["key"] for line in principle["action_lines"])
    return keys


def french_for(key: str, source_item: dict) -> dict:
    return {
        name: f"FR {value}" for name, value in source_item.items() if name != "number" and value
    }


def translate_everything(translation: Translation, by) -> None:
    source = translation.source()
    for key in keys_of(translation.version):
        services.save_translated_item(
            translation=translation,
            item_key=key,
            by=by,
            values=french_for(key, services.source_item(source, key)),
            base_revision=review.latest_revision_id(of=translation, item_key=key),
        )


@pytest.fixture
def version(publish):
    return publish(principles=2, action_lines=2)


@pytest.fixture
def translator(make_user):
    return make_user("tom", "Editor")


@pytest.fixture
def french(version, translator):
    return services.start_translation(version=version, language="fr", by=translator)


def published_french(version, translator, reviewer, publisher, standing="provisional"):
    translation = services.start_translation(version=version, language="fr", by=translator)
    translate_everything(translation, translator)
    services.set_standing(translation=translation, standing=standing, by=translator)
    review.submit(reviewed=translation, by=translator)
    review.approve(reviewed=translation, by=reviewer)
    return review.publish(reviewed=translation, by=publisher)


def test_an_editor_starts_a_translation_of_a_published_version_from_the_workspace(
    version, translator, signed_in
):
    client = signed_in(translator)

    response = submit(
        client,
        url("start-translation", version.number),
        {"language": "fr"},
        page=url("translations"),
    )

    translation = Translation.objects.get()
    assert response.status_code == 302
    assert response.url == url("translation", translation.pk)
    assert (translation.version, translation.language) == (version, "fr")
    assert translation.status == Translation.Status.DRAFT
    assert translation.standing == Standing.PROVISIONAL
    assert translation.revisions.get().action == TranslationRevision.Action.START
    page = client.get(url("translation", translation.pk))
    assert page.status_code == 200
    parse_strict(page.content)
    # Every item is listed with its English text and marked as not translated yet.
    assert page.content.decode().count("Not translated yet") == len(keys_of(version))
    assert 'lang="fr"' in page.content.decode()


def test_the_translations_page_lists_each_language_of_each_published_version(
    version, french, translator, signed_in
):
    response = signed_in(translator).get(url("translations"))

    content = response.content.decode()
    parse_strict(response.content)
    assert response.status_code == 200
    assert url("translation", french.pk) in content
    # The five other languages can be started.
    assert content.count('name="language"') == 4


@pytest.mark.parametrize("language", ["en", "xx", "", "fr' OR 1=1", "<script>"])
def test_starting_a_translation_into_an_unknown_language_or_english_is_refused(
    version, translator, signed_in, language
):
    client = signed_in(translator)

    response = submit(
        client,
        url("start-translation", version.number),
        {"language": language},
        follow=True,
        page=url("translations"),
    )

    assert not Translation.objects.exists()
    assert "Choose one of the languages the site translates into." in response.content.decode()


def test_only_one_translation_per_language_is_in_progress(version, french, translator):
    with pytest.raises(VersionStateError):
        services.start_translation(version=version, language="fr", by=translator)
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Translation.objects.create(version=version, language="fr")


def test_a_draft_cannot_be_translated(draft, translator):
    with pytest.raises(VersionStateError):
        services.start_translation(version=draft, language="fr", by=translator)


def test_saving_an_item_records_a_revision_with_the_whole_translated_text(
    french, translator, signed_in
):
    client = signed_in(translator)
    key = keys_of(french.version)[2]  # action line 1.1
    edit_url = url("translate-item", french.pk, key)
    form = client.get(edit_url)
    assert form.status_code == 200
    # The field is typed in French, and the English text is shown beside it.
    assert 'lang="fr" dir="ltr"' in form.content.decode()
    assert "Action line 1.1 text." in form.content.decode()

    response = submit(
        client,
        edit_url,
        {"text": "Ligne d'action 1.1.", "note": "première version", "base_revision": 1},
    )

    french.refresh_from_db()
    assert response.status_code == 302
    assert french.text[key] == {"text": "Ligne d'action 1.1."}
    revision = french.revisions.first()
    assert (revision.item_key, revision.note) == (key, "première version")
    assert revision.text == french.text
    assert AuditEntry.objects.about(french).filter(target_label__contains="French").exists()


def test_a_stale_save_of_a_translated_item_is_refused_and_keeps_the_typed_text(
    french, translator, make_user
):
    other = make_user("olga", "Editor")
    key = keys_of(french.version)[2]
    edit_url = url("translate-item", french.pk, key)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(translator)
    second.force_login(other)
    base = review.latest_revision_id(of=french, item_key=key)
    first_page, second_page = first.get(edit_url), second.get(edit_url)
    first.post(
        edit_url,
        {
            "text": "Texte de Tom.",
            "note": "",
            "base_revision": base,
            "csrfmiddlewaretoken": csrf_token(first_page),
        },
    )

    response = second.post(
        edit_url,
        {
            "text": "Texte de Olga.",
            "note": "",
            "base_revision": base,
            "csrfmiddlewaretoken": csrf_token(second_page),
        },
    )

    content = response.content.decode()
    french.refresh_from_db()
    assert response.status_code == 200
    assert french.text[key] == {"text": "Texte de Tom."}
    assert "Someone else saved this item first" in content
    assert "Texte de Olga." in content
    assert "Texte de Tom." in content
    # Saving again deliberately replaces the other translator's text.
    page = parse_strict(response.content)
    new_base = page.find(".//{*}input[@name='base_revision']").get("value")
    second.post(
        edit_url,
        {
            "text": "Texte de Olga.",
            "note": "",
            "base_revision": new_base,
            "csrfmiddlewaretoken": csrf_token(response),
        },
    )
    french.refresh_from_db()
    assert french.text[key] == {"text": "Texte de Olga."}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("<script>alert(1)</script>", "Write plain text"),
        ("x" * 2_001, "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_translated_text_gets_a_clear_message_and_is_kept(
    french, translator, signed_in, text, message
):
    key = keys_of(french.version)[2]

    response = submit(
        signed_in(translator),
        url("translate-item", french.pk, key),
        {"text": text, "note": "", "base_revision": 1},
    )

    french.refresh_from_db()
    assert response.status_code == 200
    assert message in response.content.decode()
    assert key not in french.text
    if text:
        assert escape(text[:100]) in response.content.decode()


@pytest.mark.parametrize("key", ["nope", "00000000-0000-0000-0000-000000000000", "x" * 500])
def test_an_item_the_version_does_not_have_is_not_found(french, translator, signed_in, key):
    response = signed_in(translator).get(url("translate-item", french.pk, key))

    assert response.status_code == 404


def test_an_incomplete_translation_cannot_be_submitted(french, translator, signed_in):
    response = submit(
        signed_in(translator),
        url("translation-submit", french.pk),
        follow=True,
        page=url("translation", french.pk),
    )

    french.refresh_from_db()
    assert french.status == Translation.Status.DRAFT
    missing = len(keys_of(french.version))
    assert f"Translate every item before submitting: {missing} still missing." in (
        response.content.decode()
    )


def test_a_translator_can_neither_approve_nor_publish_their_own_translation(
    french, translator, make_user
):
    translate_everything(french, translator)
    review.submit(reviewed=french, by=translator)
    # Bea holds every role but has not worked on the translation; Tom now holds them all too.
    both = make_user("bea", "Editor", "Reviewer", "Publisher")
    translator.groups.add(*both.groups.all())

    with pytest.raises(VersionStateError, match="another reviewer"):
        review.approve(reviewed=french, by=translator)
    review.approve(reviewed=french, by=both)
    with pytest.raises(VersionStateError, match="another publisher"):
        review.publish(reviewed=french, by=translator)


def test_a_reviewer_sends_a_translation_back_with_a_note_that_the_translators_see(
    french, translator, reviewer, signed_in
):
    translate_everything(french, translator)
    review.submit(reviewed=french, by=translator)
    client = signed_in(reviewer)

    page = url("translation", french.pk)
    empty = submit(client, url("translation-send-back", french.pk), {"note": ""}, page=page)
    assert empty.status_code == 400
    response = submit(
        client,
        url("translation-send-back", french.pk),
        {"note": "Harmonise « connectivité »."},
        page=page,
    )

    french.refresh_from_db()
    assert response.status_code == 302
    assert french.status == Translation.Status.DRAFT
    page = signed_in(translator).get(url("translation", french.pk)).content.decode()
    assert "Harmonise « connectivité »." in page


def test_a_published_translation_is_what_readers_of_that_language_see(
    version, translator, reviewer, publisher, client
):
    published_french(version, translator, reviewer, publisher)

    response = Client().get("/fr/")

    content = response.content.decode()
    page = parse_strict(response.content)
    assert "FR Principle title 1" in content
    assert "FR Action line 2.2 text." in content
    assert "Principle title 1" not in content.replace("FR Principle title 1", "")
    # Shown as French (no English fallback marks), and said to be provisional.
    assert page.find(".//{*}h1").get("lang") is None
    assert "pas encore été traduit" not in content
    assert "provisoire" in content
    # English readers still read English.
    assert "FR " not in Client().get("/").content.decode()


def test_an_official_translation_is_said_to_be_official(version, translator, reviewer, publisher):
    published_french(version, translator, reviewer, publisher, standing="official")

    content = Client().get("/fr/").content.decode()

    assert "Traduction officielle." in content
    assert "provisoire" not in content


def test_revising_a_published_translation_replaces_what_readers_see_and_keeps_the_earlier_one(
    version, translator, reviewer, publisher
):
    first = published_french(version, translator, reviewer, publisher)
    revision = services.start_translation(version=version, language="fr", by=translator)
    key = keys_of(version)[1]  # principle 1
    assert revision.text == first.text
    assert revision.based_on == first

    services.save_translated_item(
        translation=revision,
        item_key=key,
        by=translator,
        values={"title": "Titre révisé", "explanation": "Pourquoi."},
        base_revision=review.latest_revision_id(of=revision, item_key=key),
    )
    review.submit(reviewed=revision, by=translator)
    review.approve(reviewed=revision, by=reviewer)
    review.publish(reviewed=revision, by=publisher)

    content = Client().get("/fr/").content.decode()
    assert "Titre révisé" in content
    assert "FR Principle title 1" not in content
    assert Translation.objects.published().of(version, "fr").count() == 2


def test_the_next_version_starts_from_the_translation_of_every_unchanged_item(
    version, declaration, translator, reviewer, publisher, editor
):
    published_french(version, translator, reviewer, publisher)
    declaration.refresh_from_db()
    draft = start_draft(declaration=declaration, by=editor)
    line = draft.principles.get(position=1).action_lines.get(position=1)
    save_item_text(
        item=line,
        by=editor,
        values={"text": "A reworded action line."},
        base_revision=review.latest_revision_id(of=draft, item_key=str(line.key)),
    )
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    version_2 = review.publish(reviewed=draft, by=publisher)

    # French readers keep the French of every unchanged item; the reworded line is in English.
    content = Client().get("/fr/").content.decode()
    assert "A reworded action line." in content
    assert "FR Principle title 1" in content

    with i18n.override("en"):
        translation = services.start_translation(version=version_2, language="fr", by=translator)

    assert str(line.key) not in translation.text
    assert translation.missing_items() == [str(line.key)]
    assert "6 items" in translation.revisions.get().summary


def test_publishing_a_translation_shows_at_once_on_the_cached_page(
    version, translator, reviewer, publisher, django_capture_on_commit_callbacks
):
    assert "FR " not in Client().get("/fr/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        published_french(version, translator, reviewer, publisher)

    assert "FR Principle title 1" in Client().get("/fr/").content.decode()


def test_revisions_of_a_translation_compare_word_by_word_in_its_language(
    french, translator, signed_in
):
    key = keys_of(french.version)[2]
    for text in ("Une ligne d'action.", "Une autre ligne d'action."):
        services.save_translated_item(
            translation=french,
            item_key=key,
            by=translator,
            values={"text": text},
            base_revision=review.latest_revision_id(of=french, item_key=key),
        )
    old, new = french.revisions.order_by("pk")[1:3]
    client = signed_in(translator)

    history = client.get(url("translation-history", french.pk))
    response = client.get(url("translation-compare", french.pk), {"old": old.pk, "new": new.pk})

    content = response.content.decode()
    assert history.status_code == 200
    parse_strict(history.content)
    assert response.status_code == 200
    assert 'lang="fr"' in content
    assert "autre" in content.split("<ins>")[1]


def test_an_earlier_translation_of_an_item_can_be_restored(french, translator, signed_in):
    key = keys_of(french.version)[2]
    services.save_translated_item(
        translation=french,
        item_key=key,
        by=translator,
        values={"text": "Premier."},
        base_revision=0,
    )
    first = french.revisions.first()
    services.save_translated_item(
        translation=french,
        item_key=key,
        by=translator,
        values={"text": "Second."},
        base_revision=first.pk,
    )

    response = submit(
        signed_in(translator),
        url("translation-restore", french.pk, first.pk),
        {"item_key": key},
        page=url("translate-item", french.pk, key),
    )

    french.refresh_from_db()
    assert response.status_code == 302
    assert french.text[key] == {"text": "Premier."}
    assert french.revisions.first().action == TranslationRevision.Action.RESTORE


def test_the_translation_workspace_reads_a_constant_number_of_queries(
    publish, translator, signed_in, django_assert_max_num_queries
):
    version = publish(principles=10, action_lines=10)
    translation = services.start_translation(version=version, language="ar", by=translator)
    client = signed_in(translator)

    with django_assert_max_num_queries(14):
        response = client.get(url("translation", translation.pk))

    assert response.status_code == 200
    with i18n.override("ar"):
        assert 'dir="rtl"' in response.content.decode()


def test_readers_cannot_reach_the_translation_workspace(french, client, make_user):
    anonymous = client.get(url("translation", french.pk))
    signed_in_without_role = Client()
    signed_in_without_role.force_login(make_user("nobody"))

    assert anonymous.status_code == 302
    assert signed_in_without_role.get(url("translation", french.pk)).status_code == 403


def test_publishing_a_revised_translation_renders_its_pdf_anew_and_drops_the_old_one(
    version, translator, reviewer, publisher, pdf_settings, django_capture_on_commit_callbacks
):
    pdf_settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    with django_capture_on_commit_callbacks(execute=True):
        published_french(version, translator, reviewer, publisher)
    first = DeclarationPdf.objects.get(version=version, language="fr")
    first_text = "\n".join(text_lines(first.file.read()))
    assert "FR Principle title 1" in first_text
    assert "traduction provisoire" in first_text
    revision = services.start_translation(version=version, language="fr", by=translator)
    key = keys_of(version)[1]
    services.save_translated_item(
        translation=revision,
        item_key=key,
        by=translator,
        values={"title": "Titre révisé", "explanation": "Pourquoi."},
        base_revision=review.latest_revision_id(of=revision, item_key=key),
    )
    review.submit(reviewed=revision, by=translator)
    review.approve(reviewed=revision, by=reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        review.publish(reviewed=revision, by=publisher)

    # Same signatories, new text: the French PDF was rendered again and replaced the old one.
    fresh = DeclarationPdf.objects.get(version=version, language="fr")
    assert fresh.pk != first.pk
    assert "Titre révisé" in "\n".join(text_lines(fresh.file.read()))
    assert not fresh.file.storage.exists(first.file.name)
    assert Client().get("/fr/declaration.pdf").status_code == 200
