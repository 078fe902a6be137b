"""Comment threads on the items of drafts and translations: started at any stage before
publication by editors and reviewers, answered, resolved, and shown where people work."""

import pytest
from django.urls import reverse

from principles.drafting import comments, review, translation_services
from principles.models import ReviewComment, VersionStateError
from tests.html import csrf_token, parse_strict, submit


def first_line(draft):
    return draft.principles.get(position=1).action_lines.get(position=1)


def edit_page(draft, line):
    return reverse("drafting:edit-action-line", args=[draft.pk, line.pk])


def test_an_editor_comments_on_an_item_in_progress_and_sees_the_thread_on_its_edit_page(
    draft, editor, signed_in
):
    client, line = signed_in(editor), first_line(draft)

    response = submit(
        client,
        reverse("drafting:comment", args=[draft.pk]),
        {"item_key": str(line.key), "comment": "Should we name the ministry?", "next": "/x"},
        page=edit_page(draft, line),
    )

    thread = ReviewComment.objects.get()
    assert (thread.version, thread.item_key, thread.author) == (draft, str(line.key), editor)
    assert response.url == f"/x#item-{line.key}"
    page = client.get(edit_page(draft, line)).content.decode()
    parse_strict(page)
    assert "Should we name the ministry?" in page
    assert "Comment from ed:" in page


def test_a_reviewer_answers_and_the_editor_resolves_a_thread_which_folds_away(
    draft, editor, reviewer, signed_in
):
    line = first_line(draft)
    review.submit(reviewed=draft, by=editor)
    thread = comments.start_thread(
        reviewed=draft, item_key=str(line.key), by=reviewer, text="Who pays?"
    )
    draft_page = reverse("drafting:draft", args=[draft.pk])

    client = signed_in(editor)
    submit(
        client,
        reverse("drafting:answer", args=[thread.pk]),
        {"comment": "The state."},
        page=draft_page,
    )
    submit(client, reverse("drafting:resolve", args=[thread.pk]), page=draft_page)

    thread.refresh_from_db()
    assert [reply.text for reply in thread.replies.all()] == ["The state."]
    assert (thread.resolved_by, thread.is_resolved) == (editor, True)
    page = client.get(draft_page).content.decode()
    resolved = page[page.index(f'id="thread-{thread.pk}"') - 60 :]
    assert resolved.startswith("details", resolved.index("<") + 1)
    assert "Thread resolved by ed" in resolved
    assert "Who pays?" in resolved
    assert "The state." in resolved


def test_a_thread_can_be_answered_after_it_was_resolved_and_opens_again(draft, editor, reviewer):
    thread = comments.start_thread(reviewed=draft, item_key="version", by=reviewer, text="Title?")
    comments.resolve(thread=thread, by=editor)

    comments.answer(thread=thread, by=reviewer, text="One more thing.")

    thread.refresh_from_db()
    assert not thread.is_resolved
    comments.resolve(thread=thread, by=editor)
    with pytest.raises(VersionStateError, match="already resolved"):
        comments.resolve(thread=thread, by=editor)


def test_a_translation_item_gets_comments_shown_on_the_translation_page(
    publish, editor, reviewer, signed_in
):
    version = publish(principles=1, action_lines=1)
    translation = translation_services.start_translation(version=version, language="ar", by=editor)
    page_url = reverse("drafting:translation", args=[translation.pk])

    client = signed_in(reviewer)
    submit(
        client,
        reverse("drafting:translation-comment", args=[translation.pk]),
        {"item_key": "version", "comment": "Use the formal register."},
        page=page_url,
    )

    assert ReviewComment.objects.get().translation == translation
    page = client.get(page_url).content.decode()
    assert "Use the formal register." in page[page.index('id="item-version"') :]


def test_nobody_comments_on_a_published_draft_or_on_an_item_that_does_not_exist(
    draft, editor, reviewer, publisher
):
    with pytest.raises(VersionStateError):
        comments.start_thread(reviewed=draft, item_key="nonsense", by=editor, text="?")
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    review.publish(reviewed=draft, by=publisher)

    with pytest.raises(VersionStateError):
        comments.start_thread(reviewed=draft, item_key="version", by=editor, text="Late.")


def test_a_publisher_without_an_editing_or_reviewing_role_cannot_comment(
    draft, publisher, signed_in
):
    client = signed_in(publisher)
    page = client.get(reverse("drafting:draft", args=[draft.pk])).content.decode()

    assert "Comment on this item" not in page
    response = client.post(
        reverse("drafting:comment", args=[draft.pk]), {"item_key": "version", "comment": "Hi"}
    )
    assert response.status_code == 403


def test_comments_from_sending_back_start_threads_that_the_editor_can_answer(
    draft, editor, reviewer, signed_in
):
    line = first_line(draft)
    review.submit(reviewed=draft, by=editor)
    review.send_back(reviewed=draft, by=reviewer, comments={str(line.key): "Shorter, please."})

    thread = ReviewComment.objects.get()
    assert thread.parent is None
    assert not thread.is_resolved
    page = signed_in(editor).get(edit_page(draft, line)).content.decode()
    assert "Shorter, please." in page
    assert reverse("drafting:answer", args=[thread.pk]) in page


def test_a_reviewer_who_commented_on_the_items_sends_the_draft_back_without_writing_again(
    draft, editor, reviewer, signed_in
):
    review.submit(reviewed=draft, by=editor)
    comments.start_thread(reviewed=draft, item_key="version", by=reviewer, text="Shorter.")
    client = signed_in(reviewer)

    submit(client, reverse("drafting:send-back", args=[draft.pk]), {})

    draft.refresh_from_db()
    assert draft.status == draft.Status.DRAFT


def test_a_comment_that_is_refused_is_shown_again_with_its_text_and_can_be_sent_again(
    draft, editor, signed_in
):
    client, line = signed_in(editor), first_line(draft)
    too_long = "Should we name the ministry? " * 100  # over 2,000 characters
    comment = reverse("drafting:comment", args=[draft.pk])
    posted = {"item_key": str(line.key), "comment": too_long + "\x00", "next": "/x"}

    refused = submit(client, comment, posted, page=edit_page(draft, line))

    assert refused.status_code == 400
    page = refused.content.decode()
    parse_strict(page)  # the NUL byte is not echoed
    assert "Your comment was not added" in page
    assert too_long.strip() in " ".join(page.split())
    assert not ReviewComment.objects.exists()

    # Sent again from the page that kept it, with that page's token.
    again = client.post(
        comment,
        {
            **posted,
            "comment": "Should we name the ministry?",
            "csrfmiddlewaretoken": csrf_token(refused),
        },
    )

    assert again.url == f"/x#item-{line.key}"
    assert ReviewComment.objects.get().text == "Should we name the ministry?"
