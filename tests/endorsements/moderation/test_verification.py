"""A Moderator records how they verified an endorser, from its moderation page: the public
pages show it as verified by the secretariat, the record says who and when, and the note stays
with staff. A verification recorded in error can be withdrawn, for a reason."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from endorsements.models import Endorsement
from principles.models import AuditEntry
from tests.html import csrf_token, parse_strict, submit

NOTE = "Called the number on their website; the director, Jane Secretkeeper, confirmed."


@pytest.fixture
def moderator_client(moderator):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    return browser


def verify(browser, endorsement, data, **extra):
    return submit(
        browser,
        f"/moderation/{endorsement.pk}/verify/",
        data,
        page=f"/moderation/{endorsement.pk}/",
        **extra,
    )


def test_a_moderator_records_a_verification_that_the_public_list_shows_without_the_note(
    client, moderator_client, moderator, make_endorsement, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Checked Org")
    page = moderator_client.get(f"/moderation/{endorsement.pk}/").content.decode()
    assert "Record the verification" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = verify(moderator_client, endorsement, {"note": NOTE}, follow=True)

    text = response.content.decode()
    assert "Checked Org is now shown as verified by the secretariat." in text
    assert "Jane Secretkeeper" in text  # for staff, on the moderation page
    assert "Withdraw the verification" in text
    endorsement.refresh_from_db()
    assert endorsement.trust_level == Endorsement.TrustLevel.VERIFIED
    assert endorsement.verified_by == moderator
    entry = AuditEntry.objects.about(endorsement).get()
    assert (entry.action, entry.actor, entry.detail) == (
        AuditEntry.Action.ENDORSEMENT_VERIFY,
        moderator,
        "",
    )
    public = client.get("/endorsers/").content.decode()
    assert "Verified by the secretariat" in public
    assert "Secretkeeper" not in public


def test_an_endorsement_waiting_for_moderation_can_be_verified_before_it_is_approved(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement(status="confirmed")

    verify(moderator_client, endorsement, {"note": NOTE})

    endorsement.refresh_from_db()
    assert endorsement.trust_level == Endorsement.TrustLevel.VERIFIED


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Say how you verified the organisation."),
        ("   ", "Say how you verified the organisation."),
        ("x" * 1001, "Ensure this value has at most 1000 characters"),
        ("Called\x00them", "Null characters are not allowed."),
    ],
    ids=["empty", "blank", "huge", "nul"],
)
def test_a_bad_note_is_refused_with_a_message_and_records_nothing(
    moderator_client, make_endorsement, note, message
):
    endorsement = make_endorsement()

    response = verify(moderator_client, endorsement, {"note": note})

    assert response.status_code == 400
    assert message in response.content.decode()
    parse_strict(response.content)
    endorsement.refresh_from_db()
    assert endorsement.verified_at is None
    assert not AuditEntry.objects.about(endorsement).exists()


def test_a_refused_note_keeps_what_was_typed(moderator_client, make_endorsement):
    endorsement = make_endorsement()
    typed = "<script>alert(1)</script> " + "x" * 1000

    response = verify(moderator_client, endorsement, {"note": typed})

    page = parse_strict(response.content)
    assert page.find(".//textarea[@name='note']").text == typed
    assert "<script>alert(1)" not in response.content.decode()


def test_hostile_text_in_a_note_is_shown_as_text_to_moderators(moderator_client, make_endorsement):
    endorsement = make_endorsement()
    note = '<img src=x onerror="alert(1)"> \u202eevil\u202c =HYPERLINK("x")'

    response = verify(moderator_client, endorsement, {"note": note}, follow=True)

    assert response.status_code == 200
    assert "<img src=x" not in response.content.decode()
    assert "&lt;img src=x" in response.content.decode()


def test_a_second_moderator_verifying_the_same_endorser_is_told_who_did_it_first(
    moderator_client, moderator, make_endorsement
):
    endorsement = make_endorsement("Checked Org")
    other = User.objects.create_user("bea", "bea@example.org", "correct horse 43")
    other.groups.add(*moderator.groups.all())
    second = Client(enforce_csrf_checks=True)
    second.force_login(other)
    page = second.get(f"/moderation/{endorsement.pk}/")  # open before the first one records
    verify(moderator_client, endorsement, {"note": NOTE})

    response = second.post(
        f"/moderation/{endorsement.pk}/verify/",
        {"note": "Another note", "csrfmiddlewaretoken": csrf_token(page)},
        follow=True,
    )

    assert "Checked Org was already verified by moderator; nothing was recorded." in (
        response.content.decode()
    )
    endorsement.refresh_from_db()
    assert endorsement.verification_note == NOTE
    assert AuditEntry.objects.about(endorsement).count() == 1


@pytest.mark.parametrize("status", ["rejected", "spam", "withdrawn", "revoked", "unconfirmed"])
def test_an_endorsement_neither_waiting_nor_approved_cannot_be_verified(
    moderator_client, make_endorsement, status
):
    endorsement = make_endorsement(status="approved")
    page = moderator_client.get(f"/moderation/{endorsement.pk}/")
    Endorsement.objects.filter(pk=endorsement.pk).update(
        status=status, revoked_at=endorsement.approved_at
    )

    response = moderator_client.post(
        f"/moderation/{endorsement.pk}/verify/",
        {"note": NOTE, "csrfmiddlewaretoken": csrf_token(page)},
        follow=True,
    )

    assert "nothing was recorded" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.verified_at is None
    assert "Record the verification" not in response.content.decode()


def test_a_verification_is_withdrawn_for_a_reason_kept_in_the_record(
    moderator_client, moderator, make_endorsement
):
    endorsement = make_endorsement(
        website="https://schools.example.net", contact_email="head@schools.example.net"
    )
    verify(moderator_client, endorsement, {"note": NOTE})

    refused = verify(moderator_client, endorsement, {"reason": "", "withdraw": "1"})
    assert refused.status_code == 400
    assert "Give the reason for withdrawing the verification." in refused.content.decode()

    response = verify(
        moderator_client,
        endorsement,
        {"reason": "Verified the wrong organisation.", "withdraw": "1"},
        follow=True,
    )

    assert "The verification of" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.trust_level == Endorsement.TrustLevel.DOMAIN_CONFIRMED
    assert endorsement.verification_note == ""
    latest = AuditEntry.objects.about(endorsement).first()
    assert (latest.action, latest.detail) == (
        AuditEntry.Action.ENDORSEMENT_UNVERIFY,
        "Verified the wrong organisation.",
    )
    assert "Record the verification" in response.content.decode()


def test_withdrawing_a_verification_that_is_not_there_changes_nothing(
    moderator_client, make_endorsement
):
    endorsement = make_endorsement()

    response = verify(
        moderator_client, endorsement, {"reason": "Just in case.", "withdraw": "1"}, follow=True
    )

    assert "is not verified; nothing was changed." in response.content.decode()
    assert not AuditEntry.objects.about(endorsement).exists()


def test_only_moderators_verify_and_only_by_a_post_with_its_token(
    client, moderator_client, make_endorsement
):
    endorsement = make_endorsement()
    url = f"/moderation/{endorsement.pk}/verify/"

    token = csrf_token(client.get("/endorse/"))
    anonymous = client.post(url, {"note": NOTE, "csrfmiddlewaretoken": token})
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    someone = User.objects.create_user("someone", "someone@example.org", "correct horse 44")
    client.force_login(someone)
    assert client.post(url, {"note": NOTE}).status_code == 403
    assert moderator_client.get(url).status_code == 405
    assert moderator_client.post(url, {"note": NOTE}).status_code == 403  # no CSRF token
    endorsement.refresh_from_db()
    assert endorsement.verified_at is None


def test_an_unknown_endorsement_is_not_found(moderator_client, make_endorsement):
    endorsement = make_endorsement()
    page = moderator_client.get(f"/moderation/{endorsement.pk}/")

    response = moderator_client.post(
        "/moderation/999999999/verify/", {"note": NOTE, "csrfmiddlewaretoken": csrf_token(page)}
    )

    assert response.status_code == 404
