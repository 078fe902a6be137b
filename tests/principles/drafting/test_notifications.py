"""Who is emailed at each step of review and on each comment: the right people, in their
language, with a link to act, and never the person who acted."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from principles.drafting import comments, review, translation_services
from principles.drafting.notifications import send_notifications
from principles.drafting.services import save_item_text
from principles.models import StaffLanguage, Translation
from tests.html import submit


@pytest.fixture(autouse=True)
def queued_tasks(settings):
    """Tasks wait in the database queue, as in production, for `deliver` to run the
    notifications the worker would (and not the PDF renders a publication also queues)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, mailoutbox):
    """`deliver(action)`: do `action` as a committed request would, run the notification
    tasks it queued as the worker would, and return {address: email} of what was sent."""

    def run(action):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        queued = DBTaskResult.objects.filter(
            task_path=send_notifications.module_path, status=TaskResultStatus.READY
        )
        for task in queued:
            send_notifications.call(**task.args_kwargs["kwargs"])
        queued.delete()
        sent = {}
        for message in mailoutbox:
            (address,) = message.to
            assert address not in sent, f"{address} was emailed twice"
            sent[address] = message
        return sent

    return run


@pytest.fixture
def french_reviewer(make_user):
    reviewer = make_user("rene", "Reviewer")
    StaffLanguage.objects.create(user=reviewer, language="fr")
    return reviewer


def reword(draft, editor, text="Reworded by the editor."):
    line = draft.principles.get(position=1).action_lines.get(position=1)
    save_item_text(item=line, by=editor, values={"text": text}, base_revision=0)
    return line


def test_a_submitted_draft_is_announced_to_the_reviewers_in_their_language(
    draft, editor, french_reviewer, reviewer, make_user, deliver
):
    both = make_user("bea", "Editor", "Reviewer")
    reword(draft, both)

    sent = deliver(lambda: review.submit(reviewed=draft, by=editor))

    # Bea edited the draft, so she may not approve it: she is not asked to review it.
    assert set(sent) == {"rene@example.org", "rita@example.org"}
    french, english = sent["rene@example.org"], sent["rita@example.org"]
    assert french.subject == "Un brouillon de la déclaration attend votre relecture"
    assert "ed a soumis le brouillon" in french.body
    assert f"{settings.SITE_URL}/fr/drafting/{draft.pk}/" in french.body
    assert english.subject == "A draft of the declaration waits for your review"
    assert f"{settings.SITE_URL}/drafting/{draft.pk}/" in english.body


def test_a_draft_sent_back_tells_its_authors_with_the_comments(
    draft, editor, reviewer, make_user, deliver
):
    other_editor = make_user("eli", "Editor")
    line = reword(draft, other_editor)
    review.submit(reviewed=draft, by=editor)

    sent = deliver(
        lambda: review.send_back(
            reviewed=draft, by=reviewer, comments={str(line.key): "Say who pays."}
        )
    )

    assert set(sent) == {"ed@example.org", "eli@example.org"}
    assert sent["ed@example.org"].subject == "Your draft was sent back with comments"
    comment = "Action line 1.1, \u2068rita\u2069: “\u2068Say who pays.\u2069”"
    assert comment in sent["ed@example.org"].body


def test_an_approved_draft_is_announced_to_its_authors_and_the_publishers(
    draft, editor, reviewer, publisher, deliver
):
    review.submit(reviewed=draft, by=editor)

    sent = deliver(lambda: review.approve(reviewed=draft, by=reviewer))

    assert set(sent) == {"ed@example.org", "pat@example.org"}
    assert "rita approved" in sent["pat@example.org"].body


def test_a_scheduled_draft_is_announced_to_its_authors_and_the_other_publishers(
    draft, editor, reviewer, publisher, make_user, deliver
):
    make_user("paul", "Publisher")
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)

    at = timezone.now() + timedelta(days=1)
    sent = deliver(lambda: review.schedule(reviewed=draft, by=publisher, at=at))

    assert set(sent) == {"ed@example.org", "paul@example.org"}
    assert "scheduled" in sent["ed@example.org"].body


def test_a_publication_is_announced_to_its_authors_and_reviewers_with_the_public_page(
    draft, editor, reviewer, publisher, make_user, deliver
):
    make_user("ray", "Reviewer")  # Did not review this draft: not told.
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)

    sent = deliver(lambda: review.publish(reviewed=draft, by=publisher))

    assert set(sent) == {"ed@example.org", "rita@example.org"}
    assert f"{settings.SITE_URL}/versions/2/" in sent["rita@example.org"].body


def test_nobody_is_told_of_what_they_did_themselves_and_nobody_without_an_address(
    draft, editor, make_user, deliver
):
    reviewer = make_user("nomail", "Reviewer")
    reviewer.email = ""
    reviewer.save()

    assert deliver(lambda: review.submit(reviewed=draft, by=editor)) == {}


def complete(translation: Translation) -> Translation:
    """Translate every item of `translation` (with placeholder words)."""
    source = translation.source()
    keys = ["version"] + [
        key
        for principle in source["principles"]
        for key in [principle["key"], *(line["key"] for line in principle["action_lines"])]
    ]
    translation.text = {
        key: {name: f"fr {name}" for name in translation_services.item_fields(source, key)}
        for key in keys
    }
    translation.save(update_fields=["text"])
    return translation


def test_a_translation_is_announced_to_reviewers_and_sent_back_to_its_translator(
    publish, editor, french_reviewer, deliver
):
    version = publish(principles=1, action_lines=1)
    translation = complete(
        translation_services.start_translation(version=version, language="fr", by=editor)
    )

    submitted = deliver(lambda: review.submit(reviewed=translation, by=editor))
    sent_back = deliver(
        lambda: review.send_back(reviewed=translation, by=french_reviewer, note="Too literal.")
    )

    assert set(submitted) == {"rene@example.org"}
    assert submitted["rene@example.org"].subject == "Une traduction attend votre relecture"
    assert f"/fr/drafting/translations/{translation.pk}/" in submitted["rene@example.org"].body
    assert set(sent_back) == {"ed@example.org"}
    assert "Too literal." in sent_back["ed@example.org"].body


def test_a_comment_tells_the_authors_and_an_answer_the_others_in_the_thread(
    draft, editor, reviewer, make_user, deliver
):
    bystander = make_user("bob", "Reviewer")
    line = reword(draft, editor)
    thread = None

    def start():
        nonlocal thread
        thread = comments.start_thread(
            reviewed=draft, item_key=str(line.key), by=reviewer, text="Who pays?"
        )

    started = deliver(start)
    answered = deliver(lambda: comments.answer(thread=thread, by=editor, text="The state."))
    joined = deliver(lambda: comments.answer(thread=thread, by=bystander, text="Agreed."))
    resolved = deliver(lambda: comments.resolve(thread=thread, by=reviewer))

    assert set(started) == {"ed@example.org"}
    assert "“Who pays?”" in started["ed@example.org"].body
    assert f"/drafting/{draft.pk}/#item-{line.key}" in started["ed@example.org"].body
    assert set(answered) == {"rita@example.org"}
    assert set(joined) == {"rita@example.org", "ed@example.org"}
    assert set(resolved) == {"ed@example.org", "bob@example.org"}


def test_signing_in_remembers_the_language_the_person_reads(client, editor):
    submit(
        client,
        "/fr/accounts/login/",
        {"username": "ed", "password": "a-long-password-1"},
    )

    assert StaffLanguage.of(editor) == "fr"
    assert client.get(reverse("landing")).url == reverse("drafting:my-tasks")
