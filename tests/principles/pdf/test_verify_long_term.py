"""/verify/ tells a reader the level of a PDF's signature, when it was signed according to the
timestamp authority, and whether it stays verifiable after the site's certificate expires; a
file whose timestamps or later updates were tampered with gets a plain verdict, never a 500."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from principles.pdf.render import render_declaration
from principles.pdf.signing import (
    Level,
    Verdict,
    add_document_timestamp,
    create_self_signed_key,
    sign_pdf,
    verify_pdf,
)
from tests.conftest import running_timestamp_authority
from tests.html import parse_strict, submit
from tests.principles.pdf.hostile_pdfs import pdf_with
from tests.principles.pdf.pdf_reading import make_snapshot


def verdict_of(response) -> str:
    section = parse_strict(response.content).find(".//section[@role='status']")
    return " ".join("".join(section.itertext()).split())


@pytest.fixture
def long_term_pdf(publish, long_term_pdf_settings):
    version = publish(principles=1, action_lines=1)
    return render_declaration(version=version, snapshot=make_snapshot(count=3))


def upload(pdf: bytes, *, path: str = "/verify/"):
    client = Client(raise_request_exception=False)
    return submit(client, path, {"pdf": SimpleUploadedFile("declaration.pdf", pdf)})


def test_the_verdict_names_the_level_and_the_time_from_the_timestamp_authority(
    publish, long_term_pdf_settings, tmp_path
):
    """With an authority whose certificate outlives the site's, the file outlives the site's."""
    from tests.conftest import running_timestamp_authority

    with running_timestamp_authority(tmp_path / "long-lived", days=3650) as long_lived:
        long_term_pdf_settings.PDF_TIMESTAMP_URL = long_lived.url
        long_term_pdf_settings.PDF_TIMESTAMP_TRUST = str(long_lived.trust)
        version = publish(principles=1, action_lines=1)
        pdf = render_declaration(version=version, snapshot=make_snapshot(count=3))
        response = upload(pdf)

    assert response.status_code == 200
    verdict = verdict_of(response)
    assert "Genuine: signed by this site and unaltered" in verdict
    assert "It holds version 1 of the declaration with 3 signatories" in verdict
    assert re.search(r"Signed on .+, according to the timestamp authority .*Test TSA", verdict)
    assert "Signature level: PAdES-B-LTA." in verdict
    assert "It stays verifiable after this site's certificate expires on" in verdict


def test_the_verdict_names_the_level_and_the_time_in_arabic(long_term_pdf):
    response = upload(long_term_pdf, path="/ar/verify/")

    assert response.status_code == 200
    verdict = verdict_of(response)
    assert "أصلي: موقَّع من هذا الموقع ولم يُعدَّل" in verdict
    assert "مستوى التوقيع: PAdES-B-LTA." in verdict
    assert "بحسب جهة الطوابع الزمنية" in verdict
    # The authority's certificate (a year) runs out before the site's (three years).
    assert "أي قبل انتهاء صلاحية شهادة هذا الموقع" in verdict


def test_a_pdf_signed_without_an_authority_says_it_lasts_as_long_as_the_certificate(
    publish, pdf_settings
):
    version = publish(principles=1, action_lines=1)
    pdf = render_declaration(version=version, snapshot=make_snapshot(count=1))

    verdict = verdict_of(upload(pdf))

    assert "Signature level: PAdES-B-B." in verdict
    assert "This time comes from this site's own clock" in verdict
    assert "It can be checked only until this site's certificate expires on" in verdict


def test_timestamps_from_an_authority_the_site_does_not_trust_do_not_count(
    long_term_pdf, long_term_pdf_settings, tmp_path
):
    with running_timestamp_authority(tmp_path / "other") as other:
        long_term_pdf_settings.PDF_TIMESTAMP_TRUST = str(other.trust)

        verification = verify_pdf(long_term_pdf)

    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_B
    assert verification.timestamp_unconfirmed
    assert verification.timestamp_authority == ""


def test_a_damaged_document_timestamp_does_not_count(long_term_pdf):
    damaged = damage_last_signature_value(long_term_pdf)

    verification = verify_pdf(damaged)

    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_LT
    assert verification.timestamp_unconfirmed
    assert "could not be confirmed" in verdict_of(upload(damaged))


def test_an_update_after_the_signature_that_is_not_a_timestamp_is_an_alteration(long_term_pdf):
    writer = IncrementalPdfFileWriter(BytesIO(long_term_pdf))
    writer.root["/Lang"] = pdf_string("fr")
    writer.update_root()
    changed = BytesIO()
    writer.write(changed)

    assert verify_pdf(changed.getvalue()).verdict is Verdict.ALTERED


def attackers_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    """A writer of an incremental update to `pdf` that changes only what it is told to (not
    the modification dates pyHanko's writer adds of its own accord)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    writer._update_meta = lambda: None
    return writer


def with_information(pdf: bytes, entries: dict[str, str], *, in_place: bool = False) -> bytes:
    """`pdf` with an incremental update whose document information dictionary holds `entries`:
    a new dictionary the trailer points to, or (`in_place`) the signed one rewritten."""
    writer = attackers_writer(pdf)
    info = generic.DictionaryObject(
        {generic.NameObject(key): generic.TextStringObject(value) for key, value in entries.items()}
    )
    if in_place:
        reference = writer.trailer.raw_get("/Info")
        reference.get_object().update(info)
        writer.update_container(reference.get_object())
    else:
        writer.set_info(writer.add_object(info))
    changed = BytesIO()
    writer.write(changed)
    return changed.getvalue()


FORGED = {
    "/declarationversion": "1",
    "/snapshotcount": "123456",
    "/snapshottakenat": "2030-01-01T00:00:00+00:00",
    "/snapshothash": "f" * 64,
}


def test_a_new_information_dictionary_after_the_signature_is_an_alteration(long_term_pdf):
    forged = with_information(long_term_pdf, FORGED)

    response = upload(forged)

    assert verify_pdf(forged).verdict is Verdict.ALTERED
    assert response.status_code == 200
    assert "Altered: this file has been changed since this site signed it" in verdict_of(response)
    assert "123456" not in verdict_of(response)
    assert "2030" not in verdict_of(response)


def test_the_signed_information_dictionary_rewritten_after_the_signature_is_an_alteration(
    long_term_pdf,
):
    forged = with_information(long_term_pdf, FORGED, in_place=True)

    assert verify_pdf(forged).verdict is Verdict.ALTERED


def test_a_trailer_pointing_to_another_signed_object_after_the_signature_is_an_alteration(
    long_term_pdf,
):
    writer = attackers_writer(long_term_pdf)
    writer.set_info(writer.root.raw_get("/Pages"))
    writer.add_object(generic.NullObject())  # an update needs something: an orphan will do
    changed = BytesIO()
    writer.write(changed)

    assert verify_pdf(changed.getvalue()).verdict is Verdict.ALTERED


def test_a_forged_date_after_the_signature_gets_a_verdict_not_an_error(long_term_pdf):
    forged = with_information(long_term_pdf, {**FORGED, "/snapshottakenat": "not-a-date"})

    response = upload(forged)

    assert response.status_code in {200, 422}
    assert "Altered: this file has been changed" in verdict_of(response)


def test_a_genuine_file_whose_signed_date_is_not_a_date_gets_a_verdict_not_an_error(
    pdf_settings, db
):
    unsigned = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /declarationversion (1) /snapshotcount (3) /snapshottakenat (not-a-date) >>",
        ]
    ).replace(b"/Root 1 0 R", b"/Root 1 0 R /Info 4 0 R")
    signed = sign_pdf(unsigned, reason="test")

    verification = verify_pdf(signed)
    response = upload(signed)

    assert verification.verdict is Verdict.GENUINE
    assert verification.snapshot_taken_at is None
    assert response.status_code == 200
    verdict = verdict_of(response)
    assert "Genuine: signed by this site and unaltered" in verdict
    assert "It holds version 1 of the declaration with 3 signatories" in verdict


def test_a_renewed_file_is_still_genuine_and_says_what_it_held_when_signed(long_term_pdf):
    renewed = add_document_timestamp(add_document_timestamp(long_term_pdf))

    verification = verify_pdf(renewed)

    assert verification.verdict is Verdict.GENUINE
    assert verification.level is Level.B_LTA
    assert verification.metadata["declaration_version"] == "1"
    assert verification.metadata["snapshot_count"] == "3"
    assert verification.snapshot_taken_at is not None
    assert "with 3 signatories" in verdict_of(upload(renewed))


def test_a_second_signature_after_the_sites_is_an_alteration(long_term_pdf, tmp_path):
    key = tmp_path / "other.p12"
    create_self_signed_key(path=key, passphrase="", common_name="Someone else")
    signer = signers.SimpleSigner.load_pkcs12(str(key), passphrase=None)
    signed_again = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(long_term_pdf)),
        signers.PdfSignatureMetadata(field_name="Other"),
        signer=signer,
    ).getvalue()

    assert verify_pdf(signed_again).verdict is Verdict.ALTERED


def test_a_file_of_many_empty_signatures_gets_a_verdict(pdf_settings, db):
    count = 2000
    fields = b" ".join(b"%d 0 R" % number for number in range(3, count + 3))
    signature = b"<< /FT /Sig /T (S) /V << /Type /Sig /Filter /Adobe.PPKLite >> >>"
    many = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] >> >>" % fields,
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            *[signature] * count,
        ]
    )

    response = upload(many)

    assert response.status_code in {200, 422}
    assert "Genuine" not in verdict_of(response)


def damage_last_signature_value(pdf: bytes) -> bytes:
    """Flip one hex digit of the signature value at the end of the last timestamp token (the
    bytes a signature's /ByteRange leaves out), keeping the file's layout."""
    start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", start)
    token = pdf[start:end].rstrip(b"0")
    position = start + len(token) - 40
    digit = b"1" if pdf[position : position + 1] != b"1" else b"2"
    return pdf[:position] + digit + pdf[position + 1 :]


def test_an_authority_whose_certificate_expires_first_is_named_as_what_limits_the_file(
    publish, long_term_pdf_settings, tmp_path
):
    """The verdict never says the file outlives the site's certificate when the timestamp
    authority's runs out first: it names the authority's date and the renewal it needs."""
    from tests.conftest import running_timestamp_authority

    with running_timestamp_authority(tmp_path / "short-lived", days=10) as short_lived:
        long_term_pdf_settings.PDF_TIMESTAMP_URL = short_lived.url
        long_term_pdf_settings.PDF_TIMESTAMP_TRUST = str(short_lived.trust)
        version = publish(principles=1, action_lines=1)
        pdf = render_declaration(version=version, snapshot=make_snapshot(count=3))

        verdict = verdict_of(upload(pdf))

    assert "Signature level: PAdES-B-LTA." in verdict
    assert "It stays verifiable after this site's certificate expires" not in verdict
    assert re.search(
        r"A timestamp authority vouches for it until .+, before this site's certificate expires"
        r" on .+: it needs a new timestamp by then to stay verifiable\.",
        verdict,
    )
