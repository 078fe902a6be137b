"""The "My tasks" page: what waits for the signed-in person, by their roles and their work,
read in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from principles.drafting import comments, review, translation_services
from principles.drafting.services import start_draft
from tests.html import parse_strict

TASKS = reverse("drafting:my-tasks")


def section(page: str, heading: str) -> str:
    """The text of the section under `heading`, up to the next one."""
    start = page.index(heading)
    end = page.find("<section", start)
    return page[start : end if end > 0 else None]


def test_a_reviewer_is_asked_to_review_what_others_submitted_not_what_they_edited(
    draft, editor, reviewer, signed_in, publish_translated, make_user
):
    review.submit(reviewed=draft, by=editor)

    page = signed_in(reviewer).get(TASKS).content.decode()
    parse_strict(page)

    assert reverse("drafting:draft", args=[draft.pk]) in section(page, "To review")
    assert "To review" not in signed_in(make_user("bea", "Editor")).get(TASKS).content.decode()


def test_a_publisher_sees_approved_work_and_an_editor_what_was_sent_back_with_its_comments(
    draft, editor, reviewer, publisher, signed_in
):
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    assert reverse("drafting:draft", args=[draft.pk]) in section(
        signed_in(publisher).get(TASKS).content.decode(), "Approved, to publish"
    )

    review.send_back(reviewed=draft, by=reviewer, comments={"version": "A shorter title."})

    page = signed_in(editor).get(TASKS).content.decode()
    assert reverse("drafting:draft", args=[draft.pk]) in section(page, "Sent back to you")
    assert "A shorter title." in section(page, "Open comments on your work")
    assert "Your work in progress" not in page


def test_a_resolved_comment_leaves_the_tasks_and_a_resubmitted_draft_is_no_longer_sent_back(
    draft, editor, reviewer, signed_in
):
    review.submit(reviewed=draft, by=editor)
    review.send_back(reviewed=draft, by=reviewer, comments={"version": "A shorter title."})
    comments.resolve(thread=draft.comments.get(), by=editor)
    client = signed_in(editor)

    page = client.get(TASKS).content.decode()
    assert "Open comments on your work" not in page
    assert "Sent back to you" in page

    review.submit(reviewed=draft, by=editor)
    assert "Nothing waits for you." in client.get(TASKS).content.decode()


def test_someone_with_nothing_waiting_is_told_so(draft, make_user, signed_in):
    page = signed_in(make_user("newcomer", "Publisher")).get(TASKS).content.decode()

    assert "Nothing waits for you." in page


@pytest.fixture
def workload(declaration, publish, make_user):
    """`workload(n, person=)`: n published versions, each with a translation into French by
    `person` with n open threads, and one into Arabic by someone else, submitted; and drafts
    by someone else, the first of them submitted."""
    from tests.principles.drafting.test_notifications import complete

    def make(n: int, *, person):
        other = make_user(f"other{n}", "Editor")
        for _ in range(n):
            version = publish(principles=2, action_lines=2)
            french = translation_services.start_translation(
                version=version, language="fr", by=person
            )
            for _ in range(n):
                comments.start_thread(reviewed=french, item_key="version", by=other, text="?")
            arabic = translation_services.start_translation(
                version=version, language="ar", by=other
            )
            review.submit(reviewed=complete(arabic), by=other)
        declaration.refresh_from_db()
        for _ in range(n):
            draft = start_draft(declaration=declaration, by=other)
        if not declaration.versions.in_review().exists():
            review.submit(reviewed=draft, by=other)

    return make


def test_my_tasks_reads_the_database_a_fixed_number_of_times(workload, make_user, client):
    person = make_user("person", "Editor", "Reviewer", "Publisher")
    client.force_login(person)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(TASKS).content.decode()
        return len(captured), page

    workload(1, person=person)
    few, page = queries()
    assert page.count("Translation of version") == 1 + 1 + 1  # to review, in progress, comment
    workload(6, person=person)
    many, page = queries()

    # To review and in progress, 7 each; the open threads, 1 + 36.
    assert len(re.findall(r'href="/drafting/translations/\d+/', page)) == 7 + 7 + 1 + 36
    assert few == many
    # The session and the person, their permissions, the drafts and their texts, the
    # translations, the open threads.
    assert many <= 8
