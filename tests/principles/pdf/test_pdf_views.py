"""Downloading the PDF, and checking a copy at /verify/."""

from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from principles.models import DeclarationPdf
from principles.pdf.render import render_declaration_pdf, render_pdf, store_declaration_pdf
from tests.html import parse_strict, submit
from tests.principles.pdf.pdf_reading import make_snapshot, reader, shows, text_lines
from tests.principles.pdf.test_pdf_signing import flip_one_byte


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_current_pdf_is_rendered_once_then_served_from_storage(
    client, publish, pdf_settings, page_queries
):
    publish(principles=2, action_lines=2)

    first = client.get("/declaration.pdf")
    # Storing the PDF moved the public cache on; the download after it fills the cache again
    # (how long rendering took decides whether this process has seen the move yet).
    client.get("/declaration.pdf")
    # From then on a download reads nothing from the database: which PDF to send is cached.
    with page_queries(0):
        second = client.get("/declaration.pdf")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert 'filename="connectivity-for-education-v1-en.pdf"' in first["Content-Disposition"]
    assert first["Content-Language"] == "en"
    content = download(first)
    assert content == download(second)
    assert "No organisation had endorsed this version when this file was made." in "\n".join(
        text_lines(content)
    )
    assert DeclarationPdf.objects.count() == 1
    stored = DeclarationPdf.objects.get()
    assert (
        stored.file.name
        == f"declarations/connectivity-for-education/v1/en/{stored.snapshot_hash}.pdf"
    )
    assert stored.size == int(second["Content-Length"])


def test_each_published_version_has_its_own_pdf(client, publish, pdf_settings):
    publish(principles=1, action_lines=1, title="First text")
    publish(principles=1, action_lines=1, title="Second text")

    earlier = download(client.get("/versions/1/declaration.pdf"))
    current = download(client.get("/declaration.pdf"))

    assert reader(earlier).metadata.title == "First text, version 1"
    assert reader(current).metadata.title == "Second text, version 2"
    assert client.get("/versions/3/declaration.pdf").status_code == 404


def test_the_previous_pdf_is_served_until_the_fresh_one_is_stored(
    client, publish, pdf_settings, django_capture_on_commit_callbacks
):
    version = publish(principles=1, action_lines=1)
    store_declaration_pdf(version=version, snapshot=make_snapshot(["Earlier Signatory"]))

    stale = download(client.get("/declaration.pdf"))

    assert shows("Earlier Signatory", text_lines(stale))
    assert DeclarationPdf.objects.count() == 1  # the request rendered nothing
    with django_capture_on_commit_callbacks(execute=True):
        render_declaration_pdf(version_id=version.pk)  # what the background task does
    fresh = download(client.get("/declaration.pdf"))
    assert not shows("Earlier Signatory", text_lines(fresh))
    assert DeclarationPdf.objects.count() == 2


def test_the_reader_is_asked_to_retry_when_the_first_render_fails(client, publish, pdf_settings):
    publish(principles=1, action_lines=1)
    pdf_settings.PDF_RENDER_TIMEOUT_SECONDS = 0.01

    response = client.get("/declaration.pdf")

    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert b"The PDF is being prepared" in response.content
    parse_strict(response.content)


def test_the_page_links_to_the_pdf_and_shows_its_size(
    client, publish, pdf_settings, django_capture_on_commit_callbacks
):
    version = publish(principles=1, action_lines=1)
    page = parse_strict(client.get("/").content)
    link = page.find(".//a[@type='application/pdf']")
    assert link.get("href") == "/declaration.pdf"

    with django_capture_on_commit_callbacks(execute=True):
        pdf = render_declaration_pdf(version_id=version.pk)

    page = parse_strict(client.get("/").content)
    label = "".join(page.find(".//p[@class='version-meta']").itertext())
    assert f"({pdf.size / 1024:.1f}\xa0KB)" in label


def test_the_render_command_renders_what_is_missing_and_nothing_twice(publish, pdf_settings):
    publish(principles=1, action_lines=1)
    publish(principles=1, action_lines=1)
    out = StringIO()

    call_command("render_pdfs", stdout=out)
    call_command("render_pdfs", stdout=out)

    assert "2 PDF(s) rendered, 0 already up to date." in out.getvalue()
    assert "0 PDF(s) rendered, 2 already up to date." in out.getvalue()
    assert DeclarationPdf.objects.count() == 2


def upload(client, content: bytes, name: str = "declaration.pdf", path: str = "/verify/"):
    return submit(client, path, {"pdf": SimpleUploadedFile(name, content)})


def verdict_of(response) -> str:
    return " ".join("".join(parse_strict(response.content).find(".//main").itertext()).split())


def test_verify_says_a_downloaded_pdf_is_genuine_and_what_it_holds(client, publish, pdf_settings):
    publish(principles=1, action_lines=1)
    pdf = download(client.get("/declaration.pdf"))
    stored = DeclarationPdf.objects.get()

    response = upload(client, pdf)

    assert response.status_code == 200
    text = verdict_of(response)
    assert "Genuine: signed by this site and unaltered" in text
    assert "It holds version 1 of the declaration with 0 signatories" in text
    assert stored.snapshot_hash in text


def test_verify_says_a_pdf_with_one_flipped_byte_has_been_altered(client, publish, pdf_settings):
    publish(principles=1, action_lines=1)
    pdf = download(client.get("/declaration.pdf"))

    response = upload(client, flip_one_byte(pdf))

    assert "Altered: this file has been changed since this site signed it" in verdict_of(response)


def test_verify_says_a_pdf_cut_short_cannot_be_read_rather_than_altered(
    client, publish, pdf_settings
):
    publish(principles=1, action_lines=1)
    pdf = download(client.get("/declaration.pdf"))

    text = verdict_of(upload(client, pdf[: len(pdf) - 200]))

    assert "Unreadable: this file starts like a PDF but cannot be read" in text
    assert "Download the PDF again from this site" in text
    assert "Altered" not in text


def test_verify_explains_empty_unsigned_foreign_and_huge_uploads(client, pdf_settings, db):
    html = "<!doctype html><html lang='en'><title>t</title><p>Plain</p></html>"

    assert "The file you sent is empty." in verdict_of(upload(client, b""))
    assert "This file is not a PDF." in verdict_of(upload(client, b"GIF89a", name="cat.gif"))
    assert "Choose the PDF file you want to check." in verdict_of(submit(client, "/verify/"))
    assert "Not signed: this PDF carries no digital signature" in verdict_of(
        upload(client, render_pdf(html))
    )
    pdf_settings.PDF_VERIFY_MAX_UPLOAD_MB = 1
    huge = upload(client, b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    assert huge.status_code == 413
    assert "The file is larger than 1.0 MB" in verdict_of(huge)
    assert upload(client, b"").status_code == 400


def test_the_qr_code_address_describes_the_file_it_was_printed_on(client, publish, pdf_settings):
    publish(principles=1, action_lines=1)
    client.get("/declaration.pdf")
    stored = DeclarationPdf.objects.get()

    response = client.get(f"/verify/?version=1&snapshot={stored.snapshot_hash}")

    text = verdict_of(response)
    assert "Version 1 of the declaration, with 0 signatories as of" in text
    assert "upload it below" in text
    unknown = client.get("/verify/?version=1&snapshot=x")
    assert unknown.status_code == 404
    assert "The file this address names" not in verdict_of(unknown)
    assert "This address names no PDF of the declaration" in verdict_of(unknown)


def test_checking_files_is_limited_per_address_and_says_so(client, pdf_settings, db):
    pdf_settings.VERIFY_RATE_LIMIT = "2/h"
    html = "<!doctype html><html lang='en'><title>t</title><p>Plain</p></html>"
    unsigned = render_pdf(html)

    answers = [upload(client, unsigned) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    text = verdict_of(answers[-1])
    assert "Too many files have been checked from your network" in text
    assert "Not signed" not in text
    assert parse_strict(answers[-1].content).find(".//input[@type='file']") is not None
