"""The drafting workspace in another interface language marks the declaration's English text as
English, left to right (lang, dir), as the public pages do, so that screen readers pronounce it
right and its punctuation stays in place on an Arabic page."""

import pytest
from django.urls import reverse
from django.utils import translation

from principles.models import ActionLine
from tests.html import parse_strict


def url(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(f"drafting:{name}", args=args)


def marking(page, text: str) -> set[tuple[str, str, str]]:
    """For each element of the body whose own text or value holds `text`: the nearest element,
    itself or around it, that names a language, as (tag, lang, dir)."""
    parents = {child: parent for parent in page.iter() for child in parent}
    found = set()
    for element in page.find("body").iter():
        own = [element.text, element.get("value"), *(child.tail for child in element)]
        if text not in "".join(filter(None, own)):
            continue
        while element.get("lang") is None:
            element = parents[element]
        found.add((element.tag, element.get("lang"), element.get("dir")))
    assert found, f"{text!r} is not on the page"
    return found


@pytest.fixture
def pages(draft):
    """The workspace pages that show the declaration's text, and the texts each one shows."""
    first = ActionLine.objects.get(principle__version=draft, principle__position=1, position=1)
    principle = first.principle
    return {
        ("index",): ["Test Declaration"],
        ("draft", draft.pk): [
            "Test Declaration",
            "Second paragraph",
            "Principle title 1",
            "Why principle 1 matters.",
            "Action line 1.1 text.",
        ],
        ("edit-text", draft.pk): ["Test Declaration", "Second paragraph"],
        ("edit-principle", draft.pk, principle.pk): ["Principle title 1", "Why principle 1"],
        ("edit-action-line", draft.pk, first.pk): ["Action line 1.1 text."],
        ("remove-action-line", draft.pk, first.pk): ["Action line 1.1 text."],
        ("reorder-action-lines", draft.pk, principle.pk): ["Action line 1.2 text."],
        ("send-back", draft.pk): ["Principle title 2", "Action line 2.3 text."],
    }


def test_english_text_is_marked_english_left_to_right_on_arabic_workspace_pages(
    pages, make_user, signed_in
):
    client = signed_in(make_user("all", "Editor", "Reviewer"))
    unmarked = {}
    for (name, *args), texts in pages.items():
        page = parse_strict(client.get(url("ar", name, *args)).content)
        for text in texts:
            marks = {(lang, direction) for _tag, lang, direction in marking(page, text)}
            if marks != {("en", "ltr")}:
                unmarked[name, text] = marks

    assert unmarked == {}


def test_english_workspace_pages_mark_only_the_text_boxes(pages, make_user, signed_in):
    client = signed_in(make_user("all", "Editor", "Reviewer"))
    marked = {}
    for (name, *args), texts in pages.items():
        page = parse_strict(client.get(url("en", name, *args)).content)
        for text in texts:
            # A text box says which language its text is in; elsewhere the page's own will do.
            tags = {tag for tag, _lang, _direction in marking(page, text)}
            if tags - {"html", "input", "textarea"}:
                marked[name, text] = tags

    assert marked == {}
