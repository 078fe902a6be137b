"""How the Arabic form lays an English action line out, measured in Debian's chromium."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FIRST_WORD_BOX = """text => {
    const range = document.createRange();
    range.setStart(text.firstChild, 0);
    range.setEnd(text.firstChild, text.firstChild.data.indexOf(" "));
    const box = range.getBoundingClientRect();
    return {x: box.x, y: box.y, width: box.width, height: box.height};
}"""


def test_on_the_arabic_form_the_number_sits_right_of_its_english_line_which_reads_left_to_right(
    live_server, transactional_db, page, reword
):
    call_command("load_declaration", stdout=StringIO())
    # Version 2 rewords action line 1.1 in English: until its Arabic is updated, the Arabic
    # form shows it in English, which is how English comes to sit on an Arabic page.
    reword(((1, 1), "Design every programme first for the learners least likely to be reached."))

    page.goto(live_server.url + "/ar/endorse/")

    label = page.locator(".action-line-group label").first
    expect(label).to_contain_text("1.1")
    number, text = label.locator("bdi").bounding_box(), label.locator("span[lang=en]")
    text_box, first_word = text.bounding_box(), text.evaluate(FIRST_WORD_BOX)
    # The number is right of the whole English text, not inside one of its lines.
    assert number["x"] >= text_box["x"] + text_box["width"]
    # The English starts at the left of its box, on the number's line: read left to right.
    assert first_word["x"] == pytest.approx(text_box["x"], abs=1)
    assert first_word["y"] == pytest.approx(number["y"], abs=number["height"] / 2)
    expect(text).to_have_css("direction", "ltr")
