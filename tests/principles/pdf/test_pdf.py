"""The declaration PDF: what it holds, how it looks to a machine, and how it is rendered safely."""

import http.server
import threading

import pytest

from principles.pdf.render import (
    PdfRenderError,
    StaticOnlyURLFetcher,
    render_declaration,
    render_pdf,
)
from tests.principles.pdf.pdf_reading import (
    ARABIC,
    CHINESE,
    LATIN,
    alternative_texts,
    embedded_fonts,
    make_snapshot,
    outline_titles,
    reader,
    shows,
    text_lines,
)

NOTO_STACK = {"Noto-Sans", "Noto-Sans-Arabic", "Noto-Sans-CJK-SC"}


def test_the_pdf_holds_every_principle_action_line_and_signatory_and_nobody_else(
    publish, pdf_settings
):
    version = publish(principles=3, action_lines=3)
    snapshot = make_snapshot(LATIN + ARABIC + CHINESE)

    lines = text_lines(render_declaration(version=version, snapshot=snapshot))
    text = "\n".join(lines)

    assert "Test Declaration" in text
    assert "Second paragraph of the preamble." in text
    for p in (1, 2, 3):
        assert f"Principle title {p}" in text
        for a in (1, 2, 3):
            assert f"{p}.{a}" in text
            assert f"Action line {p}.{a} text." in text
    for signatory in snapshot.signatories:
        assert shows(signatory.name, lines), signatory.name
    assert not shows("Withdrawn Organisation", lines)
    assert not shows("مدرسة غير معتمدة", lines)
    assert "7 organisations from 5 countries" in text


def test_user_text_is_printed_as_text_and_never_read_as_html(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)
    hostile = '<img src="file:///etc/passwd"> <a rel="attachment" href="file:///etc/passwd">x</a>'

    pdf = render_declaration(version=version, snapshot=make_snapshot([hostile, "Bridges & Co"]))

    text = "\n".join(text_lines(pdf))
    assert 'src="file:///etc/passwd">' in text
    assert "Bridges & Co" in text
    assert reader(pdf).attachments == {}


def test_the_pdf_embeds_the_noto_fonts_for_latin_arabic_and_chinese(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)

    pdf = render_declaration(version=version, snapshot=make_snapshot(count=3))

    fonts = embedded_fonts(pdf)
    assert fonts >= NOTO_STACK
    # Nothing else: no DejaVu (boxes for Chinese), no Japanese CJK face picked by `lang`.
    assert all(name.startswith("Noto-Sans") and "JP" not in name for name in fonts), fonts


def test_the_pdf_has_an_outline_metadata_and_a_tagged_structure(publish, pdf_settings):
    version = publish(principles=3, action_lines=1)

    pdf = render_declaration(version=version, snapshot=make_snapshot(count=5))

    title, sections = outline_titles(pdf)
    assert title == "Test Declaration"
    assert sections == [
        "Preamble",
        "Principle 1 Principle title 1",
        "Principle 2 Principle title 2",
        "Principle 3 Principle title 3",
        "Signatories",
        ["Brazil (1)", "China (1)", "Egypt (1)", "Jordan (1)", "Kenya (1)"],
        "About this document",
    ]
    document = reader(pdf)
    assert document.metadata.title == "Test Declaration, version 1"
    assert document.metadata.subject.startswith("The declaration, version 1, with the 5")
    catalog = document.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog


def test_every_page_after_the_title_carries_a_running_header_and_its_number(publish, pdf_settings):
    version = publish(principles=3, action_lines=3)

    pages = reader(render_declaration(version=version, snapshot=make_snapshot(count=4))).pages

    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        assert "Version 1" in text
        if number > 1:
            assert "Test Declaration" in text


def test_the_last_page_carries_the_content_hash_the_snapshot_and_a_qr_code(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)
    snapshot = make_snapshot(count=2)

    pdf = render_declaration(version=version, snapshot=snapshot)

    last_page = reader(pdf).pages[-1]

    text = "".join(last_page.extract_text().split())
    assert version.content_hash in text
    assert snapshot.digest in text
    assert snapshot.taken_at.strftime("%-d%B%Y,%H:%M:%S") in text
    assert f"https://declaration.example.org/verify/?version=1&snapshot={snapshot.digest}" in text
    # The QR code is drawn as vector graphics, tagged as a figure with a text alternative.
    assert "QR code of the verification page of this file" in alternative_texts(pdf)


def test_two_thousand_signatories_in_three_scripts_are_all_in_the_pdf(publish, pdf_settings):
    version = publish(principles=3, action_lines=3)
    snapshot = make_snapshot(count=2000)

    pdf = render_declaration(version=version, snapshot=snapshot)

    lines = text_lines(pdf)
    words = {word for line in lines for word in line.split()}
    for signatory in snapshot.signatories:
        # Names are "<base name> <number>": the number is unique, the base name shared.
        assert signatory.name.split()[-1] in words, signatory.name
    assert shows(snapshot.signatories[1].name, lines)
    assert shows(snapshot.signatories[2].name, lines)
    assert "2000 organisations from 5 countries" in "\n".join(lines)


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    CountingHandler.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_renderer_fetches_no_file_and_no_url_and_still_renders(local_server, settings):
    html = f"""<!doctype html><html lang="en"><head><title>Hostile</title>
      <link rel="stylesheet" href="{local_server}/style.css"></head><body>
      <h1>Hostile</h1>
      <img src="file:///etc/passwd" alt="passwd">
      <a rel="attachment" href="file:///etc/passwd">passwd</a>
      <a rel="attachment" href="file:///dev/urandom">random</a>
      <img src="{local_server}/tracker.png" alt="tracker">
      <p style="background: url('{local_server}/background.png')">Still here.</p>
    </body></html>"""

    pdf = render_pdf(html)

    assert CountingHandler.requests == []
    document = reader(pdf)
    assert document.attachments == {}
    assert "Still here." in document.pages[0].extract_text()
    assert b"root:x:0:0" not in pdf


def test_the_fetcher_allows_only_small_data_images_and_files_inside_the_static_folders(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = StaticOnlyURLFetcher(allowed_dirs=[static], max_bytes=1000)

    assert fetcher.fetch((static / "logo.svg").as_uri()).read().startswith(b"<svg")
    assert fetcher.fetch("data:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"
    refused = [
        "file:///etc/passwd",
        (tmp_path / "secret.txt").as_uri(),
        (static / ".." / "secret.txt").as_uri(),
        "file:///dev/urandom",
        "http://127.0.0.1/",
        "https://example.org/logo.png",
        "data:text/html,<p>hello</p>",
        "data:image/png;base64," + "A" * 2000,
    ]
    for url in refused:
        with pytest.raises(ValueError, match="may only use"):
            fetcher.fetch(url)


def test_a_render_that_runs_out_of_time_or_memory_stops_with_a_clear_error(settings):
    html = "<!doctype html><html lang='en'><title>t</title><p>Text</p></html>"

    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.01
    with pytest.raises(PdfRenderError, match=r"longer than 0\.01 s"):
        render_pdf(html)

    settings.PDF_RENDER_TIMEOUT_SECONDS = 60
    settings.PDF_RENDER_MEMORY_MB = 50
    with pytest.raises(PdfRenderError):
        render_pdf(html)
