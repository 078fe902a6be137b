import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from principles.drafting.services import (
    create_draft_from_text,
    publish_loaded_draft,
    publish_loaded_text,
)
from principles.models import (
    ActionLineText,
    Declaration,
    Principle,
    PrincipleText,
    PublishedVersionIsImmutable,
    Version,
    VersionStateError,
    VersionText,
)
from tests.conftest import declaration_text


def test_publishing_numbers_versions_in_order_and_makes_the_latest_current(publish, declaration):
    first = publish()
    second = publish()

    declaration.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert declaration.current_version == second
    assert first.published_at <= second.published_at


def test_a_published_version_refuses_any_change_to_its_text(publish):
    version = publish()
    principle = version.principles.first()
    action_line_text = ActionLineText.objects.filter(action_line__principle=principle).first()

    version_text = VersionText.objects.get(version=version)
    version_text.title = "Changed"
    with pytest.raises(PublishedVersionIsImmutable):
        version_text.save()
    with pytest.raises(PublishedVersionIsImmutable):
        action_line_text.delete()
    with pytest.raises(PublishedVersionIsImmutable):
        Principle.objects.create(version=version, position=99)

    assert Version.objects.get(pk=version.pk).compute_content_hash() == version.content_hash


def test_publishing_a_version_twice_is_refused(publish):
    version = publish()

    with pytest.raises(VersionStateError):
        publish_loaded_draft(draft=version)
    assert Version.objects.published().count() == 1


def test_a_version_without_principles_cannot_be_published(declaration):
    draft = create_draft_from_text(declaration=declaration, text=declaration_text(principles=0))

    with pytest.raises(VersionStateError):
        publish_loaded_draft(draft=draft)
    draft.refresh_from_db()
    assert draft.status == Version.Status.DRAFT


def test_the_content_hash_identifies_the_text(declaration):
    same_a = create_draft_from_text(declaration=declaration, text=declaration_text())
    same_b = create_draft_from_text(declaration=declaration, text=declaration_text())
    reworded_text = declaration_text()
    reworded_text["principles"][1]["action_lines"][0] = "A reworded action line."
    reworded = create_draft_from_text(declaration=declaration, text=reworded_text)

    assert same_a.compute_content_hash() == same_b.compute_content_hash()
    assert same_a.compute_content_hash() != reworded.compute_content_hash()
    assert len(same_a.compute_content_hash()) == 64


def test_the_database_refuses_two_versions_with_one_number(publish, declaration):
    publish()

    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(
            declaration=declaration, status="published", number=1, published_at="2021-12-14T10:00Z"
        )


def test_the_database_refuses_a_published_version_without_a_number(declaration):
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(declaration=declaration, status="published")


def test_text_is_shown_in_the_readers_language_and_falls_back_to_english(declaration):
    draft = create_draft_from_text(declaration=declaration, text=declaration_text())
    first_principle = draft.principles.get(position=1)
    PrincipleText.objects.create(
        principle=first_principle, language="fr", title="Titre du principe 1"
    )
    version = publish_loaded_draft(draft=draft)

    with translation.override("fr"):
        reading = Version.objects.with_text().get(pk=version.pk)
        titles = [principle.text.title for principle in reading.principles.all()]
    with translation.override("en"):
        english = Version.objects.with_text().get(pk=version.pk)
        english_titles = [principle.text.title for principle in english.principles.all()]

    assert titles == ["Titre du principe 1", "Principle title 2", "Principle title 3"]
    assert english_titles[0] == "Principle title 1"


def test_the_site_reads_only_the_declaration_it_serves(publish, declaration):
    served = publish()
    other = Declaration.objects.create(slug="another-declaration")
    elsewhere = publish_loaded_text(declaration=other, text=declaration_text())

    assert list(Declaration.objects.served()) == [declaration]
    assert list(Version.objects.served().published()) == [served]
    assert list(Version.objects.current()) == [served]
    assert elsewhere.number == served.number == 1
