"""Every PDF is signed (PAdES) with the site's key; anyone can check a copy."""

import datetime
from io import BytesIO, StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from endorsements.certificate import EndorsementCertificate, render_certificate
from principles.pdf.render import render_declaration, render_pdf
from principles.pdf.signing import Verdict, create_self_signed_key, site_signer, verify_pdf
from tests.principles.pdf.pdf_reading import make_snapshot, reader, shows, text_lines


def flip_one_byte(pdf: bytes) -> bytes:
    """Change one byte inside the first page's content stream, which the signature covers."""
    position = pdf.index(b"stream", pdf.index(b"/Contents")) + 40
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


@pytest.fixture
def signed_pdf(publish, pdf_settings):
    version = publish(principles=2, action_lines=2)
    return render_declaration(version=version, snapshot=make_snapshot(count=3))


def validate(pdf: bytes):
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    roots = [site_signer().signing_cert]
    return validate_pdf_signature(signature, ValidationContext(trust_roots=roots))


def test_the_signature_validates_with_the_sites_certificate_as_trust_root(signed_pdf):
    status = validate(signed_pdf)

    assert status.bottom_line
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert PdfFileReader(BytesIO(signed_pdf)).embedded_signatures[0].sig_object["/SubFilter"] == (
        "/ETSI.CAdES.detached"
    )


def test_one_flipped_byte_makes_validation_fail(signed_pdf):
    status = validate(flip_one_byte(signed_pdf))

    assert not status.intact
    assert not status.bottom_line
    assert verify_pdf(flip_one_byte(signed_pdf)).verdict is Verdict.ALTERED


def test_a_genuine_pdf_says_which_version_and_snapshot_it_holds(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)
    snapshot = make_snapshot(count=4)

    verification = verify_pdf(render_declaration(version=version, snapshot=snapshot))

    assert verification.verdict is Verdict.GENUINE
    assert verification.metadata == {
        "declaration_version": "1",
        "declaration_language": "en",
        "snapshot_hash": snapshot.digest,
        "snapshot_count": "4",
        "snapshot_taken_at": snapshot.taken_at.isoformat(),
    }
    assert verification.signed_at is not None


def test_unsigned_foreign_and_non_pdf_files_are_told_apart(signed_pdf, tmp_path, settings):
    html = "<!doctype html><html lang='en'><title>t</title><p>Plain</p></html>"
    assert verify_pdf(render_pdf(html)).verdict is Verdict.UNSIGNED
    assert verify_pdf(b"GIF89a not a pdf").verdict is Verdict.NOT_A_PDF
    assert verify_pdf(b"%PDF-1.7 truncated").verdict is Verdict.UNREADABLE
    assert verify_pdf(signed_pdf[: len(signed_pdf) // 2]).verdict is Verdict.UNREADABLE

    other_key = tmp_path / "other.p12"
    create_self_signed_key(path=other_key, passphrase="", common_name="Someone else")
    settings.PDF_SIGNING_PKCS12, settings.PDF_SIGNING_PASSPHRASE = str(other_key), ""
    assert verify_pdf(signed_pdf).verdict is Verdict.SIGNED_BY_SOMEONE_ELSE


def test_the_development_key_is_self_signed_with_non_repudiation(tmp_path, settings):
    settings.PDF_SIGNING_PASSPHRASE = "secret"
    path = tmp_path / "keys" / "development.p12"

    call_command("create_signing_key", str(path), stdout=StringIO())

    _key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), b"secret")
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment
    assert usage.digital_signature
    assert certificate.issuer == certificate.subject
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError, match="exists"):
        call_command("create_signing_key", str(path), stdout=StringIO())
    call_command("create_signing_key", str(path), "--keep-existing", stdout=StringIO())
    assert pkcs12.load_key_and_certificates(path.read_bytes(), b"secret")[1] == certificate


def test_the_verify_command_says_in_plain_words_whether_a_file_is_genuine(signed_pdf, tmp_path):
    genuine, altered = tmp_path / "genuine.pdf", tmp_path / "altered.pdf"
    genuine.write_bytes(signed_pdf)
    altered.write_bytes(flip_one_byte(signed_pdf))
    out = StringIO()

    call_command("verify_pdf", str(genuine), stdout=out)

    assert "GENUINE: signed by this site and unaltered." in out.getvalue()
    assert "Declaration version 1, 3 signatories" in out.getvalue()
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("verify_pdf", str(altered), stdout=out)
    assert refused.value.returncode == 1
    assert "ALTERED" in out.getvalue()


def test_an_endorsement_certificate_names_organisation_country_version_and_date(pdf_settings):
    certificate = EndorsementCertificate(
        organisation="مؤسسة الأمل للتعليم",
        country_code="JO",
        declaration_title="Test Declaration",
        version_number=3,
        endorsed_on=datetime.date(2026, 11, 2),
    )

    pdf = render_certificate(certificate=certificate)

    lines = text_lines(pdf)
    text = "\n".join(lines)
    assert shows("مؤسسة الأمل للتعليم", lines)
    assert "Jordan" in text
    assert "endorses the Test Declaration, version 3." in text
    assert "2 November 2026" in text
    assert len(reader(pdf).pages) == 1
    assert verify_pdf(pdf).verdict is Verdict.GENUINE
