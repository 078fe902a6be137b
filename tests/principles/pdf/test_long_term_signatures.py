"""With a timestamp authority, the site's PDFs are signed PAdES-B-LTA and stay verifiable after
the site's certificate expires; a local authority on 127.0.0.1 stands in for the real one."""

import asyncio
import socket
import subprocess
import time
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from declaration_site.checks import (
    pdf_signatures_are_long_term,
    timestamp_authority_can_be_checked,
)
from principles.pdf.render import PdfRenderError, render_declaration, render_declaration_pdf
from principles.pdf.renewal import renew_pdf_timestamps, renew_timestamps
from principles.pdf.signing import (
    Level,
    Verdict,
    create_self_signed_key,
    site_signer,
    verify_pdf,
)
from tests.conftest import running_timestamp_authority
from tests.html import submit
from tests.principles.pdf.pdf_reading import make_snapshot


def lta_validation(pdf: bytes, *, trust):
    """pyHanko's own PAdES-LTA validation (ETSI EN 319 102-1, 5.6.3), trusting the site's
    certificate and the authorities' in `trust` (PEM), checking revocation where a
    certificate declares any."""
    roots = [site_signer().signing_cert, *load_certs_from_pemder([str(trust)])]
    declared = RevocationCheckingRule.CHECK_IF_DECLARED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(
                ee_certificate_rule=declared, intermediate_ca_cert_rule=declared
            )
        ),
    )
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(cert_validation_policy=policy))
    signature = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures[0]
    return asyncio.run(ades_lta_validation(signature, spec))


def test_the_served_declaration_pdf_carries_a_timestamped_lta_signature(
    publish, long_term_pdf_settings, timestamp_authority
):
    version = publish(principles=1, action_lines=1)
    render_declaration_pdf(version_id=version.pk)

    response = Client().get("/declaration.pdf")
    pdf = b"".join(response.streaming_content)

    result = lta_validation(pdf, trust=timestamp_authority.trust)
    assert result.ades_subindic is AdESPassed.OK
    assert result.api_status.bottom_line
    assert result.api_status.timestamp_validity.trusted
    assert result.oldest_evidence_record_timestamp is not None  # the document timestamp
    reader = PdfFileReader(BytesIO(pdf))
    assert "/DSS" in reader.root
    assert len(reader.embedded_timestamp_signatures) == 1


def test_a_long_term_pdf_is_genuine_at_level_b_lta_with_the_authoritys_time(
    publish, long_term_pdf_settings
):
    version = publish(principles=1, action_lines=1)

    verification = verify_pdf(render_declaration(version=version, snapshot=make_snapshot(count=2)))

    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_LTA
    assert verification.level.is_long_term
    assert verification.timestamp_authority.startswith("Test TSA")
    assert not verification.timestamp_unconfirmed
    assert verification.verifiable_until > verification.certificate_expires_at.replace(year=2000)
    assert verification.metadata["snapshot_count"] == "2"


def test_without_a_timestamp_authority_a_pdf_is_b_b_and_its_time_is_the_sites(
    publish, pdf_settings
):
    version = publish(principles=1, action_lines=1)

    verification = verify_pdf(render_declaration(version=version, snapshot=make_snapshot(count=1)))

    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_B
    assert not verification.level.is_long_term
    assert verification.timestamp_authority == ""
    assert verification.signed_at is not None


def test_check_deploy_warns_that_pdfs_without_a_timestamp_authority_stop_verifying(settings):
    settings.PDF_TIMESTAMP_URL = ""

    (warning,) = pdf_signatures_are_long_term(None)

    assert warning.id == "declaration_site.W019"
    assert "stop verifying when the signing certificate expires" in warning.msg
    settings.PDF_TIMESTAMP_URL = "https://tsa.example.org/"
    assert pdf_signatures_are_long_term(None) == []


def test_an_authority_without_a_certificate_to_trust_is_a_configuration_error(settings):
    settings.PDF_TIMESTAMP_URL, settings.PDF_TIMESTAMP_TRUST = "https://tsa.example.org/", ""

    (error,) = timestamp_authority_can_be_checked(None)

    assert error.id == "declaration_site.E019"


@pytest.fixture
def short_lived_authority(tmp_path):
    """An authority whose certificate expires in ten days."""
    with running_timestamp_authority(tmp_path / "short-lived", days=10) as authority:
        yield authority


def trusting(settings, tmp_path, *authorities) -> None:
    """Sign with the first authority, and trust the timestamps of all of them."""
    trust = tmp_path / "trusted-authorities.pem"
    trust.write_bytes(b"".join(authority.trust.read_bytes() for authority in authorities))
    settings.PDF_TIMESTAMP_URL, settings.PDF_TIMESTAMP_TRUST = authorities[0].url, str(trust)


def test_a_pdf_whose_timestamp_expires_soon_gets_a_new_document_timestamp(
    publish,
    long_term_pdf_settings,
    timestamp_authority,
    short_lived_authority,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    trusting(long_term_pdf_settings, tmp_path, short_lived_authority, timestamp_authority)
    version = publish(principles=1, action_lines=1)
    stored = render_declaration_pdf(version_id=version.pk)
    old_name, old_bytes = stored.file.name, stored.file.read()
    assert verify_pdf(old_bytes).verifiable_until < timezone.now() + timedelta(days=11)
    trusting(long_term_pdf_settings, tmp_path, timestamp_authority, short_lived_authority)

    with django_capture_on_commit_callbacks(execute=True):
        assert renew_timestamps(within=timedelta(days=30)) == (1, 0)

    stored.refresh_from_db()
    renewed = stored.file.read()
    assert renewed.startswith(old_bytes)  # an incremental update
    assert stored.size == len(renewed)
    assert not stored.file.storage.exists(old_name)
    assert stored.file.name.startswith(old_name.removesuffix(".pdf") + "-")  # a name of its own
    assert len(PdfFileReader(BytesIO(renewed)).embedded_timestamp_signatures) == 2
    verification = verify_pdf(renewed)
    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_LTA
    assert verification.verifiable_until > timezone.now() + timedelta(days=300)
    result = lta_validation(renewed, trust=long_term_pdf_settings.PDF_TIMESTAMP_TRUST)
    assert result.ades_subindic is AdESPassed.OK
    assert renew_timestamps(within=timedelta(days=30)) == (0, 0)


def test_migrate_starts_the_daily_renewal_once(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    DBTaskResult.objects.all().delete()

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    waiting = DBTaskResult.objects.filter(
        task_path=renew_pdf_timestamps.module_path, status=TaskResultStatus.READY
    )
    assert waiting.count() == 1


def test_the_signature_field_is_in_the_structure_tree(publish, long_term_pdf_settings, tmp_path):
    version = publish(principles=1, action_lines=1)
    pdf = render_declaration(version=version, snapshot=make_snapshot(count=2))

    root = PdfFileReader(BytesIO(pdf)).root
    (widget,) = [
        ref
        for ref in root["/AcroForm"]["/Fields"]
        if ref.get_object()["/FT"] == "/Sig" and ref.get_object()["/T"] == "Signature"
    ]
    key = widget.get_object()["/StructParent"]
    tree = root["/StructTreeRoot"]
    numbers = tree["/ParentTree"]["/Nums"]
    pairs = {numbers[index]: numbers.raw_get(index + 1) for index in range(0, len(numbers), 2)}
    element = pairs[key].get_object()
    assert element["/S"] == "/Form"
    assert element["/K"]["/Type"] == "/OBJR"
    assert element["/K"].raw_get("/Obj") == widget
    assert element["/Alt"] == "Digital signature of https://declaration.example.org"
    assert element.raw_get("/P") == tree.raw_get("/K")[0]
    assert element["/P"]["/K"].raw_get(-1) == pairs[key]
    assert tree["/ParentTreeNextKey"] == key + 1
    assert widget.get_object()["/TU"] == "Digital signature of https://declaration.example.org"
    copy = tmp_path / "signed.pdf"
    copy.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(copy)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_pdf_is_not_signed_without_its_timestamp_when_the_authority_does_not_answer(
    publish, long_term_pdf_settings
):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    long_term_pdf_settings.PDF_TIMESTAMP_URL = f"http://127.0.0.1:{port}/"
    version = publish(principles=1, action_lines=1)

    with pytest.raises(PdfRenderError, match="timestamp authority did not answer"):
        render_declaration(version=version, snapshot=make_snapshot(count=1))


def test_after_the_sites_certificate_expires_only_a_timestamped_pdf_still_verifies(
    publish, long_term_pdf_settings, tmp_path
):
    key = tmp_path / "short-lived.p12"
    create_self_signed_key(
        path=key, passphrase="", common_name="Short-lived", valid_for=timedelta(seconds=8)
    )
    long_term_pdf_settings.PDF_SIGNING_PKCS12, long_term_pdf_settings.PDF_SIGNING_PASSPHRASE = (
        str(key),
        "",
    )
    version = publish(principles=1, action_lines=1)
    long_term = render_declaration(version=version, snapshot=make_snapshot(count=1))
    long_term_pdf_settings.PDF_TIMESTAMP_URL = ""
    basic = render_declaration(version=version, snapshot=make_snapshot(count=1))
    long_term_pdf_settings.PDF_TIMESTAMP_URL = "http://127.0.0.1:9/"  # not asked when checking

    left = site_signer().signing_cert.not_valid_after - timezone.now()
    time.sleep(max(0, left.total_seconds()) + 1)

    verification = verify_pdf(long_term)
    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_LTA
    assert verification.certificate_expires_at < timezone.now()
    assert verify_pdf(basic).verdict is Verdict.EXPIRED
    page = submit(Client(), "/verify/", {"pdf": SimpleUploadedFile("old.pdf", basic)})
    assert "Expired: signed by this site, but its certificate has expired" in page.content.decode()
