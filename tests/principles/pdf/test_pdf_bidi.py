"""Names that run the other way keep their order in the PDF: WeasyPrint follows an explicit
`dir` (the `isolate` filter's), not `dir="auto"` nor a bare <bdi>."""

from principles.pdf.render import render_declaration
from tests.principles.pdf.pdf_reading import make_snapshot, reader, text_positions


def runs_on_first_page_with(pdf: bytes, word: str) -> list[tuple[str, float, float]]:
    for page in reader(pdf).pages:
        runs = text_positions(page)
        if any(word in text for text, _, _ in runs):
            return runs
    raise AssertionError(f"{word!r} is in no page")


def test_an_english_name_ending_in_digits_stays_one_run_in_the_arabic_pdf(
    publish_translated, pdf_settings
):
    version = publish_translated("ar", principles=1, action_lines=1)
    name = "Open Schools Network 2.0."

    pdf = render_declaration(version=version, snapshot=make_snapshot([name]), language="ar")

    # Not isolated, the bidirectional algorithm moves the final full stop to the other end.
    assert name in [text for text, _, _ in runs_on_first_page_with(pdf, "Open Schools")]
