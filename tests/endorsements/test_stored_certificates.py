"""Certificates are rendered by the task worker and stored, not rendered per download; what
they state changing renders a new one, and the endorsement leaving the public list deletes it."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from endorsements import certificate as certificates
from endorsements.models import CertificatePdf, Endorsement, EndorsementChange
from endorsements.self_service.services import approve_change, ask_for_new_name
from endorsements.services import revoke_approval, withdraw_endorsement
from principles.models import VersionText
from principles.pdf.signing import verify_pdf
from principles.pdf.tasks import after_translation_change
from tests.principles.pdf.pdf_reading import text_lines

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@pytest.fixture
def renders(monkeypatch):
    """The certificates laid out by WeasyPrint during the test, by their text."""
    laid_out = []
    real_render = certificates.render_pdf

    def counting(html):
        laid_out.append(html)
        return real_render(html)

    monkeypatch.setattr(certificates, "render_pdf", counting)
    return laid_out


def link_of(endorsement) -> str:
    return f"/endorsers/certificate/{endorsement.link_token('certificate')}.pdf"


def stored_text(endorsement) -> str:
    stored = CertificatePdf.objects.get(endorsement=endorsement)
    with stored.file.open("rb") as file:
        return "\n".join(text_lines(file.read()))


def test_approval_stores_the_certificate_through_the_worker(
    make_endorsement, approve, pdf_settings, renders
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")

    approve(endorsement)

    stored = CertificatePdf.objects.get(endorsement=endorsement)
    assert (stored.organisation_name, stored.version, stored.language) == (
        "Red de Escuelas Rurales",
        endorsement.version,
        "en",
    )
    assert default_storage.exists(stored.file.name)
    assert stored.file.name.startswith(f"certificates/{endorsement.public_id}/")
    assert stored.size == default_storage.size(stored.file.name)
    assert "Red de Escuelas Rurales" in stored_text(endorsement)
    assert len(renders) == 1


def test_downloads_serve_the_stored_file_and_render_nothing(
    make_endorsement, approve, pdf_settings, client, renders
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    stored = CertificatePdf.objects.get(endorsement=endorsement)

    first, second = client.get(link_of(endorsement)), client.get(link_of(endorsement))

    with stored.file.open("rb") as file:
        content = file.read()
    assert first.getvalue() == second.getvalue() == content
    assert len(renders) == 1  # the worker's
    assert first["Content-Disposition"] == 'inline; filename="endorsement-certificate.pdf"'
    assert first["Content-Language"] == "en"
    assert first["Cache-Control"] == "private, max-age=300"


def test_the_stored_certificate_is_genuine_for_the_check_page(
    make_endorsement, approve, pdf_settings
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)

    with CertificatePdf.objects.get(endorsement=endorsement).file.open("rb") as file:
        assert verify_pdf(file.read()).is_genuine


def test_a_download_reads_two_rows(
    make_endorsement, approve, pdf_settings, client, django_assert_num_queries
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    link = link_of(endorsement)

    # The endorsement the link names, then its stored certificate.
    with django_assert_num_queries(2):
        response = client.get(link)

    assert response.status_code == 200


def test_a_new_name_renders_a_new_certificate_and_deletes_the_old_file(
    make_endorsement,
    approve,
    moderator,
    pdf_settings,
    client,
    renders,
    django_capture_on_commit_callbacks,
):
    endorsement = make_endorsement("Open Schools Network", country="KE", status="confirmed")
    approve(endorsement)
    old = CertificatePdf.objects.get(endorsement=endorsement).file.name
    ask_for_new_name(endorsement, name="Open Schools Kenya", country="KE")

    with django_capture_on_commit_callbacks(execute=True):
        approve_change(change=EndorsementChange.objects.get(), moderator=moderator)

    stored = CertificatePdf.objects.get(endorsement=endorsement)
    assert stored.organisation_name == "Open Schools Kenya"
    assert stored.file.name != old
    assert not default_storage.exists(old)
    text = "\n".join(text_lines(client.get(link_of(endorsement)).getvalue()))
    assert "Open Schools Kenya" in text
    assert len(renders) == 2


def test_a_refresh_with_nothing_changed_renders_nothing(
    make_endorsement, approve, pdf_settings, renders
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    stored = CertificatePdf.objects.get(endorsement=endorsement)

    again = certificates.store_certificate(endorsement_id=endorsement.pk)

    assert (again.pk, again.file.name) == (stored.pk, stored.file.name)
    assert len(renders) == 1


def test_a_withdrawal_deletes_the_stored_certificate_and_the_link_says_410(
    make_endorsement, approve, pdf_settings, client, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Gone Org", status="confirmed")
    approve(endorsement)
    name = CertificatePdf.objects.get(endorsement=endorsement).file.name

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorsement)

    assert not CertificatePdf.objects.exists()
    assert not default_storage.exists(name)
    response = client.get(link_of(endorsement))
    assert response.status_code == 410
    assert b"is not on the public list of endorsers" in response.content


def test_a_revoked_approval_deletes_the_stored_certificate(
    make_endorsement, approve, moderator, pdf_settings, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Doubtful Org", status="confirmed")
    approve(endorsement)
    name = CertificatePdf.objects.get(endorsement=endorsement).file.name

    with django_capture_on_commit_callbacks(execute=True):
        revoke_approval(endorsement=endorsement, moderator=moderator, reason="Not who they said")

    assert not CertificatePdf.objects.exists()
    assert not default_storage.exists(name)


def test_the_link_still_serves_the_certificate_after_a_second_version_is_published(
    make_endorsement, approve, pdf_settings, client, publish, renders
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)

    publish(principles=3, action_lines=2)
    response = client.get(link_of(endorsement))

    assert response.status_code == 200
    assert "version 1" in "\n".join(text_lines(response.getvalue())).lower()
    assert len(renders) == 1


def test_a_certificate_not_stored_yet_is_rendered_by_one_download_at_a_time(
    make_endorsement, pdf_settings, client, renders
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE")  # worker behind
    cache.add(f"certificate-first-render:{endorsement.pk}:lock", True, 60)

    waiting = client.get(link_of(endorsement))

    assert waiting.status_code == 503
    assert waiting["Retry-After"] == "10"
    assert b"Your signed certificate is being made right now" in waiting.content
    assert renders == []

    cache.delete(f"certificate-first-render:{endorsement.pk}:lock")
    first, second = client.get(link_of(endorsement)), client.get(link_of(endorsement))

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(renders) == 1
    assert CertificatePdf.objects.filter(endorsement=endorsement).exists()


def test_a_first_render_that_fails_is_handed_to_the_worker_not_tried_by_every_download(
    make_endorsement, pdf_settings, client, renders
):
    pdf_settings.TASKS = DATABASE_TASKS
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE")
    pdf_settings.PDF_RENDER_TIMEOUT_SECONDS = 0.01

    failed, again = client.get(link_of(endorsement)), client.get(link_of(endorsement))

    assert (failed.status_code, again.status_code) == (503, 503)
    assert failed["Retry-After"] == "120"
    assert b"Your signed certificate is not ready yet" in again.content
    assert len(renders) == 1
    retry = DBTaskResult.objects.get(task_path="endorsements.tasks.refresh_certificate")
    assert retry.args_kwargs["kwargs"] == {"endorsement_id": endorsement.pk}
    assert not CertificatePdf.objects.exists()


def test_a_translated_title_renders_the_certificates_in_that_language_anew(
    make_endorsement, pdf_settings, client, renders, django_capture_on_commit_callbacks
):
    french = make_endorsement("Écoles Rurales", country="FR", language="fr")
    english = make_endorsement("Rural Schools", country="GB", language="en")
    for endorsement in (french, english):
        certificates.store_certificate(endorsement_id=endorsement.pk)
    assert "Test Declaration" in stored_text(french)

    # What publishing a French translation of the version writes, then queues.
    with django_capture_on_commit_callbacks(execute=True):
        VersionText.objects.bulk_create(
            [VersionText(version=french.version, language="fr", title="Déclaration")]
        )
        after_translation_change(version_id=french.version_id, language="fr", rerender=False)

    assert "Déclaration" in stored_text(french)
    assert len(renders) == 3  # the two first, then the French one again


def test_render_pdfs_queues_the_missing_and_outdated_certificates(
    make_endorsement, pdf_settings, renders
):
    make_endorsement("Never Rendered")
    outdated = make_endorsement("Rendered Elsewhere")
    certificates.store_certificate(endorsement_id=outdated.pk)
    gone = make_endorsement("Gone Org")
    certificates.store_certificate(endorsement_id=gone.pk)
    Endorsement.objects.filter(pk=gone.pk).update(status="withdrawn")
    pdf_settings.SITE_URL = "https://new.example.org"
    out = StringIO()

    call_command("render_pdfs", stdout=out)

    assert "2 certificate(s) queued for the task worker, 0 already up to date." in out.getvalue()
    assert set(CertificatePdf.objects.values_list("endorsement__organisation_name", flat=True)) == {
        "Never Rendered",
        "Rendered Elsewhere",
    }
    assert "https://new.example.org" in stored_text(outdated).replace("\n", "")


def test_a_stored_certificate_whose_timestamp_expires_soon_gets_a_new_one(
    make_endorsement,
    approve,
    long_term_pdf_settings,
    timestamp_authority,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """The daily renewal keeps certificates verifiable as it does the declaration's PDFs."""
    from datetime import timedelta

    from principles.pdf.renewal import renew_timestamps
    from principles.pdf.signing import Level, Verdict
    from tests.conftest import running_timestamp_authority

    with running_timestamp_authority(tmp_path / "short-lived", days=10) as short_lived:
        trust = tmp_path / "trusted-authorities.pem"
        trust.write_bytes(short_lived.trust.read_bytes() + timestamp_authority.trust.read_bytes())
        long_term_pdf_settings.PDF_TIMESTAMP_URL = short_lived.url
        long_term_pdf_settings.PDF_TIMESTAMP_TRUST = str(trust)
        endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
        approve(endorsement)
    stored = CertificatePdf.objects.get(endorsement=endorsement)
    old_bytes = stored.file.read()
    long_term_pdf_settings.PDF_TIMESTAMP_URL = timestamp_authority.url

    with django_capture_on_commit_callbacks(execute=True):
        renewed_count, failed = renew_timestamps(within=timedelta(days=30))

    assert (renewed_count, failed) == (1, 0)  # the certificate; the declaration has no PDF here
    stored.refresh_from_db()
    renewed = stored.file.read()
    assert renewed.startswith(old_bytes)
    verification = verify_pdf(renewed)
    assert (verification.verdict, verification.level) == (Verdict.GENUINE, Level.B_LTA)


def test_behind_nginx_the_certificate_is_sent_by_nginx_and_stays_private(
    make_endorsement, approve, pdf_settings, client, settings
):
    settings.X_ACCEL_REDIRECT_PREFIX = "/_stored/"
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    stored = CertificatePdf.objects.get(endorsement=endorsement)

    response = client.get(link_of(endorsement))

    assert response["X-Accel-Redirect"] == f"/_stored/{stored.file.name}"
    assert response.content == b""
    assert response["Cache-Control"] == "private, max-age=300"
    assert "X-Accel-Expires" not in response


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "certificates"
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in folder.rglob("*") if p.is_file())


def test_a_withdrawal_during_a_timestamp_renewal_leaves_no_file_naming_the_organisation(
    make_endorsement,
    approve,
    pdf_settings,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from principles.pdf import renewal

    endorsement = make_endorsement("Secret Org Alpha", country="PE", status="confirmed")
    approve(endorsement)
    row = CertificatePdf.objects.get(endorsement=endorsement)  # as the daily renewal holds it

    def timestamp_while_withdrawn(pdf):  # the authority answers after the endorser withdrew
        with django_capture_on_commit_callbacks(execute=True):
            withdraw_endorsement(endorsement=endorsement)
        return pdf + b"\n%timestamp\n"

    monkeypatch.setattr(renewal, "add_document_timestamp", timestamp_while_withdrawn)
    with django_capture_on_commit_callbacks(execute=True):
        renewed = renewal.add_timestamp_to_stored(row)

    assert not renewed
    assert not CertificatePdf.objects.exists()
    assert stored_files(settings) == []


def test_a_rename_during_a_timestamp_renewal_keeps_the_certificate_of_the_new_name(
    make_endorsement,
    approve,
    moderator,
    pdf_settings,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from principles.pdf import renewal

    endorsement = make_endorsement("Old Personal Name Org", country="KE", status="confirmed")
    approve(endorsement)
    row = CertificatePdf.objects.get(endorsement=endorsement)
    ask_for_new_name(endorsement, name="New Name Org", country="KE")

    def timestamp_while_renamed(pdf):
        with django_capture_on_commit_callbacks(execute=True):
            approve_change(change=EndorsementChange.objects.get(), moderator=moderator)
        return pdf + b"\n%timestamp\n"

    monkeypatch.setattr(renewal, "add_document_timestamp", timestamp_while_renamed)
    with django_capture_on_commit_callbacks(execute=True):
        renewed = renewal.add_timestamp_to_stored(row)

    stored = CertificatePdf.objects.get(endorsement=endorsement)
    assert not renewed
    assert stored_files(settings) == [stored.file.name]
    assert "New Name Org" in stored_text(endorsement)
    assert "Old Personal Name Org" not in stored_text(endorsement)


def test_a_renewal_that_fails_once_the_new_file_is_stored_removes_it(
    make_endorsement,
    approve,
    pdf_settings,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from principles.pdf import renewal

    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    row = CertificatePdf.objects.get(endorsement=endorsement)
    monkeypatch.setattr(renewal, "add_document_timestamp", lambda pdf: pdf + b"\n%timestamp\n")

    def failing():
        raise RuntimeError("the cache is down")

    monkeypatch.setattr(renewal, "public_content_changed", failing)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        renewal.add_timestamp_to_stored(row)

    assert CertificatePdf.objects.get().file.name == row.file.name
    assert stored_files(settings) == [row.file.name]


def test_a_renewed_certificate_gets_a_name_of_its_own_and_the_old_file_goes(
    make_endorsement,
    approve,
    pdf_settings,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from principles.pdf import renewal

    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement)
    row = CertificatePdf.objects.get(endorsement=endorsement)
    monkeypatch.setattr(renewal, "add_document_timestamp", lambda pdf: pdf + b"\n%timestamp\n")

    with django_capture_on_commit_callbacks(execute=True):
        assert renewal.add_timestamp_to_stored(row)
        assert renewal.add_timestamp_to_stored(CertificatePdf.objects.get())

    stored = CertificatePdf.objects.get()
    assert stored.file.name != row.file.name
    assert stored.file.name.startswith(row.file.name.removesuffix(".pdf") + "-")
    assert stored_files(settings) == [stored.file.name]
    assert stored.size == len(stored.file.read())
