"""A published version, the revisions and the audit log hold against bulk statements too:
queryset update(), delete() and bulk_create() are refused on every database, and on PostgreSQL
triggers refuse the same statements sent around the ORM (raw SQL, `_base_manager`)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError

from principles.drafting import review, translation_services
from principles.drafting.services import start_draft
from principles.models import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    AuditEntry,
    Principle,
    PrincipleText,
    PublishedVersionIsImmutable,
    Revision,
    RevisionIsImmutable,
    TranslationRevision,
    Version,
    VersionText,
)
from tests.principles.drafting.test_translations import published_french

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)
CONTENT = [VersionText, Principle, PrincipleText, ActionLine, ActionLineText]
APPEND_ONLY = [Revision, TranslationRevision, AuditEntry]


def source_rows(model, version):
    """The rows of `model` that make up `version`'s structure and source-language text."""
    rows = model.objects.filter(**{model.version_path: version})
    return rows.filter(language=SOURCE_LANGUAGE) if model.is_text else rows


def new_source_row(model, version):
    """A row of `model` that would add to `version`'s structure or source-language text."""
    principle = version.principles.first()
    line = principle.action_lines.first()
    return {
        VersionText: VersionText(version=version, title="New", preamble="New."),
        Principle: Principle(version=version, position=99),
        PrincipleText: PrincipleText(principle=principle, title="New"),
        ActionLine: ActionLine(principle=principle, position=99),
        ActionLineText: ActionLineText(action_line=line, text="New."),
    }[model]


def raw_sql(statement: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def published(draft):
    """Version 1, published, from which `draft` was started."""
    return Version.objects.get(pk=draft.based_on_id)


@pytest.fixture
def histories(published, draft, editor):
    """One row of each append-only kind: a revision and an audit entry of the draft, and a
    revision of a translation of the published version."""
    translation_services.start_translation(version=published, language="fr", by=editor)
    return {
        Revision: Revision.objects.filter(version=draft),
        TranslationRevision: TranslationRevision.objects.filter(translation__version=published),
        AuditEntry: AuditEntry.objects.all(),
    }


def test_a_published_version_refuses_bulk_updates_deletes_and_saves(published):
    with pytest.raises(PublishedVersionIsImmutable, match="published version"):
        Version.objects.filter(pk=published.pk).update(content_hash="forged")
    with pytest.raises(PublishedVersionIsImmutable):
        Version.objects.published().delete()
    published.content_hash = "forged"
    with pytest.raises(PublishedVersionIsImmutable):
        published.save()
    with pytest.raises(PublishedVersionIsImmutable):
        published.delete()

    published.refresh_from_db()
    assert published.compute_content_hash() == published.content_hash


@pytest.mark.parametrize("model", CONTENT, ids=lambda model: model.__name__)
def test_the_structure_and_source_text_of_a_published_version_refuse_bulk_statements(
    published, model
):
    rows = source_rows(model, published)
    before = published.snapshot()

    with pytest.raises(PublishedVersionIsImmutable, match=f"{model.__name__}.objects.update"):
        rows.update(id=F("id"))
    with pytest.raises(PublishedVersionIsImmutable, match=f"{model.__name__}.objects.delete"):
        rows.delete()
    with pytest.raises(PublishedVersionIsImmutable, match="bulk_create"):
        model.objects.bulk_create([new_source_row(model, published)])

    assert published.snapshot() == before


def test_bulk_statements_still_change_a_draft(draft):
    principle = draft.principles.get(position=3)

    Version.objects.filter(pk=draft.pk).update(content_hash="not yet")
    PrincipleText.objects.filter(principle__version=draft).update(title="Renamed")
    ActionLine.objects.filter(principle=principle).delete()
    Principle.objects.filter(pk=principle.pk).delete()
    [added] = Principle.objects.bulk_create([Principle(version=draft, position=3)])
    PrincipleText.objects.bulk_create([PrincipleText(principle=added, title="Added")])

    titles = [principle["title"] for principle in draft.snapshot()["principles"]]
    assert titles == ["Renamed", "Renamed", "Added"]
    assert Version.objects.get(pk=draft.pk).content_hash == "not yet"


def test_rows_of_a_published_version_in_other_languages_stay_writable(published):
    principle = published.principles.first()

    PrincipleText.objects.bulk_create(
        [PrincipleText(principle=principle, language="fr", title="Un")]
    )
    PrincipleText.objects.filter(principle=principle, language="fr").update(title="Deux")
    assert principle.texts.get(language="fr").title == "Deux"
    PrincipleText.objects.filter(principle=principle, language="fr").delete()
    assert not principle.texts.filter(language="fr").exists()


def test_publishing_a_translation_into_a_published_version_still_works(
    published, editor, reviewer, publisher
):
    published_french(published, editor, reviewer, publisher)

    assert published.translated_languages() == ["fr"]
    assert PrincipleText.objects.filter(principle__version=published, language="fr").count() == 3
    published.refresh_from_db()
    assert published.compute_content_hash() == published.content_hash


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda model: model.__name__)
def test_revisions_and_audit_entries_refuse_bulk_updates_and_deletes(histories, model):
    rows = histories[model]
    row = rows.first()
    count = rows.count()

    with pytest.raises(RevisionIsImmutable, match="only ever added"):
        rows.update(created_at=row.created_at)
    with pytest.raises(RevisionIsImmutable, match="only ever added"):
        rows.delete()
    with pytest.raises(RevisionIsImmutable, match="only ever added"):
        model.objects.bulk_create([row], update_conflicts=True, unique_fields=["pk"])
    with pytest.raises(RevisionIsImmutable):
        row.save()
    with pytest.raises(RevisionIsImmutable):
        row.delete()

    assert rows.count() == count


def test_a_draft_or_translation_with_revisions_is_never_deleted(histories, draft):
    translation = histories[TranslationRevision].get().translation

    with pytest.raises(ProtectedError):
        Version.objects.filter(pk=draft.pk).delete()
    with pytest.raises(ProtectedError):
        translation.delete()

    assert histories[Revision].exists()
    assert histories[TranslationRevision].exists()


def test_revisions_and_audit_entries_are_still_added(draft, editor):
    count = AuditEntry.objects.count()

    review.submit(reviewed=draft, by=editor)

    assert AuditEntry.objects.count() == count + 1


def test_the_loaded_declaration_is_published_and_frozen(db):
    call_command("load_declaration", stdout=StringIO())
    version = Version.objects.get()

    assert version.is_published
    with pytest.raises(PublishedVersionIsImmutable):
        source_rows(ActionLineText, version).update(text="Changed")


@pytest.mark.django_db(transaction=True)
def test_emptying_the_database_between_tests_still_works(publish, editor):
    version = publish()
    start_draft(declaration=version.declaration, by=editor)

    call_command("flush", interactive=False, verbosity=0)

    assert not Version.objects.exists()
    assert not Revision.objects.exists()


@on_postgresql
def test_on_postgresql_a_published_version_refuses_raw_updates_and_deletes(published):
    for statement in (
        "UPDATE principles_version SET content_hash = 'forged' WHERE id = %s",
        "DELETE FROM principles_version WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="published_version_is_immutable"):
            raw_sql(statement, [published.pk])

    published.refresh_from_db()
    assert published.compute_content_hash() == published.content_hash


@on_postgresql
@pytest.mark.parametrize("model", CONTENT, ids=lambda model: model.__name__)
def test_on_postgresql_a_published_version_refuses_statements_around_the_orm(published, model):
    table, pk = model._meta.db_table, source_rows(model, published).first().pk
    before = published.snapshot()

    with pytest.raises(IntegrityError, match="published_version_is_immutable"):
        raw_sql(f"UPDATE {table} SET id = id WHERE id = %s", [pk])
    with pytest.raises(IntegrityError, match="published_version_is_immutable"):
        raw_sql(f"DELETE FROM {table} WHERE id = %s", [pk])
    with (
        pytest.raises(IntegrityError, match="published_version_is_immutable"),
        transaction.atomic(),
    ):
        model._base_manager.bulk_create([new_source_row(model, published)])

    assert published.snapshot() == before


@on_postgresql
def test_on_postgresql_raw_statements_still_change_a_draft_and_translations(draft, published):
    raw_sql(
        "UPDATE principles_principletext SET title = 'Renamed' WHERE principle_id IN "
        "(SELECT id FROM principles_principle WHERE version_id = %s)",
        [draft.pk],
    )
    raw_sql("UPDATE principles_version SET content_hash = 'not yet' WHERE id = %s", [draft.pk])
    VersionText._base_manager.bulk_create(
        [VersionText(version=published, language="fr", title="Titre", preamble="Préambule.")]
    )
    raw_sql(
        "UPDATE principles_versiontext SET title = 'Autre' WHERE version_id = %s "
        "AND language = 'fr'",
        [published.pk],
    )

    assert {p["title"] for p in draft.snapshot()["principles"]} == {"Renamed"}
    assert published.texts.get(language="fr").title == "Autre"


@on_postgresql
@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda model: model.__name__)
def test_on_postgresql_revisions_and_audit_entries_refuse_raw_updates_and_deletes(histories, model):
    table, pk = model._meta.db_table, histories[model].first().pk
    rule = {
        Revision: "revision_is_append_only",
        TranslationRevision: "translation_revision_is_append_only",
        AuditEntry: "audit_entry_is_append_only",
    }[model]

    with pytest.raises(IntegrityError, match=rule):
        raw_sql(f"UPDATE {table} SET id = id WHERE id = %s", [pk])
    with pytest.raises(IntegrityError, match=rule):
        raw_sql(f"DELETE FROM {table} WHERE id = %s", [pk])

    assert model.objects.filter(pk=pk).exists()
