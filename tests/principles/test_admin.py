"""The admin shows what was written, by whom and when (revisions, translations, their revisions,
review comments, PDFs, the audit log) and changes none of it."""

import pytest
from django.test import Client

from principles.drafting import translation_services
from principles.drafting.services import save_item_text
from principles.models import (
    AuditEntry,
    DeclarationPdf,
    ReviewComment,
    Revision,
    Translation,
    TranslationRevision,
    Version,
)

READ_ONLY = [Revision, Translation, TranslationRevision, ReviewComment, DeclarationPdf, AuditEntry]


@pytest.fixture
def recorded(draft, editor, declaration):
    """One row of each kind: a draft with an edit, a comment, a French translation and a PDF."""
    editor.first_name, editor.last_name = "Edith", "Ndlovu"
    editor.save()
    line = draft.principles.first().action_lines.first()
    save_item_text(
        item=line,
        values={"text": "Every school connected by 2030."},
        by=editor,
        base_revision=Revision.objects.filter(version=draft).latest("pk").pk,
        note="Shorter",
    )
    ReviewComment.objects.create(
        version=draft, author=editor, item_key=str(line.key), text="Say which schools."
    )
    published = Version.objects.published().get()
    translation_services.start_translation(version=published, language="ar", by=editor)
    pdf = DeclarationPdf.objects.create(
        version=published,
        language="en",
        snapshot_hash="a" * 64,
        signatory_count=2,
        snapshot_taken_at=published.published_at,
        file="declarations/test/v1/en/" + "a" * 64 + ".pdf",
        size=123_456,
        last_matched_at=published.published_at,
    )
    return {
        Revision: Revision.objects.filter(version=draft).latest("pk"),
        Translation: Translation.objects.get(),
        TranslationRevision: TranslationRevision.objects.get(),
        ReviewComment: ReviewComment.objects.get(),
        DeclarationPdf: pdf,
        AuditEntry: AuditEntry.objects.filter(action="draft.edit").get(),
    }


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "a-long-pw-1")


def admin_url(model, view: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:principles_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_a_superuser_reads_each_record_and_can_change_none(recorded, superuser, model):
    client = Client()
    client.force_login(superuser)
    row = recorded[model]

    listed = client.get(admin_url(model, "changelist"))
    shown = client.get(admin_url(model, "change", row.pk))

    assert listed.status_code == 200
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "change", row.pk), {}).status_code == 403
    assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_records_name_people_link_to_each_other_and_read_as_text(recorded, superuser):
    client = Client()
    client.force_login(superuser)

    revision = client.get(admin_url(Revision, "change", recorded[Revision].pk)).content.decode()
    translation = client.get(
        admin_url(Translation, "change", recorded[Translation].pk)
    ).content.decode()
    entry = client.get(admin_url(AuditEntry, "change", recorded[AuditEntry].pk)).content.decode()
    pdf = client.get(admin_url(DeclarationPdf, "change", recorded[DeclarationPdf].pk))

    assert "Edith Ndlovu" in revision
    assert admin_url(Version, "change", recorded[Revision].version_id) in revision
    assert "&quot;text&quot;: &quot;Every school connected by 2030.&quot;" in revision
    assert f"?translation__id__exact={recorded[Translation].pk}" in translation
    assert admin_url(Version, "change", recorded[Revision].version_id) in entry
    assert "declarations/test/v1/en/" in pdf.content.decode()
    assert b"%PDF" not in pdf.content


@pytest.mark.parametrize(
    ("model", "query", "found"),
    [
        (Revision, {"q": "Shorter"}, 1),
        (Revision, {"action__exact": "start"}, 1),
        (ReviewComment, {"q": "which schools"}, 1),
        (Translation, {"language__exact": "fr"}, 0),
        (TranslationRevision, {"translation__language": "ar"}, 1),
        (DeclarationPdf, {"language__exact": "en"}, 1),
        (AuditEntry, {"q": "ndlovu"}, 3),
        (AuditEntry, {"action__exact": "draft.edit"}, 1),
    ],
)
def test_the_lists_filter_and_search(recorded, superuser, model, query, found):
    client = Client()
    client.force_login(superuser)

    response = client.get(admin_url(model, "changelist"), query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == found
