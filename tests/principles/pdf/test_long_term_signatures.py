"""With a timestamp authority, the site's PDFs are signed PAdES-B-LTA and stay verifiable after
the site's certificate expires; a local authority on 127.0.0.1 stands in for the real one."""

import asyncio
from io import BytesIO

from django.test import Client
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.ades.report import AdESPassed
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from principles.pdf.render import render_declaration, render_declaration_pdf
from principles.pdf.signing import Level, Verdict, site_signer, verify_pdf
from tests.principles.pdf.pdf_reading import make_snapshot


def lta_validation(pdf: bytes, *, tsa_certificate_path):
    """pyHanko's own PAdES-LTA validation (ETSI EN 319 102-1, 5.6.3), trusting the site's
    certificate and the authority's, checking revocation where a certificate declares any."""
    roots = [site_signer().signing_cert, load_cert_from_pemder(str(tsa_certificate_path))]
    declared = RevocationCheckingRule.CHECK_IF_DECLARED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(ee_certificate_rule=declared, intermediate_ca_cert_rule=declared)
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

    result = lta_validation(pdf, tsa_certificate_path=timestamp_authority.trust)
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
    assert verification.timestamp_authority.startswith("Common Name: Test TSA")
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
