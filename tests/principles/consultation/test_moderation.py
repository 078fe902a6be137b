"""Moderators approve, reject with a reason or mark as spam what participants send, one at a
time or in bulk, before anything is public; two moderators never decide the same contribution
twice; the participant is told in their language; every decision is audited."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.test import Client
from django.utils import timezone

from declaration_site import public_cache
from principles.models import AuditEntry, Contribution
from tests.html import parse_strict, submit

QUEUE = "/consultation/manage/moderation/"
WAITING = Contribution.Status.CONFIRMED


def browser_of(user) -> Client:
    """A browser of `user`'s: its own cookies, and CSRF checked as in production."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture(autouse=True)
def emails_sent_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://declaration.test"


@pytest.fixture
def moderating(moderator):
    return browser_of(moderator)


@pytest.fixture
def second_moderator(moderator):
    user = User.objects.create_user("bea", "bea@example.org", "correct horse 43")
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


def status_of(contribution) -> str:
    return Contribution.objects.get(pk=contribution.pk).status


def checked(response) -> list[int]:
    """The contributions whose box is checked on the page."""
    page = parse_strict(response.content)
    return [
        int(box.get("value"))
        for box in page.iter("input")
        if box.get("name") == "contributions" and box.get("checked") is not None
    ]


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for url in (QUEUE, f"{QUEUE}1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_an_editor_may_not_moderate(editor, consultation, contribute):
    contribution = contribute(consultation, status=WAITING)
    browser = browser_of(editor)

    assert browser.get(QUEUE).status_code == 403
    assert browser.get(f"{QUEUE}{contribution.pk}/").status_code == 403
    assert browser.post(QUEUE, {"decision": "approve"}).status_code == 403
    assert status_of(contribution) == WAITING


def test_the_queue_shows_waiting_contributions_oldest_first_with_their_clause(
    moderating, consultation, contribute
):
    text = consultation.text
    line = text["principles"][1]["action_lines"][2]["key"]
    now = timezone.now()
    newer = contribute(consultation, status=WAITING, body="Newer <script>x</script>")
    newer.confirmed_at = now
    newer.save()
    older = contribute(
        consultation,
        status=WAITING,
        kind="amendment",
        item_key=line,
        body="Stronger wording, please.",
        proposed_text="Connect every school by 2030.",
    )
    older.confirmed_at = now - timedelta(days=1)
    older.save()
    contribute(consultation, status=Contribution.Status.UNCONFIRMED, body="Not confirmed yet.")
    contribute(consultation, body="Approved already.")

    response = moderating.get(QUEUE)

    parse_strict(response.content)
    content = response.content.decode()
    assert "2 contributions are waiting." in content
    assert content.index("Stronger wording") < content.index("Newer &lt;script&gt;")
    assert "<script>x" not in content
    assert "Principle 2, action line 3" in content
    assert "The whole text" in content
    assert "Connect every school by 2030." in content
    assert "amina@schools-online.example" in content
    assert "Not confirmed yet." not in content
    assert "Approved already." not in content
    assert [entry.contribution for entry in response.context["entries"]] == [older, newer]


def test_the_queue_shows_one_consultation_when_asked(
    moderating, consultation, make_consultation, changed_draft, contribute
):
    other = make_consultation(changed_draft, slug="advisory-round", title="Advisory round")
    contribute(consultation, status=WAITING, body="On the public consultation.")
    contribute(other, status=WAITING, body="On the advisory round.")

    content = moderating.get(QUEUE, {"consultation": "advisory-round"}).content.decode()

    assert "On the advisory round." in content
    assert "On the public consultation." not in content


def test_an_editors_reply_never_waits_for_moderation(moderating, consultation, contribute, editor):
    question = contribute(consultation, body="Why libraries?")
    contribute(
        consultation, status=WAITING, parent=question, author=editor, body="Editors' answer."
    )

    assert "Editors&#x27; answer." not in moderating.get(QUEUE).content.decode()


def test_flags_point_a_moderator_at_what_to_look_at_twice(moderating, consultation, contribute):
    withdrawn = contribute(consultation)
    withdrawn.withdraw()
    for number in range(4):
        contribute(consultation, email="busy@gmail.com", body=f"Comment number {number} here.")
    contribute(
        consultation,
        status=WAITING,
        email="busy@gmail.com",
        body="Buy now at https://cheap.example/ ok",
        parent=withdrawn,
    )
    contribute(consultation, status=WAITING, body="Ok.")
    contribute(consultation, status=WAITING, language="ar", body="This is written in English.")
    contribute(consultation, status=WAITING, body="Same words sent twice here.")
    contribute(consultation, status=WAITING, body="Same words sent twice here.")

    content = moderating.get(QUEUE).content.decode()

    assert "The text contains a link." in content
    assert "5 contributions come from this email address." in content
    assert "personal webmail address" in content
    assert "It replies to a contribution that is not public (withdrawn)." in content
    assert "Very short text." in content
    assert "The text does not look written in the language chosen (Arabic)." in content
    assert content.count("The same text was sent in another contribution.") == 2


def test_a_moderator_approves_in_bulk_and_the_participants_are_told_in_their_language(
    moderating, moderator, consultation, contribute, django_capture_on_commit_callbacks
):
    english = contribute(consultation, status=WAITING)
    french = contribute(consultation, status=WAITING, language="fr", email="luc@ecole.example")
    left = contribute(consultation, status=WAITING, body="Not selected this time.")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            moderating, QUEUE, {"contributions": [english.pk, french.pk], "decision": "approve"}
        )

    assert response.status_code == 302
    assert [status_of(c) for c in (english, french, left)] == ["approved", "approved", WAITING]
    assert {entry.actor for entry in AuditEntry.objects.filter(action="contribution.approve")} == {
        moderator
    }
    assert AuditEntry.objects.about(french).get().action == "contribution.approve"
    by_address = {message.to[0]: message for message in mail.outbox}
    assert (
        by_address["luc@ecole.example"].subject
        == "Votre contribution à la consultation est publique"
    )
    assert f"/fr/consultation/{consultation.slug}/#contribution-{french.pk}" in (
        by_address["luc@ecole.example"].body
    )
    assert f"/consultation/{consultation.slug}/#contribution-{english.pk}" in (
        by_address["amina@schools-online.example"].body
    )


def test_a_rejection_needs_a_reason_and_keeps_the_selection(moderating, consultation, contribute):
    first = contribute(consultation, status=WAITING)
    second = contribute(consultation, status=WAITING)

    response = submit(moderating, QUEUE, {"contributions": [second.pk], "decision": "reject"})

    assert response.status_code == 400
    parse_strict(response.content)
    content = response.content.decode()
    assert "Give a reason for the rejection" in content
    assert checked(response) == [second.pk]
    assert first.pk not in checked(response)
    assert status_of(second) == WAITING
    assert mail.outbox == []


def test_a_rejection_is_emailed_with_its_reason_in_the_participants_language(
    moderating, consultation, contribute, django_capture_on_commit_callbacks
):
    contribution = contribute(consultation, status=WAITING, language="es", email="ana@red.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            moderating,
            QUEUE,
            {
                "contributions": [contribution.pk],
                "decision": "reject",
                "code": "off-topic",
                "reason": "Habla de otro texto.",
            },
        )

    assert response.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.status, contribution.rejection_code) == ("rejected", "off-topic")
    assert AuditEntry.objects.about(contribution).get().detail == "off-topic · Habla de otro texto."
    [message] = mail.outbox
    assert message.to == ["ana@red.example"]
    assert "No trata del texto sometido a consulta." in message.body
    assert "Habla de otro texto." in message.body
    assert f"/es/consultation/{consultation.slug}/" in message.body


def test_spam_is_decided_on_its_own_page_and_nobody_is_emailed(
    moderating, consultation, contribute
):
    contribution = contribute(consultation, status=WAITING, body="Buy now!")
    page = f"{QUEUE}{contribution.pk}/"

    response = submit(moderating, page, {"decision": "spam"})

    assert response.status_code == 302
    assert status_of(contribution) == "spam"
    assert mail.outbox == []
    content = moderating.get(page).content.decode()
    assert "Marked a consultation contribution as spam" in content
    assert 'name="decision"' not in content


def test_a_rejection_on_its_own_page_without_a_reason_keeps_the_page(
    moderating, consultation, contribute
):
    contribution = contribute(consultation, status=WAITING)
    page = f"{QUEUE}{contribution.pk}/"

    response = submit(moderating, page, {"decision": "reject", "reason": "  "})

    assert response.status_code == 400
    assert "Give a reason for the rejection" in response.content.decode()
    assert status_of(contribution) == WAITING


def test_two_moderators_deciding_the_same_contribution_lose_nothing(
    moderator, second_moderator, consultation, contribute
):
    shared = contribute(consultation, status=WAITING)
    other = contribute(consultation, status=WAITING)
    first, second = browser_of(moderator), browser_of(second_moderator)
    first_page, second_page = first.get(QUEUE), second.get(QUEUE)

    first.post(
        QUEUE,
        {
            "contributions": [shared.pk],
            "decision": "spam",
            "csrfmiddlewaretoken": first_page.context["csrf_token"],
        },
    )
    response = second.post(
        QUEUE,
        {
            "contributions": [shared.pk, other.pk],
            "decision": "approve",
            "csrfmiddlewaretoken": second_page.context["csrf_token"],
        },
        follow=True,
    )

    assert [status_of(shared), status_of(other)] == ["spam", "approved"]
    assert notices(response) == [
        "1 contribution(s) moderated.",
        f"Contribution {shared.pk} was already decided by mona: spam.",
    ]
    assert AuditEntry.objects.about(shared).get().actor == moderator


def test_moderators_find_the_queue_from_the_endorsements_queue(
    moderating, consultation, contribute
):
    contribute(consultation, status=WAITING)
    contribute(consultation, status=WAITING)

    content = moderating.get("/moderation/").content.decode()

    assert "Consultation contributions (2 waiting)" in content
    assert f'href="{QUEUE}"' in content


@pytest.mark.parametrize("waiting", [3, 300])
def test_the_queue_runs_the_same_queries_however_many_wait(
    moderating, consultation, contribute, django_assert_num_queries, waiting
):
    for number in range(waiting):
        contribute(
            consultation,
            status=WAITING,
            body=f"Comment {number} on the text.",
            email=f"person{number}@example.org",
        )

    # Session, user, permissions (2); the count and the page; the consultations on the page;
    # emails used and texts repeated; the consultations to filter by.
    with django_assert_num_queries(10):
        response = moderating.get(QUEUE)

    assert f"{waiting} contributions are waiting." in response.content.decode()


def test_an_approval_makes_the_cached_public_pages_stale_and_spam_does_not(
    moderating, consultation, contribute, django_capture_on_commit_callbacks
):
    approved, spam = (contribute(consultation, status=WAITING) for _ in range(2))
    before = public_cache.generation()

    with django_capture_on_commit_callbacks(execute=True):
        submit(moderating, QUEUE, {"contributions": [spam.pk], "decision": "spam"})
    assert public_cache.generation() == before
    with django_capture_on_commit_callbacks(execute=True):
        submit(moderating, QUEUE, {"contributions": [approved.pk], "decision": "approve"})

    assert public_cache.generation() != before


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("Spam\x00", "Null characters are not allowed."),
        ("x" * 1001, "Ensure this value has at most 1000 characters (it has 1001)."),
    ],
)
def test_a_reason_the_form_refuses_is_shown_again_with_the_selection(
    moderating, consultation, contribute, reason, error
):
    contribution = contribute(consultation, status=WAITING)

    response = submit(
        moderating,
        QUEUE,
        {"contributions": [contribution.pk], "decision": "reject", "reason": reason},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert error in content
    assert "Give a reason" not in content
    assert checked(response) == [contribution.pk]
    assert reason.replace("\x00", "") in content
    assert status_of(contribution) == WAITING


def test_a_reason_with_markup_and_bidi_controls_is_kept_as_text(
    moderating, consultation, contribute
):
    contribution = contribute(consultation, status=WAITING)
    reason = "<b>Off topic</b> \u202eevil"

    submit(
        moderating,
        f"{QUEUE}{contribution.pk}/",
        {"decision": "reject", "reason": reason},
    )

    contribution.refresh_from_db()
    assert contribution.rejection_reason == reason
    content = moderating.get(f"{QUEUE}{contribution.pk}/").content.decode()
    assert "&lt;b&gt;Off topic&lt;/b&gt;" in content
    assert '<span dir="auto">&lt;b&gt;' in content


@pytest.mark.parametrize("selection", ["٣", "1" * 30, "abc"])
def test_a_selection_that_is_not_ids_is_refused_plainly(
    moderating, consultation, contribute, selection
):
    contribute(consultation, status=WAITING)

    response = submit(moderating, QUEUE, {"contributions": [selection], "decision": "approve"})

    assert response.status_code == 400
    assert "The selection is not valid." in response.content.decode()


def test_a_contribution_withdrawn_while_it_waited_is_left_alone(
    moderating, consultation, contribute
):
    contribution = contribute(consultation, status=WAITING)
    page = f"{QUEUE}{contribution.pk}/"
    form_page = moderating.get(page)
    contribution.withdraw()

    response = moderating.post(
        page,
        {"decision": "approve", "csrfmiddlewaretoken": form_page.context["csrf_token"]},
        follow=True,
    )

    assert status_of(contribution) == "withdrawn"
    assert notices(response) == [f"Contribution {contribution.pk} is no longer waiting: withdrawn."]
    assert AuditEntry.objects.about(contribution).count() == 0


def test_a_missing_contribution_is_a_404(moderating, db):
    assert moderating.get(f"{QUEUE}999999/").status_code == 404


def test_someone_who_moderates_only_contributions_lands_on_their_queue(db):
    person = User.objects.create_user("cora", "cora@example.org", "a-long-password-1")
    person.user_permissions.add(Permission.objects.get(codename="moderate_contribution"))

    response = browser_of(person).get("/accounts/start/")

    assert response.status_code == 302
    assert response["Location"] == QUEUE
