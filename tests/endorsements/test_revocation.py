"""A Moderator revokes an approval, with a reason: the endorsement leaves the public list, the
counts, the open data and the PDFs, and the record says who, when and why."""

import pytest
from django.test import Client

from endorsements.models import Endorsement, EndorsementStateError
from endorsements.services import revoke_approval
from principles.models import AuditEntry
from tests.html import csrf_token, parse_strict, submit


@pytest.fixture
def moderator_client(moderator):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    return browser


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def public_everywhere(client, name: str) -> dict[str, bool]:
    return {
        "list": name in client.get("/endorsers/").content.decode(),
        "csv": name in body(client.get("/endorsers.csv")),
        "json": name in body(client.get("/endorsers.json")),
        "count": client.get("/endorsers/count.json").json()["endorsers"] == 1,
    }


def test_a_revoked_approval_leaves_the_list_the_count_and_the_open_data_and_is_recorded(
    client, moderator_client, moderator, make_endorsement, django_capture_on_commit_callbacks
):
    spam = make_endorsement(name="BUY CHEAP VIAGRA ONLINE", status="approved")
    assert set(public_everywhere(client, spam.organisation_name).values()) == {True}
    page = f"/moderation/{spam.pk}/"
    assert b"Revoke the approval" in moderator_client.get(page).content

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            moderator_client,
            f"/moderation/{spam.pk}/revoke/",
            {"reason": "Advertising let through by a bulk approval."},
            page=page,
            follow=True,
        )

    assert public_everywhere(client, spam.organisation_name) == dict.fromkeys(
        ["list", "csv", "json", "count"], False
    )
    spam.refresh_from_db()
    assert spam.status == Endorsement.Status.REVOKED
    assert (spam.moderated_by, spam.revocation_reason) == (
        moderator,
        "Advertising let through by a bulk approval.",
    )
    assert spam.revoked_at is not None
    (entry,) = AuditEntry.objects.about(spam)
    assert (entry.action, entry.actor, entry.detail) == (
        "endorsement.revoke",
        moderator,
        "Advertising let through by a bulk approval.",
    )
    content = response.content.decode()
    parse_strict(content)
    assert "Approval revoked" in content
    assert "Revoked the approval of an endorsement" in content


def test_a_revocation_without_a_reason_is_refused_and_the_endorsement_stays_public(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="approved")
    page = f"/moderation/{endorsement.pk}/"

    response = submit(moderator_client, f"{page}revoke/", {"reason": "  "}, page=page)

    assert response.status_code == 400
    assert b"Give the reason for revoking the approval." in response.content
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.APPROVED


def test_revoking_what_is_no_longer_approved_changes_nothing_and_says_so(
    moderator_client, moderator, make_endorsement
):
    endorsement = make_endorsement(status="approved")
    page = f"/moderation/{endorsement.pk}/"
    form_page = moderator_client.get(page)
    # Another moderator revokes it first.
    revoke_approval(endorsement=endorsement, moderator=moderator, reason="First.")

    response = moderator_client.post(
        f"{page}revoke/",
        {"reason": "Second.", "csrfmiddlewaretoken": csrf_token(form_page)},
        follow=True,
    )

    assert "is no longer approved" in response.content.decode()
    assert AuditEntry.objects.about(endorsement).count() == 1


def test_only_an_approved_endorsement_can_be_revoked(moderator, make_endorsement):
    waiting = make_endorsement(status="confirmed")

    with pytest.raises(EndorsementStateError):
        waiting.revoke_approval(by=moderator, reason="No.")


def test_a_revoked_organisation_is_not_live_and_may_endorse_again(moderator, make_endorsement):
    first = make_endorsement(name="Second Chance", status="approved")
    revoke_approval(endorsement=first, moderator=moderator, reason="Unverified contact.")

    again = make_endorsement(name="Second Chance", status="confirmed")

    assert again.pk != first.pk
