"""The one review workflow that drafts and translations share: the same guarded transitions,
the four-eyes rule that no argument can skip, and the same named constraints in the database."""

import pytest
from django.db import IntegrityError, connection, transaction

from principles.drafting import review
from principles.drafting import translation_services as translations
from principles.drafting.services import (
    create_draft_from_text,
    publish_loaded_draft,
    save_item_text,
)
from principles.models import Translation, Version, VersionStateError
from tests.conftest import declaration_text


def translated_completely(version, by) -> Translation:
    translation = translations.start_translation(version=version, language="fr", by=by)
    source = translation.source()
    keys = ["version"]
    for principle in source["principles"]:
        keys += [principle["key"], *(line["key"] for line in principle["action_lines"])]
    for key in keys:
        item = translations.source_item(source, key)
        translations.save_translated_item(
            translation=translation,
            item_key=key,
            by=by,
            values={name: f"FR {value}" for name, value in item.items() if name != "number"},
            base_revision=review.latest_revision_id(of=translation, item_key=key),
        )
    return translation


@pytest.fixture(params=["draft", "translation"])
def reviewed(request, draft, editor, declaration):
    """A draft, or a complete translation of the current version, each by `editor`."""
    if request.param == "draft":
        return draft
    declaration.refresh_from_db()
    return translated_completely(declaration.current_version, editor)


def test_publishing_without_naming_the_publisher_is_a_type_error(reviewed, editor, reviewer):
    review.submit(reviewed=reviewed, by=editor)
    review.approve(reviewed=reviewed, by=reviewer)

    with pytest.raises(TypeError):
        review.publish(reviewed=reviewed)
    with pytest.raises(TypeError):
        reviewed.publish()
    reviewed.refresh_from_db()
    assert reviewed.status == reviewed.Status.APPROVED


def test_no_author_may_approve_or_publish_whatever_is_reviewed(reviewed, editor, reviewer):
    review.submit(reviewed=reviewed, by=editor)
    with pytest.raises(VersionStateError, match="another reviewer"):
        review.approve(reviewed=reviewed, by=editor)
    review.approve(reviewed=reviewed, by=reviewer)

    with pytest.raises(VersionStateError, match="another publisher"):
        review.publish(reviewed=reviewed, by=editor)
    reviewed.refresh_from_db()
    assert reviewed.status == reviewed.Status.APPROVED


def test_the_loaders_publication_refuses_a_draft_edited_in_the_workspace(draft, editor):
    line = draft.principles.first().action_lines.first()
    save_item_text(item=line, by=editor, values={"text": "Unreviewed words."}, base_revision=0)

    with pytest.raises(VersionStateError, match="must be reviewed"):
        publish_loaded_draft(draft=draft)
    draft.refresh_from_db()
    assert draft.status == Version.Status.DRAFT


def test_the_loaders_publication_refuses_a_draft_in_review(declaration, editor):
    draft = create_draft_from_text(declaration=declaration, text=declaration_text())
    review.submit(reviewed=draft, by=editor)

    with pytest.raises(VersionStateError):
        publish_loaded_draft(draft=draft)


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("approve", "draft"),
        ("send_back", "draft"),
        ("publish", "draft"),
        ("submit", "submitted"),
        ("publish", "submitted"),
        ("approve", "approved"),
    ],
)
def test_each_step_refuses_the_wrong_state_for_both_kinds(
    reviewed, editor, reviewer, publisher, step, state
):
    if state != "draft":
        review.submit(reviewed=reviewed, by=editor)
    if state == "approved":
        review.approve(reviewed=reviewed, by=reviewer)
    arguments = {
        "submit": {"by": editor},
        "approve": {"by": reviewer},
        "send_back": {"by": reviewer},
        "publish": {"by": publisher},
    }[step]

    with pytest.raises(VersionStateError):
        getattr(review, step)(reviewed=reviewed, **arguments)
    reviewed.refresh_from_db()
    assert reviewed.status == state


def test_the_workflows_constraints_are_named_after_each_kind(db):
    with connection.cursor() as cursor:
        names = {
            model: set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            for model in (Version, Translation)
        }

    for model, prefix in [(Version, "version"), (Translation, "translation")]:
        assert {f"{prefix}_one_in_review", f"{prefix}_published_at_iff_published"} <= names[model]


def test_the_database_refuses_two_drafts_of_a_declaration_in_review(draft, declaration, editor):
    other = create_draft_from_text(declaration=declaration, text=declaration_text())
    Version.objects.filter(pk=draft.pk).update(status="submitted")

    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.filter(pk=other.pk).update(status="approved")


def test_the_database_refuses_two_translations_of_a_version_and_language_in_review(publish, editor):
    version = publish()
    french = translated_completely(version, editor)
    review.submit(reviewed=french, by=editor)

    with pytest.raises(IntegrityError), transaction.atomic():
        Translation.objects.create(version=version, language="fr", status="submitted")


def test_the_database_refuses_a_publication_date_outside_publication_for_both_kinds(reviewed):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(reviewed).objects.filter(pk=reviewed.pk).update(published_at="2021-12-14T10:00Z")
