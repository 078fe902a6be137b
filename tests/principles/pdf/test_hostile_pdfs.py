"""/verify/ reads whatever anyone uploads in a child process: a PDF made to trip the reader is
"not a PDF we can check" (422), never a 500, and never costs the web worker its memory."""

import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from principles.pdf.signing import Verdict, verify_pdf
from tests.html import csrf_token, parse_strict, submit

from . import hostile_pdfs


def verdict_of(response) -> str:
    return " ".join("".join(parse_strict(response.content).find(".//main").itertext()).split())


@pytest.mark.parametrize(
    "make",
    [
        hostile_pdfs.nested_arrays,
        hostile_pdfs.root_not_a_dictionary,
        hostile_pdfs.signature_value_not_a_dictionary,
    ],
)
def test_a_pdf_made_to_trip_the_reader_is_one_we_cannot_check(pdf_settings, db, make):
    client = Client(raise_request_exception=False)

    response = submit(client, "/verify/", {"pdf": SimpleUploadedFile("x.pdf", make())})

    assert response.status_code == 422
    assert "Unreadable: this file starts like a PDF but cannot be read" in verdict_of(response)


def test_the_answer_is_in_the_readers_language(pdf_settings, db):
    client = Client(raise_request_exception=False)
    pdf = SimpleUploadedFile("x.pdf", hostile_pdfs.nested_arrays())

    response = submit(client, "/fr/verify/", {"pdf": pdf})

    assert response.status_code == 422
    assert response["Content-Language"] == "fr"


def test_a_large_hostile_pdf_costs_the_child_not_the_web_worker(pdf_settings):
    hostile = hostile_pdfs.many_small_objects()
    worker = psutil.Process()
    verify_pdf(hostile_pdfs.root_not_a_dictionary())  # the first call loads what it needs
    before = worker.memory_info().rss

    verification = verify_pdf(hostile)

    grown_mb = (worker.memory_info().rss - before) / 2**20
    assert len(hostile) > 1_400_000
    assert verification.verdict in {Verdict.UNREADABLE, Verdict.UNSIGNED}
    assert grown_mb < 20


def test_a_reader_that_needs_more_memory_than_allowed_gives_up_on_the_file(pdf_settings):
    pdf_settings.PDF_VERIFY_MEMORY_MB = 1

    assert verify_pdf(hostile_pdfs.root_not_a_dictionary()).verdict is Verdict.UNREADABLE


def test_a_reader_that_takes_too_long_gives_up_on_the_file(pdf_settings):
    pdf_settings.PDF_VERIFY_TIMEOUT_SECONDS = 0.01

    assert verify_pdf(hostile_pdfs.many_small_objects()).verdict is Verdict.UNREADABLE


@pytest.mark.parametrize("number", ["²", "٣", "1²", "9" * 40])
def test_an_odd_version_number_in_a_qr_code_address_names_no_file(pdf_settings, db, number):
    client = Client(raise_request_exception=False)

    response = client.get("/verify/", {"version": number, "snapshot": "abc"})

    assert response.status_code == 404
    assert "The file this address names" not in verdict_of(response)
    assert "This address names no PDF of the declaration" in verdict_of(response)
    assert "Check a PDF of the declaration" in verdict_of(response)


def test_an_odd_version_number_in_arabic_is_explained_in_arabic(pdf_settings, db):
    response = Client().get("/ar/verify/", {"version": "²", "snapshot": "abc"})

    assert response.status_code == 404
    assert "This address names no PDF" not in verdict_of(response)


def test_an_odd_version_number_posted_with_a_file_is_ignored(pdf_settings, db):
    client = Client(raise_request_exception=False)
    upload = SimpleUploadedFile("x.pdf", hostile_pdfs.root_not_a_dictionary())

    address = "/verify/?version=²&snapshot=x"
    page = client.get(address)
    response = client.post(
        address, {"pdf": upload, "version": "²", "csrfmiddlewaretoken": csrf_token(page)}
    )

    assert page.status_code == 404
    assert response.status_code == 422
