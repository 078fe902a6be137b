"""Editors start drafts and revise them; every save is a revision, and stale saves are refused."""

import pytest
from django.test import Client
from django.urls import reverse

from principles.drafting import review
from principles.drafting.services import save_item_text, start_draft
from principles.models import (
    ActionLine,
    ActionLineText,
    AuditEntry,
    PrincipleText,
    Revision,
    RevisionIsImmutable,
    Version,
)
from tests.html import csrf_token, parse_strict, submit


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def line(draft, principle: int, position: int) -> ActionLine:
    return ActionLine.objects.get(
        principle__version=draft, principle__position=principle, position=position
    )


def texts_of(draft) -> list[list[str]]:
    return [
        [action_line.text.text for action_line in principle.action_lines.all()]
        for principle in Version.objects.with_text().get(pk=draft.pk).principles.all()
    ]


def edit_line_data(action_line, text, note=""):
    base = review.latest_revision_id(
        of=action_line.principle.version, item_key=str(action_line.key)
    )
    return {"text": text, "note": note, "base_revision": base}


def test_starting_a_draft_copies_the_source_text_and_keeps_keys_but_not_translations(
    publish, declaration, editor, signed_in
):
    published = publish(principles=2, action_lines=2)
    first = published.principles.get(position=1)
    # bulk_create lets a translation into a published version: this one exists only for the test.
    PrincipleText.objects.bulk_create(
        [PrincipleText(principle=first, language="fr", title="Titre")]
    )
    declaration.refresh_from_db()

    response = submit(signed_in(editor), url("start"), page=url("index"))

    draft = Version.objects.in_progress().get()
    assert response.status_code == 302
    assert response.url == url("draft", draft.pk)
    assert draft.based_on == published
    assert draft.snapshot() == published.snapshot()
    # A translation would not follow the draft's edits; it is redone from the published version.
    assert not PrincipleText.objects.filter(principle__version=draft, language="fr").exists()
    assert draft.revisions.get().action == Revision.Action.START
    assert list(draft.authors()) == [editor]


def test_the_workspace_shows_the_draft_with_edit_links(draft, editor, signed_in):
    response = signed_in(editor).get(url("draft", draft.pk))

    page = parse_strict(response.content)
    assert response.status_code == 200
    assert "Action line 2.3 text." in response.content.decode()
    assert url("edit-action-line", draft.pk, line(draft, 2, 3).pk) in {
        a.get("href") for a in page.iter("a")
    }


def test_rewording_an_action_line_records_a_revision_with_its_note(draft, editor, signed_in):
    action_line = line(draft, 2, 3)

    response = submit(
        signed_in(editor),
        url("edit-action-line", draft.pk, action_line.pk),
        edit_line_data(action_line, "A reworded line.", note="Clearer"),
    )

    assert response.status_code == 302
    assert texts_of(draft)[1][2] == "A reworded line."
    revision = draft.revisions.first()
    assert (revision.author, revision.action, revision.note) == (editor, "edit", "Clearer")
    assert revision.summary == "Reworded action line 2.3"
    assert revision.item_key == str(action_line.key)
    assert revision.snapshot["principles"][1]["action_lines"][2]["text"] == "A reworded line."
    assert (
        AuditEntry.objects.about(draft)
        .filter(action=AuditEntry.Action.DRAFT_EDIT, actor=editor)
        .exists()
    )


def test_editing_the_title_and_preamble_and_a_principle_records_revisions(draft, editor, signed_in):
    client = signed_in(editor)
    principle = draft.principles.get(position=1)
    base = review.latest_revision_id(of=draft, item_key="version")

    submit(
        client,
        url("edit-text", draft.pk),
        {"title": "New title", "preamble": "New preamble.", "base_revision": base, "note": ""},
    )
    submit(
        client,
        url("edit-principle", draft.pk, principle.pk),
        {"title": "New principle title", "explanation": "", "base_revision": 0, "note": ""},
    )

    snapshot = Version.objects.get(pk=draft.pk).snapshot()
    assert (snapshot["title"], snapshot["preamble"]) == ("New title", "New preamble.")
    assert snapshot["principles"][0]["title"] == "New principle title"
    assert [r.summary for r in draft.revisions.all()][:2] == [
        "Reworded principle 1",
        "Edited the title and preamble",
    ]


def test_a_save_that_changes_nothing_records_no_revision(draft, editor, signed_in):
    action_line = line(draft, 1, 1)

    submit(
        signed_in(editor),
        url("edit-action-line", draft.pk, action_line.pk),
        edit_line_data(action_line, "Action line 1.1 text."),
    )

    assert draft.revisions.count() == 1


def test_a_stale_save_is_refused_and_keeps_the_typed_text(draft, make_user, editor):
    other = make_user("olga", "Editor")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(editor)
    second.force_login(other)
    action_line = line(draft, 1, 2)
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    # Both open the form, so both forms carry the same base revision.
    first_page, second_page = first.get(edit_url), second.get(edit_url)
    first_form, second_form = parse_strict(first_page.content), parse_strict(second_page.content)
    base = second_form.find(".//input[@name='base_revision']").get("value")
    assert first_form.find(".//input[@name='base_revision']").get("value") == base

    first.post(
        edit_url,
        {
            "text": "First editor's text.",
            "note": "",
            "base_revision": base,
            "csrfmiddlewaretoken": csrf_token(first_page),
        },
    )
    response = second.post(
        edit_url,
        {
            "text": "Second editor's text.",
            "note": "",
            "base_revision": base,
            "csrfmiddlewaretoken": csrf_token(second_page),
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "ed saved this item while you were editing it" in content
    assert "First editor&#x27;s text." in content
    page = parse_strict(response.content)
    assert page.find(".//textarea[@name='text']").text.strip() == "Second editor's text."
    assert texts_of(draft)[0][1] == "First editor's text."
    assert draft.revisions.count() == 2
    # Saving again from the conflict page deliberately replaces the first editor's text.
    new_base = page.find(".//input[@name='base_revision']").get("value")
    second.post(
        edit_url,
        {
            "text": "Second editor's text.",
            "note": "",
            "base_revision": new_base,
            "csrfmiddlewaretoken": csrf_token(response),
        },
    )
    assert texts_of(draft)[0][1] == "Second editor's text."


def test_adding_principles_and_action_lines_puts_them_at_the_end(draft, editor, signed_in):
    client = signed_in(editor)
    submit(
        client, url("add-principle", draft.pk), {"title": "Fourth", "explanation": "", "note": ""}
    )
    fourth = draft.principles.get(position=4)

    submit(client, url("add-action-line", draft.pk, fourth.pk), {"text": "First line.", "note": ""})

    assert texts_of(draft)[3] == ["First line."]
    assert [r.summary for r in draft.revisions.all()][:2] == [
        "Added action line 4.1",
        "Added principle 4",
    ]


def test_removing_an_action_line_closes_the_gap_and_history_keeps_its_text(
    draft, editor, signed_in
):
    action_line = line(draft, 1, 1)
    base = review.latest_revision_id(of=draft, item_key=str(action_line.key))

    submit(
        signed_in(editor),
        url("remove-action-line", draft.pk, action_line.pk),
        {"base_revision": base, "note": ""},
    )

    assert texts_of(draft)[0] == ["Action line 1.2 text.", "Action line 1.3 text."]
    assert [line.position for line in draft.principles.get(position=1).action_lines.all()] == [1, 2]
    assert draft.revisions.first().summary == "Removed action line 1.1"


def test_removing_a_principle_removes_its_action_lines_and_renumbers(draft, editor, signed_in):
    principle = draft.principles.get(position=1)

    submit(
        signed_in(editor),
        url("remove-principle", draft.pk, principle.pk),
        {"base_revision": 0, "note": ""},
    )

    assert list(draft.principles.values_list("position", flat=True)) == [1, 2]
    assert texts_of(draft)[0][0] == "Action line 2.1 text."
    assert not ActionLine.objects.filter(principle_id=principle.pk).exists()


def test_reordering_principles_and_action_lines(draft, editor, signed_in):
    client = signed_in(editor)
    p1, p2, p3 = draft.principles.all()
    base = review.latest_revision_id(of=draft)

    submit(client,
        url("reorder-principles", draft.pk),
        {f"position_{p1.pk}": 3, f"position_{p2.pk}": 1, f"position_{p3.pk}": 2,
         "base_revision": base, "note": "Lead with access"},
    )  # fmt: skip
    l1, l2, l3 = p1.action_lines.all()
    submit(client,
        url("reorder-action-lines", draft.pk, p1.pk),
        {f"position_{l1.pk}": 2, f"position_{l2.pk}": 1, f"position_{l3.pk}": 3,
         "base_revision": review.latest_revision_id(of=draft), "note": ""},
    )  # fmt: skip

    assert [p.text.title for p in draft.principles.all()] == [
        "Principle title 2",
        "Principle title 3",
        "Principle title 1",
    ]
    assert texts_of(draft)[2] == [
        "Action line 1.2 text.",
        "Action line 1.1 text.",
        "Action line 1.3 text.",
    ]
    assert draft.revisions.count() == 3


def test_a_reorder_naming_items_from_another_draft_is_refused_and_changes_nothing(
    draft, declaration, editor, signed_in
):
    other_draft = start_draft(declaration=declaration, by=editor)
    foreign = other_draft.principles.first()
    p1, p2, p3 = draft.principles.all()

    response = submit(signed_in(editor),
        url("reorder-principles", draft.pk),
        {f"position_{p1.pk}": 3, f"position_{p2.pk}": 1, f"position_{p3.pk}": 2,
         f"position_{foreign.pk}": 4, "base_revision": review.latest_revision_id(of=draft),
         "note": ""},
    )  # fmt: skip

    assert response.status_code == 200
    assert "names items that are not part of this list" in response.content.decode()
    assert list(draft.principles.values_list("pk", flat=True)) == [p1.pk, p2.pk, p3.pk]
    assert draft.revisions.count() == 1


def test_a_reorder_giving_two_items_one_position_is_refused(draft, editor, signed_in):
    p1, p2, p3 = draft.principles.all()

    response = submit(signed_in(editor),
        url("reorder-principles", draft.pk),
        {f"position_{p1.pk}": 1, f"position_{p2.pk}": 1, f"position_{p3.pk}": 2,
         "base_revision": review.latest_revision_id(of=draft), "note": ""},
    )  # fmt: skip

    assert "Give each item a different position." in response.content.decode()
    assert draft.revisions.count() == 1


BAD_INPUT = [
    ({"text": ""}, "This field is required."),
    ({"text": "x" * 20_000}, "Ensure this value has at most 2000 characters"),
    ({"text": "<script>alert(1)</script>"}, "HTML tags and scripts are not allowed"),
    ({"text": 'Fine <img src=x onerror="alert(1)">'}, "HTML tags and scripts are not allowed"),
]


@pytest.mark.parametrize(("data", "error"), BAD_INPUT)
def test_bad_action_line_text_gets_a_clear_error_and_changes_nothing(
    draft, editor, signed_in, data, error
):
    action_line = line(draft, 1, 1)

    response = submit(
        signed_in(editor),
        url("edit-action-line", draft.pk, action_line.pk),
        {"note": "", "base_revision": 1, **data},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert error in content
    assert "<script>alert(1)" not in content
    parse_strict(response.content)
    assert ActionLineText.objects.get(action_line=action_line).text == "Action line 1.1 text."
    assert draft.revisions.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "   "}, "This field is required."),
        ({"title": "T" * 20_000}, "Ensure this value has at most 300 characters"),
        ({"preamble": "P" * 20_000}, "Ensure this value has at most 10000 characters"),
        ({"title": "<b>Bold</b>"}, "HTML tags and scripts are not allowed"),
    ],
)
def test_bad_title_or_preamble_gets_a_clear_error_and_changes_nothing(
    draft, editor, signed_in, data, error
):
    before = draft.snapshot()
    base = review.latest_revision_id(of=draft, item_key="version")

    response = submit(
        signed_in(editor),
        url("edit-text", draft.pk),
        {"title": "Fine", "preamble": "Fine.", "note": "", "base_revision": base, **data},
    )

    assert error in response.content.decode()
    assert Version.objects.get(pk=draft.pk).snapshot() == before


@pytest.mark.parametrize("title", ["", "x" * 20_000, "<script>alert(1)</script>"])
def test_a_principle_with_a_bad_title_is_not_added(draft, editor, signed_in, title):
    response = submit(
        signed_in(editor),
        url("add-principle", draft.pk),
        {"title": title, "explanation": "", "note": ""},
    )

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert draft.principles.count() == 3


def test_an_item_can_be_restored_to_an_earlier_revision_as_a_new_revision(draft, editor, signed_in):
    client = signed_in(editor)
    action_line = line(draft, 1, 1)
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    submit(client, edit_url, edit_line_data(action_line, "Second wording."))
    second = draft.revisions.first()
    submit(client, edit_url, edit_line_data(action_line, "Third wording."))

    page = client.get(edit_url).content.decode()
    assert "Second wording." in page
    assert url("restore", draft.pk, second.pk) in page
    submit(
        client,
        url("restore", draft.pk, second.pk),
        {"item_key": str(action_line.key)},
        page=edit_url,
    )

    assert texts_of(draft)[0][0] == "Second wording."
    restore = draft.revisions.first()
    assert restore.action == Revision.Action.RESTORE
    assert restore.summary == f"Restored action line 1.1 to revision {second.pk}"
    assert draft.revisions.count() == 4
    assert (
        AuditEntry.objects.about(draft).filter(action=AuditEntry.Action.DRAFT_RESTORE).count() == 1
    )


def test_a_removed_principle_can_be_restored_from_the_history_with_its_action_lines(
    draft, editor, signed_in
):
    client = signed_in(editor)
    principle = draft.principles.get(position=1)
    key = str(principle.key)
    submit(
        client, url("remove-principle", draft.pk, principle.pk), {"base_revision": 0, "note": ""}
    )
    before_removal = draft.revisions.order_by("pk").first()

    history = client.get(url("history", draft.pk)).content.decode()
    assert url("restore", draft.pk, before_removal.pk) in history
    submit(
        client,
        url("restore", draft.pk, before_removal.pk),
        {"item_key": key},
        page=url("history", draft.pk),
    )

    restored = draft.principles.get(key=key)
    assert restored.position == 3
    assert texts_of(draft)[2] == [f"Action line 1.{n} text." for n in (1, 2, 3)]
    assert draft.revisions.first().summary == (
        f"Restored removed principle 3 from revision {before_removal.pk}"
    )


def test_a_revision_can_never_be_changed_or_deleted(draft):
    revision = draft.revisions.get()
    revision.note = "Rewritten history"

    with pytest.raises(RevisionIsImmutable):
        revision.save()
    with pytest.raises(RevisionIsImmutable):
        revision.delete()


def test_the_history_lists_every_revision_with_author_and_note(draft, editor, signed_in):
    client = signed_in(editor)
    action_line = line(draft, 3, 1)
    submit(
        client,
        url("edit-action-line", draft.pk, action_line.pk),
        edit_line_data(action_line, "New words.", note="Tighter wording"),
    )

    page = parse_strict(client.get(url("history", draft.pk)).content)

    rows = [" ".join("".join(tr.itertext()).split()) for tr in page.findall(".//tbody/tr")]
    assert len(rows) == 2
    assert "ed Reworded action line 3.1 Tighter wording" in rows[0]
    assert "Started from version 1" in rows[1]


def test_two_revisions_of_a_draft_can_be_compared_word_by_word(draft, editor, signed_in):
    client = signed_in(editor)
    action_line = line(draft, 1, 1)
    submit(
        client,
        url("edit-action-line", draft.pk, action_line.pk),
        edit_line_data(action_line, "Action line 1.1 wording."),
    )
    first, second = draft.revisions.order_by("pk")

    response = client.get(url("compare-revisions", draft.pk), {"old": first.pk, "new": second.pk})

    content = response.content.decode()
    assert '<del><span class="visually-hidden">deleted:</span>text.</del>' in content
    assert '<ins><span class="visually-hidden">inserted:</span>wording.</ins>' in content
    parse_strict(response.content)


def test_any_two_versions_drafts_included_can_be_compared(draft, editor, signed_in):
    client = signed_in(editor)
    action_line = line(draft, 2, 2)
    submit(
        client,
        url("edit-action-line", draft.pk, action_line.pk),
        edit_line_data(action_line, "Action line 2.2 text, now longer."),
    )

    response = client.get(url("compare"), {"old": draft.based_on_id, "new": draft.pk})

    page = parse_strict(response.content)
    assert page.find(".//h1").text == f"Changes from Version 1 to Draft {draft.pk} (draft)"
    changed = page.findall(".//li[@class='diff-changed']")
    assert [li.find("span").text for li in changed] == ["2.2"]


def test_a_submitted_draft_cannot_be_edited(draft, editor, signed_in):
    client = signed_in(editor)
    action_line = line(draft, 1, 1)
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    opened_before = client.get(edit_url)  # in another tab
    submit(client, url("submit", draft.pk), page=url("draft", draft.pk))

    response = client.post(
        edit_url,
        {
            **edit_line_data(action_line, "Sneaky change."),
            "csrfmiddlewaretoken": csrf_token(opened_before),
        },
    )

    assert response.status_code == 409
    assert texts_of(draft)[0][0] == "Action line 1.1 text."
    assert "only a draft in progress can be edited" in response.content.decode()


def test_a_save_into_a_draft_submitted_meanwhile_is_refused_and_keeps_the_typed_text(
    draft, editor, make_user, signed_in
):
    action_line = line(draft, 1, 1)
    typed = edit_line_data(action_line, "A careful rewording, typed at length.")
    review.submit(reviewed=draft, by=make_user("olga", "Editor"))

    response = submit(signed_in(editor), url("edit-action-line", draft.pk, action_line.pk), typed)

    page = parse_strict(response.content)
    alert = "".join(page.find(".//section[@role='alert']").itertext())
    assert response.status_code == 409
    assert "Your text has not been saved" in alert
    assert "submitted for review; only a draft in progress can be edited" in alert
    assert page.find(".//textarea[@name='text']").text.strip() == typed["text"]
    assert texts_of(draft)[0][0] == "Action line 1.1 text."
    assert draft.revisions.count() == 1


@pytest.mark.parametrize(
    ("adding", "typed"),
    [
        ("add-principle", {"title": "A new principle", "explanation": "Because.", "note": ""}),
        ("add-action-line", {"text": "A new action line, typed at length.", "note": ""}),
    ],
)
def test_an_addition_to_a_draft_submitted_meanwhile_is_refused_and_keeps_the_typed_text(
    draft, editor, make_user, signed_in, adding, typed
):
    args = [draft.pk] if adding == "add-principle" else [draft.pk, draft.principles.first().pk]
    review.submit(reviewed=draft, by=make_user("olga", "Editor"))

    response = submit(signed_in(editor), url(adding, *args), typed)

    page = parse_strict(response.content)
    assert response.status_code == 409
    assert "Your text has not been saved" in "".join(
        page.find(".//section[@role='alert']").itertext()
    )
    assert {name: box_text(page, name) for name in typed} == typed
    assert draft.revisions.count() == 1


def box_text(page, name: str) -> str:
    """What the form's box `name` holds: an input's value or a textarea's text."""
    box = page.find(f".//*[@name='{name}']")
    return ((box.text if box.tag == "textarea" else box.get("value")) or "").strip()


def workspace_urls(draft) -> list[str]:
    principle = draft.principles.first()
    action_line = principle.action_lines.first()
    revision = draft.revisions.first()
    return [
        url("index"),
        url("draft", draft.pk),
        url("edit-text", draft.pk),
        url("edit-principle", draft.pk, principle.pk),
        url("edit-action-line", draft.pk, action_line.pk),
        url("add-principle", draft.pk),
        url("add-action-line", draft.pk, principle.pk),
        url("remove-principle", draft.pk, principle.pk),
        url("remove-action-line", draft.pk, action_line.pk),
        url("reorder-principles", draft.pk),
        url("reorder-action-lines", draft.pk, principle.pk),
        url("history", draft.pk),
        url("changes", draft.pk),
        url("send-back", draft.pk),
        reverse("audit") + "?what=drafting",
        url("compare") + f"?old={draft.based_on_id}&new={draft.pk}",
        url("compare-revisions", draft.pk) + f"?old={revision.pk}&new={revision.pk}",
    ]


@pytest.mark.parametrize("size", [1, 10])
def test_workspace_pages_run_a_bounded_number_of_queries(
    publish, declaration, make_user, client, django_assert_max_num_queries, size
):
    everyone = make_user("all", "Editor", "Reviewer", "Publisher")
    publish(principles=size, action_lines=size)
    declaration.refresh_from_db()
    draft = start_draft(declaration=declaration, by=everyone)
    lines = list(ActionLine.objects.filter(principle__version=draft))
    for action_line in lines:
        save_item_text(item=action_line, by=everyone, values={"text": "New."}, base_revision=0)
    review.submit(reviewed=draft, by=everyone)
    review.send_back(reviewed=draft, by=everyone, comments={str(al.key): "Why?" for al in lines})
    client.force_login(everyone)

    for page_url in workspace_urls(draft):
        with django_assert_max_num_queries(16):
            response = client.get(page_url)
        assert response.status_code == 200, page_url
        parse_strict(response.content)


def test_the_order_page_names_each_action_line_by_its_words_cut_at_a_word(draft, editor, signed_in):
    action_line = line(draft, 1, 1)
    long_text = " ".join(f"word{number}" for number in range(1, 41))
    save_item_text(item=action_line, by=editor, values={"text": long_text}, base_revision=0)

    response = signed_in(editor).get(
        url("reorder-action-lines", draft.pk, action_line.principle_id)
    )

    label = parse_strict(response.content).find(f".//label[@for='id_position_{action_line.pk}']")
    assert "".join(label.itertext()).strip() == " ".join(long_text.split()[:30]) + "…"
