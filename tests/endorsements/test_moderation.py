"""Moderators approve, reject or mark as spam, one at a time or in bulk."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail

from endorsements.models import Endorsement
from tests.html import csrf_token, parse_strict, submit


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/moderation/")

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_signed_in_user_without_the_role_is_refused(client, db):
    client.force_login(User.objects.create_user("someone"))

    assert client.get("/moderation/").status_code == 403
    refused = submit(client, "/moderation/", {"decision": "approve"}, page="/endorse/new-link/")
    assert refused.status_code == 403


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

    response = moderator_client.get("/moderation/")

    parse_strict(response.content)
    content = response.content.decode()
    assert "Open schools!" in content
    assert "Unconfirmed" not in content
    assert "https://www.open.example/" in content
    assert "We commit to &lt;b&gt;this&lt;/b&gt;." in content
    assert "email domain matches the website" in content
    assert "Possible duplicate: Open Schools (France), Approved" in content


def test_approving_lists_the_endorsement_and_emails_the_contact(
    moderator_client, moderator, make_endorsement, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="confirmed")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            moderator_client,
            "/moderation/",
            {"endorsements": [endorsement.pk], "decision": "approve"},
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
        "/moderation/",
        {"endorsements": [first.pk, second.pk], "decision": "reject", "reason": "Not real."},
    )

    assert set(Endorsement.objects.values_list("status", "rejection_reason")) == {
        ("rejected", "Not real.")
    }


def test_a_rejection_without_a_reason_is_refused_and_keeps_the_selection(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="confirmed")

    response = submit(
        moderator_client,
        "/moderation/",
        {"endorsements": [endorsement.pk], "decision": "reject", "reason": " "},
    )

    assert response.status_code == 200
    assert b"Give a reason for the rejection" in response.content
    page = parse_strict(response.content)
    assert page.find(f".//input[@value='{endorsement.pk}']").get("checked") is not None
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.CONFIRMED


def test_one_endorsement_can_be_marked_as_spam_from_its_own_page(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="confirmed")
    page = moderator_client.get(f"/moderation/{endorsement.pk}/")
    assert b"Mark as spam" in page.content

    submit(moderator_client, "/moderation/", {"endorsements": [endorsement.pk], "decision": "spam"})

    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.SPAM


def test_an_endorsement_already_decided_cannot_be_decided_again(
    moderator_client, make_endorsement, approve
):
    endorsement = make_endorsement(status="confirmed")
    queue = moderator_client.get("/moderation/")
    approve(endorsement)

    response = moderator_client.post(
        "/moderation/",
        {
            "endorsements": [endorsement.pk],
            "decision": "spam",
            "csrfmiddlewaretoken": csrf_token(queue),
        },
    )

    assert response.status_code == 200
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.APPROVED


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
