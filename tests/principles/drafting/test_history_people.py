"""The histories of drafts and translations, and the audit log, name people as colleagues know
them and give each time with its zone, in the reader's language."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from declaration_site.templatetags.staff import moment
from principles.drafting import translation_services
from principles.models import AuditEntry, Revision, TranslationRevision

SAVED_AT = datetime.datetime(2026, 12, 4, 14, 5, tzinfo=datetime.UTC)


@pytest.fixture
def edith(make_user):
    user = make_user("edith", "Editor", "Publisher")
    user.first_name, user.last_name = "Edith", "Ndlovu"
    user.save()
    return user


def shown(moment_in_time, language="en") -> str:
    """How a page in `language` shows a time, zone included."""
    with translation.override(language):
        return moment(moment_in_time)


def test_a_time_is_shown_with_its_zone_in_the_reader_s_language(settings):
    assert shown(SAVED_AT) == (
        '<time datetime="2026-12-04T14:05:00+00:00">4 Dec 2026, 14:05 UTC</time>'
    )
    assert "14:05 UTC</time>" in shown(SAVED_AT, "ar")
    settings.TIME_ZONE = "America/Lima"
    assert shown(SAVED_AT, "fr") == (
        '<time datetime="2026-12-04T09:05:00-05:00">04/12/2026 09:05 UTC-05</time>'
    )


def test_the_history_of_a_draft_names_people_and_gives_the_zone(draft, editor, edith, signed_in):
    editor.first_name = "Ed"
    editor.last_name = "Okafor"
    editor.save()

    page = signed_in(edith).get(reverse("drafting:history", args=[draft.pk])).content.decode()

    assert "<td>Ed Okafor</td>" in page
    assert shown(Revision.objects.get(version=draft).created_at) in page


def test_someone_without_a_full_name_is_named_by_username(draft, edith, signed_in):
    page = signed_in(edith).get(reverse("drafting:history", args=[draft.pk])).content.decode()

    assert "<td>ed</td>" in page


def test_the_history_of_a_translation_gives_the_time_in_the_reader_s_language(
    publish, edith, signed_in, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    version = publish(principles=1, action_lines=1)
    french = translation_services.start_translation(version=version, language="fr", by=edith)

    page = signed_in(edith).get(f"/fr/drafting/translations/{french.pk}/history/")

    text = page.content.decode()
    assert "<td>Edith Ndlovu</td>" in text
    started = TranslationRevision.objects.get(translation=french).created_at
    assert shown(started, "fr") in text
    assert "+01:00" in shown(started, "fr") or "+02:00" in shown(started, "fr")


def test_the_audit_log_names_people_and_gives_the_zone(draft, editor, edith, signed_in):
    editor.first_name = "Ed"
    editor.save()

    page = signed_in(edith).get("/ar/audit/").content.decode()

    assert "<td>Ed</td>" in page
    assert shown(AuditEntry.objects.get(actor=editor).created_at, "ar") in page
    assert f'<option value="{edith.pk}">Edith Ndlovu</option>' not in page
    assert f'<option value="{editor.pk}">Ed</option>' in page
