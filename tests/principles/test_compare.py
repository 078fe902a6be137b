"""Comparing two texts item by item, and the public comparison of published versions."""

import pytest

from principles.comparison import compare, diff_words
from principles.drafting import review
from principles.drafting.services import publish_loaded_text, save_item_text, start_draft
from principles.models import ActionLine
from tests.conftest import declaration_text
from tests.html import parse_strict


def snapshot(*principles: tuple[str, list[tuple[str, str]]], title="T", preamble="P"):
    """A snapshot from (key, [(line key, text)]) pairs; principle titles are their keys."""
    return {
        "title": title,
        "preamble": preamble,
        "principles": [
            {
                "key": key,
                "title": f"Title {key}",
                "explanation": "",
                "action_lines": [{"key": k, "text": text} for k, text in lines],
            }
            for key, lines in principles
        ],
    }


def test_word_differences_are_marked_with_ins_and_del_and_hidden_labels():
    html = diff_words("Connect every school by 2030.", "Connect every school and library by 2030.")

    assert html == (
        "Connect every school "
        '<ins><span class="visually-hidden">inserted:</span>and library </ins>'
        "by 2030."
    )


def test_word_differences_escape_the_text_on_both_sides():
    html = diff_words("<b>old</b>", '<script>alert("x")</script>')

    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_items_are_matched_by_key_and_shown_as_added_removed_reworded_or_moved():
    old = snapshot(("a", [("a1", "One."), ("a2", "Two.")]), ("b", []), ("c", []))
    new = snapshot(("c", []), ("a", [("a2", "Two, reworded."), ("a3", "Three.")]), ("d", []))

    comparison = compare(old, new)

    states = [(p.key, p.status, p.moved, p.number) for p in comparison.principles]
    assert states == [
        ("c", "unchanged", True, "1"),
        ("a", "unchanged", False, "2"),
        ("d", "added", False, "3"),
        ("b", "removed", False, ""),
    ]
    lines = [(line.key, line.status, line.number) for line in comparison.principles[1].action_lines]
    assert lines == [("a2", "changed", "2.1"), ("a3", "added", "2.2"), ("a1", "removed", "")]
    assert comparison.principles[1].has_changes
    assert comparison.principles[3].old_number == "2"


def test_comparing_a_text_with_itself_finds_no_changes():
    text = snapshot(("a", [("a1", "One.")]))

    assert not compare(text, text).has_changes


def test_the_public_compares_two_published_versions_at_a_stable_address(
    client, declaration, make_user
):
    publish_loaded_text(declaration=declaration, text=declaration_text())
    editor = make_user("ed", "Editor")
    draft = start_draft(declaration=declaration, by=editor)
    save_item_text(
        item=ActionLine.objects.get(
            principle__version=draft, pk__in=draft.principles.first().action_lines.values("pk")[:1]
        ),
        by=editor,
        values={"text": "Action line 1.1 text, <em>reworded</em>."},
        base_revision=0,
    )
    review.approve(
        reviewed=review.submit(reviewed=draft, by=editor), by=make_user("rita", "Reviewer")
    )
    review.publish(reviewed=draft, by=make_user("pat", "Publisher"))

    response = client.get("/versions/1/compare/2/")

    content = response.content.decode()
    page = parse_strict(response.content)
    assert response.status_code == 200
    assert page.find(".//h1").text == "What changed from version 1 to version 2"
    assert "&lt;em&gt;reworded&lt;/em&gt;" in content
    assert "<em>" not in content
    assert (
        '<del><span class="visually-hidden">deleted:</span>text.</del>'
        '<ins><span class="visually-hidden">inserted:</span>'
        "text, &lt;em&gt;reworded&lt;/em&gt;.</ins>"
    ) in content
    changed = page.findall(".//li[@class='diff-changed']")
    assert len(changed) == 1
    assert "Reworded" in "".join(changed[0].itertext())
    summary = page.findall(".//nav[@aria-labelledby='changes-summary']//li")
    assert ["".join(li.itertext()) for li in summary] == ["Action line 1.1: Reworded"]
    assert summary[0].find("a").get("href") == "#" + changed[0].get("id")
    assert "The two texts are the same." not in content


def test_each_later_version_links_to_what_changed_since_the_previous_one(client, publish):
    publish()
    publish()

    second = parse_strict(client.get("/versions/2/").content)
    first = parse_strict(client.get("/versions/1/").content)

    assert "/versions/1/compare/2/" in {a.get("href") for a in second.iter("a")}
    assert not any("compare" in (a.get("href") or "") for a in first.iter("a"))


@pytest.mark.parametrize("path", ["/versions/1/compare/9/", "/versions/9/compare/1/"])
def test_comparing_with_an_unknown_version_is_a_404(client, publish, path):
    publish()

    assert client.get(path).status_code == 404


@pytest.mark.parametrize("size", [1, 10])
def test_the_public_comparison_runs_a_constant_number_of_queries(
    client, publish, django_assert_max_num_queries, size
):
    publish(principles=size, action_lines=size)
    publish(principles=size, action_lines=size)

    # One of them reads the change notes of the versions compared. Then the share card's: the
    # public cache's generation, the current version and its title, the count of endorsers.
    with django_assert_max_num_queries(7 + 4):
        assert client.get("/versions/1/compare/2/").status_code == 200
