"""The audit entries written before the log had one shape are converted both ways: drafting
entries about their draft, translation entries about their translation, codes namespaced."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("principles", "0008_audit_entries_with_generic_targets")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_entries(transactional_db):
    """Entries as the code before the one log wrote them: the database is migrated back to
    write them, and forward again afterwards."""
    apps = migrate(BEFORE)
    User = apps.get_model("auth", "User")
    Declaration = apps.get_model("principles", "Declaration")
    Version = apps.get_model("principles", "Version")
    Translation = apps.get_model("principles", "Translation")
    AuditEntry = apps.get_model("principles", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ed = User.objects.create(username="ed")
    declaration = Declaration.objects.create(slug="test")
    published = Version.objects.create(
        declaration=declaration, status="published", number=1, published_at=timezone.now()
    )
    draft = Version.objects.create(declaration=declaration, based_on=published)
    french = Translation.objects.create(version=published, language="fr")
    endorsement_type, _ = ContentType.objects.get_or_create(
        app_label="endorsements", model="endorsement"
    )

    def entry(version, action, detail="", **target):
        return AuditEntry.objects.create(
            version=version, actor=ed, action=action, detail=detail, **target
        ).pk

    yield {
        "draft": draft.pk,
        "published": published.pk,
        "french": french.pk,
        "submit": entry(draft, "submit"),
        "send_back": entry(draft, "send_back", "1 comment"),
        "english": entry(published, "edit", "Translation (French): Translated principle 1"),
        "in_french": entry(published, "submit", "Traduction (Français)"),
        "russian": entry(published, "edit", "Translation (Russian): Translated the title"),
        "moderation": entry(
            None,
            "endorsement.approve",
            target_type=endorsement_type,
            target_id=7,
            target_label="Org (FR)",
        ),
    }
    migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_old_entries_are_namespaced_and_about_their_draft_or_translation_and_back(old_entries):
    apps = migrate(latest())
    AuditEntry = apps.get_model("principles", "AuditEntry")

    def read(name):
        entry = AuditEntry.objects.select_related("target_type").get(pk=old_entries[name])
        return (
            entry.action,
            entry.target_type.model,
            entry.target_id,
            entry.target_label,
            entry.detail,
        )

    draft, published, french = (old_entries[k] for k in ["draft", "published", "french"])
    assert read("submit") == ("draft.submit", "version", draft, f"test draft {draft}", "")
    assert read("send_back")[:2] == ("draft.send_back", "version")
    assert read("english") == (
        "translation.edit",
        "translation",
        french,
        "test v1, French (Draft)",
        "Translated principle 1",
    )
    assert read("in_french") == (
        "translation.submit",
        "translation",
        french,
        read("english")[3],
        "",
    )
    assert read("russian") == (
        "translation.edit",
        "version",
        published,
        "test v1",
        "Translation (Russian): Translated the title",
    )
    assert read("moderation") == ("endorsement.approve", "endorsement", 7, "Org (FR)", "")

    apps = migrate(BEFORE)
    AuditEntry = apps.get_model("principles", "AuditEntry")
    back = {
        name: AuditEntry.objects.values("version", "action", "detail").get(pk=old_entries[name])
        for name in ["submit", "send_back", "english", "in_french", "russian", "moderation"]
    }
    assert back["submit"] == {"version": draft, "action": "submit", "detail": ""}
    assert back["send_back"] == {"version": draft, "action": "send_back", "detail": "1 comment"}
    assert back["english"] == {
        "version": published,
        "action": "edit",
        "detail": "Translation (French): Translated principle 1",
    }
    assert back["in_french"] == {
        "version": published,
        "action": "submit",
        "detail": "Translation (French)",
    }
    assert back["russian"]["detail"] == "Translation (Russian): Translated the title"
    assert back["moderation"] == {"version": None, "action": "endorsement.approve", "detail": ""}
