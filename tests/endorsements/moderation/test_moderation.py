"""Moderators approve, reject or mark as spam, one at a time or in bulk, and revoke an approval;
two moderators never decide the same entry twice; every decision is audited."""

import threading

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import translation

from endorsements.models import Endorsement
from endorsements.services import moderate_endorsements
from principles.models import AuditEntry
from tests.html import parse_strict, submit

QUEUE = "/moderation/"


def signed_in(user) -> Client:
    """A browser of `user`'s: its own cookies, and CSRF checked as in production."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture
def moderator_client(moderator):
    return signed_in(moderator)


@pytest.fixture
def second_moderator(moderator):
    user = User.objects.create_user("bea", "bea@example.org", "correct horse 43")
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


def statuses(*endorsements) -> list[str]:
    return [Endorsement.objects.get(pk=e.pk).status for e in endorsements]


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_signed_in_user_without_the_role_is_refused(db):
    browser = signed_in(User.objects.create_user("someone"))

    assert browser.get(QUEUE).status_code == 403
    assert browser.post(QUEUE, {"decision": "approve"}).status_code == 403


def test_the_queue_shows_confirmed_endorsements_with_their_flags(
    moderator_client, make_endorsement
):
    make_endorsement(name="Open Schools", country="FR", contact_email="a@open.example")
    make_endorsement(
        name="Open schools!",
        country="KE",
        status="confirmed",
        website="https://www.open.example/",
        contact_email="b@open.example",
        statement="We commit to <b>this</b>.",
    )
    make_endorsement(name="Unconfirmed", status="unconfirmed")

    response = moderator_client.get(QUEUE)

    parse_strict(response.content)
    content = response.content.decode()
    assert "Open schools!" in content
    assert "Unconfirmed" not in content
    assert "https://www.open.example/" in content
    assert "We commit to &lt;b&gt;this&lt;/b&gt;." in content
    assert "email domain matches the website" in content
    assert "Possible duplicate: Open Schools (France), Approved" in content


def test_the_queue_says_how_many_wait_in_all_not_only_on_this_page(
    moderator_client, make_endorsement
):
    for _ in range(51):
        make_endorsement(status="confirmed")

    first_page = moderator_client.get(QUEUE)

    assert "51 endorsements are waiting." in first_page.content.decode()
    assert first_page.content.decode().count('name="endorsements"') == 50


def test_approving_lists_the_endorsement_and_emails_the_contact(
    moderator_client, moderator, make_endorsement, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="confirmed")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            moderator_client, QUEUE, {"endorsements": [endorsement.pk], "decision": "approve"}
        )

    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.APPROVED
    assert endorsement.moderated_by == moderator
    assert mail.outbox[0].to == [endorsement.contact_email]
    assert "now appears on the public list" in mail.outbox[0].body


def test_several_can_be_rejected_at_once_with_a_reason(moderator_client, make_endorsement):
    first, second = (make_endorsement(status="confirmed") for _ in range(2))

    submit(
        moderator_client,
        QUEUE,
        {"endorsements": [first.pk, second.pk], "decision": "reject", "reason": "Not real."},
    )

    assert set(Endorsement.objects.values_list("status", "rejection_reason")) == {
        ("rejected", "Not real.")
    }
    assert mail.outbox == []


def test_a_rejection_without_a_reason_is_refused_and_keeps_the_selection(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="confirmed")

    response = submit(
        moderator_client,
        QUEUE,
        {"endorsements": [endorsement.pk], "decision": "reject", "reason": " ", "code": "other"},
    )

    assert response.status_code == 200
    assert b"Give a reason for the rejection" in response.content
    page = parse_strict(response.content)
    assert (
        page.find(f".//input[@name='endorsements'][@value='{endorsement.pk}']").get("checked")
        is not None
    )
    assert statuses(endorsement) == ["confirmed"]


def test_a_standard_reason_is_emailed_to_the_organisation_in_the_language_it_endorsed_in(
    moderator_client, make_endorsement, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(name="École Ouverte", status="confirmed", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        submit(
            moderator_client,
            QUEUE,
            {
                "endorsements": [endorsement.pk],
                "decision": "reject",
                "code": "not-an-organisation",
                "notify": "on",
            },
        )

    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.rejection_code) == ("rejected", "not-an-organisation")
    (email,) = mail.outbox
    assert email.to == [endorsement.contact_email]
    assert email.body.startswith("Bonjour \u2068Contact person\u2069,")
    with translation.override("fr"):
        assert str(Endorsement.RejectionReason.NOT_AN_ORGANISATION.label) in email.body
    assert "https://declaration.test/fr/endorse/" in email.body


def test_the_endorser_s_language_is_kept_with_the_endorsement(client, form_data, version):
    response = submit(client, "/fr/endorse/", form_data())

    assert response.status_code == 302
    assert Endorsement.objects.get().language == "fr"


def test_one_endorsement_can_be_marked_as_spam_from_its_own_page(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="confirmed")
    page = f"/moderation/{endorsement.pk}/"
    assert b"Mark as spam" in moderator_client.get(page).content

    submit(
        moderator_client, QUEUE, {"endorsements": [endorsement.pk], "decision": "spam"}, page=page
    )

    assert statuses(endorsement) == ["spam"]


def test_every_entry_on_the_page_can_be_approved_with_one_button(
    moderator_client, make_endorsement
):
    waiting = [make_endorsement(status="confirmed") for _ in range(3)]
    queue = moderator_client.get(QUEUE)
    on_page = [
        element.get("value")
        for element in parse_strict(queue.content).iter("input")
        if element.get("name") == "on_page"
    ]

    submit(
        moderator_client, f"{QUEUE}?all=1", {"on_page": on_page, "decision": "approve"}, page=QUEUE
    )

    assert statuses(*waiting) == ["approved"] * 3


def test_the_queue_can_show_only_the_entries_without_flags(moderator_client, make_endorsement):
    make_endorsement(name="Twin Org", country="FR")
    flagged = [
        make_endorsement(name="Twin Org", country="KE", status="confirmed"),
        make_endorsement(name="Webmail Org", status="confirmed", contact_email="me@gmail.com"),
        make_endorsement(
            name="Mismatch Org",
            status="confirmed",
            website="https://mismatch.example",
            contact_email="x@elsewhere.example",
        ),
        make_endorsement(
            name="Shared Domain A", status="confirmed", contact_email="a@shared.example"
        ),
        make_endorsement(
            name="Shared Domain B", status="confirmed", contact_email="b@shared.example"
        ),
    ]
    clean = make_endorsement(
        name="Clean Org",
        status="confirmed",
        website="https://clean.example",
        contact_email="head@clean.example",
    )

    response = moderator_client.get(QUEUE, {"flags": "none"})

    content = response.content.decode()
    assert clean.organisation_name in content
    assert [e.organisation_name for e in flagged if e.organisation_name in content] == []
    assert "6 endorsements are waiting." in content
    assert "1 of them has no flag." in content
    assert "Approve the 1 endorsement on this page" in content
    assert "of them have a flag" not in content
    assert "5 of them have a flag." in moderator_client.get(QUEUE).content.decode()


def test_an_endorsement_already_decided_is_left_as_it_is_and_the_moderator_is_told(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(name="Decided Org", status="approved")
    make_endorsement(status="confirmed")  # the queue the moderator had open

    response = submit(
        moderator_client, QUEUE, {"endorsements": [endorsement.pk], "decision": "spam"}, follow=True
    )

    assert response.status_code == 200
    assert statuses(endorsement) == ["approved"]
    assert any("Decided Org was already decided" in notice for notice in notices(response))


def test_two_moderators_deciding_overlapping_batches_decide_each_entry_once(
    moderator, second_moderator, make_endorsement
):
    first, shared, last = (
        make_endorsement(name=name, status="confirmed") for name in ("First", "Shared", "Last")
    )
    alice, bea = signed_in(moderator), signed_in(second_moderator)
    # Both load the queue before either decides, as two people working at once do.
    alice_page, bea_page = alice.get(QUEUE), bea.get(QUEUE)
    assert alice_page.status_code == bea_page.status_code == 200

    submit(alice, QUEUE, {"endorsements": [first.pk, shared.pk], "decision": "approve"})
    answer = submit(
        bea,
        QUEUE,
        {"endorsements": [shared.pk, last.pk], "decision": "reject", "reason": "Unknown."},
        follow=True,
    )

    assert statuses(first, shared, last) == ["approved", "approved", "rejected"]
    assert Endorsement.objects.get(pk=shared.pk).moderated_by == moderator
    assert notices(answer) == [
        "1 endorsement(s) moderated.",
        "Shared was already decided by moderator: approved.",
    ]
    assert sorted(AuditEntry.objects.values_list("target_label", "action", "actor__username")) == [
        ("First (FR)", "endorsement.approve", "moderator"),
        ("Last (FR)", "endorsement.reject", "bea"),
        ("Shared (FR)", "endorsement.approve", "moderator"),
    ]


def test_a_selection_that_is_not_a_list_of_ids_is_refused_without_an_error_page(
    moderator_client, make_endorsement
):
    make_endorsement(status="confirmed")
    response = submit(moderator_client, QUEUE, {"endorsements": ["²", "51"], "decision": "spam"})

    assert response.status_code == 200
    assert b"The selection is not valid" in response.content


def test_every_moderation_decision_is_in_the_audit_log(moderator, make_endorsement):
    approved, rejected, spam = (make_endorsement(status="confirmed") for _ in range(3))
    for endorsement, decision in [(approved, "approve"), (rejected, "reject"), (spam, "spam")]:
        moderate_endorsements(
            endorsements=Endorsement.objects.filter(pk=endorsement.pk),
            decision=decision,
            moderator=moderator,
            reason="Not real." if decision == "reject" else "",
        )

    for endorsement, action in [
        (approved, "endorsement.approve"),
        (rejected, "endorsement.reject"),
        (spam, "endorsement.spam"),
    ]:
        (entry,) = AuditEntry.objects.about(endorsement)
        assert (entry.action, entry.actor, entry.target) == (action, moderator, endorsement)
    assert AuditEntry.objects.about(rejected).get().detail == "Not real."


def test_only_staff_with_the_permission_can_export_contact_details(
    moderator_client, moderator, make_endorsement
):
    make_endorsement(name="=HYPERLINK(1)", contact_email="secret@example.org")
    assert moderator_client.get("/moderation/export.csv").status_code == 403

    moderator.user_permissions.add(Permission.objects.get(codename="export_endorsement_contacts"))
    response = moderator_client.get("/moderation/export.csv")

    content = b"".join(response.streaming_content).decode()
    assert "secret@example.org" in content
    assert "'=HYPERLINK(1)" in content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_two_moderators_at_the_same_moment_never_decide_the_same_entry_twice(
    moderator, second_moderator, make_endorsement
):
    waiting = [make_endorsement(status="confirmed") for _ in range(40)]
    ids = [e.pk for e in waiting]
    start = threading.Barrier(2)
    decided = {}

    def decide(user, decision, pks):
        try:
            start.wait()
            decided[user.username] = moderate_endorsements(
                endorsements=Endorsement.objects.filter(pk__in=pks),
                decision=decision,
                moderator=user,
                reason="Unknown.",
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(moderator, "approve", ids[:30])),
        threading.Thread(target=decide, args=(second_moderator, "reject", ids[10:])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everyone = [e.pk for batch in decided.values() for e in batch]
    assert sorted(everyone) == ids
    assert AuditEntry.objects.count() == 40
    assert set(Endorsement.objects.values_list("status", flat=True)) <= {"approved", "rejected"}


def test_the_drafting_audit_log_still_lists_drafting_only(
    moderator, make_endorsement, django_user_model
):
    publisher = django_user_model.objects.create_user("pat")
    publisher.groups.add(Group.objects.get(name="Publisher"))
    endorsement = make_endorsement(name="Audited Org", status="confirmed")
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )

    response = signed_in(publisher).get("/drafting/audit/", follow=True)

    assert response.status_code == 200
    parse_strict(response.content)
    assert "Approved an endorsement" not in response.content.decode()


@pytest.mark.parametrize("waiting", [3, 60])
def test_the_unflagged_queue_runs_the_same_queries_however_many_wait(
    moderator_client, make_endorsement, django_assert_max_num_queries, waiting
):
    for number in range(waiting):
        make_endorsement(name=f"Waiting {number}", status="confirmed")

    # Session, user, permissions (2); every name and email, the waiting ones; the count and
    # the page; possible duplicates; how many wait in all.
    with django_assert_max_num_queries(10):
        response = moderator_client.get(QUEUE, {"flags": "none"})

    assert f"{waiting} endorsements are waiting." in response.content.decode()
