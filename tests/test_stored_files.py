"""Behind nginx (X_ACCEL_REDIRECT_PREFIX set), Django names the stored file that a reader gets
and nginx sends it: an empty answer with X-Accel-Redirect and every header of the download.
tests/test_nginx.py downloads them through nginx itself; tests/endorsements/test_open_data.py
checks the open data files."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from declaration_site.stored_files import accel_path, send_stored_file
from principles.models import DeclarationPdf


def test_a_storage_name_is_percent_encoded_so_that_nginx_reads_it_as_one_path():
    assert accel_path("pdfs/v1/en/abc.pdf") == "pdfs/v1/en/abc.pdf"
    assert accel_path("logos/a b?c#d%e.pdf") == "logos/a%20b%3Fc%23d%25e.pdf"
    assert accel_path("déclaration.pdf") == "d%C3%A9claration.pdf"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/etc/passwd",
        "../secret",
        "pdfs/../../secret",
        "pdfs//x",
        "pdfs/./x",
        "a\\..\\b",
        "a\nb",
    ],
)
def test_a_name_that_could_lead_outside_the_media_folder_is_refused(name):
    with pytest.raises(ValueError, match="Not a storage name"):
        accel_path(name)


def test_without_a_prefix_gunicorn_streams_the_file(tmp_path, settings):
    settings.X_ACCEL_REDIRECT_PREFIX = ""
    storage = FileSystemStorage(location=tmp_path)
    storage.save("data/a.csv", ContentFile(b"a,b\n"))

    response = send_stored_file(
        storage, "data/a.csv", content_type="text/csv", filename="a.csv", as_attachment=True
    )

    assert b"".join(response.streaming_content) == b"a,b\n"
    assert "X-Accel-Redirect" not in response


def test_the_current_pdf_is_named_to_nginx_with_its_headers(
    client, publish, pdf_settings, settings
):
    publish(principles=1, action_lines=1)
    client.get("/declaration.pdf")  # renders and stores it
    settings.X_ACCEL_REDIRECT_PREFIX = "/_stored/"

    response = client.get("/declaration.pdf")

    stored = DeclarationPdf.objects.get()
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_stored/{stored.file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="connectivity-for-education-v1-en.pdf"'
    )
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"] == "public, max-age=300"
