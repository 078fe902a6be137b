"""Inviting organisations to an advisory round: several at once, one a line; each is emailed
its personal link in the language chosen, valid until closing; a line that is wrong is named
and the text kept; an address already invited is refused; an invitation can be sent again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import resolve, reverse
from django.utils import timezone, translation

from principles.models import AuditEntry, Invitation
from tests.html import csrf_token, parse_strict, submit

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def emails_sent_at_once(settings):
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def advisory_round(make_consultation, changed_draft):
    return make_consultation(changed_draft, audience="invited", slug="advisory-round")


def invite_on_the_page(client, consultation, invitees, **fields):
    return submit(
        client,
        reverse("consultation:invite", args=[consultation.slug]),
        {"invitees": invitees, "language": "en", **fields},
    )


def personal_link(email_body: str) -> str:
    return next(line for line in email_body.splitlines() if "/invited/" in line).strip()


def test_a_publisher_invites_several_organisations_and_each_gets_its_personal_link(
    advisory_round, publisher, signed_in, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_on_the_page(
            signed_in(publisher),
            advisory_round,
            "Schools Online Network, amina@schools-online.example\n\n"
            "Libraries, Archives, and Museums, info@lam.example\n",
            language="fr",
            listed="on",
        )

    assert response.status_code == 302
    invitations = list(Invitation.objects.order_by("organisation_name"))
    assert [(i.organisation_name, i.email, i.language, i.listed) for i in invitations] == [
        ("Libraries, Archives, and Museums", "info@lam.example", "fr", True),
        ("Schools Online Network", "amina@schools-online.example", "fr", True),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amina@schools-online.example",
        "info@lam.example",
    ]
    email = next(m for m in mail.outbox if m.to == ["info@lam.example"])
    assert email.subject == "Vous êtes invités à commenter un projet de la déclaration"
    assert "Libraries, Archives, and Museums" in email.body
    link = personal_link(email.body)
    assert link.startswith(settings.SITE_URL + "/fr/consultation/advisory-round/invited/")
    with translation.override("fr"):
        match = resolve(link.removeprefix(settings.SITE_URL))
    assert match.view_name == "consultation:invited"
    invitation = Invitation.from_token(match.kwargs["token"], consultation=advisory_round)
    assert invitation.email == "info@lam.example"
    assert AuditEntry.objects.filter(action="consultation.invite").count() == 2


def test_the_personal_link_ends_when_the_consultation_closes(
    advisory_round, publisher, signed_in, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_on_the_page(signed_in(publisher), advisory_round, "Org, org@example.org")
    path = personal_link(mail.outbox[0].body).removeprefix(settings.SITE_URL)
    token = resolve(path).kwargs["token"]
    assert Invitation.from_token(token, consultation=advisory_round) is not None

    advisory_round.close()

    assert Invitation.from_token(token, consultation=advisory_round) is None


def test_an_invitation_made_before_opening_says_when_it_opens_and_closes(
    make_consultation, changed_draft, publisher, signed_in, django_capture_on_commit_callbacks
):
    opens_at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    later = make_consultation(
        changed_draft,
        open=False,
        audience="invited",
        slug="later",
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=14),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invite_on_the_page(signed_in(publisher), later, "Org, org@example.org")

    body = mail.outbox[0].body
    assert f"opens on {opens_at:%Y-%m-%d %H:%M} UTC" in body
    assert f"closes on {opens_at + timedelta(days=14):%Y-%m-%d %H:%M} UTC" in body


def test_each_wrong_line_is_named_the_text_is_kept_and_nobody_is_invited(
    advisory_round, publisher, signed_in
):
    typed = (
        "Good Org, good@example.org\n"
        "No comma here\n"
        "Bad Address, not-an-email\n"
        ", nobody@example.org\n"
        "Twice, good@EXAMPLE.org"
    )
    response = invite_on_the_page(signed_in(publisher), advisory_round, typed)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 2: write the organisation&#x27;s name, a comma, then its email address." in page
    assert "Line 3: “not-an-email” is not an email address." in page
    assert "Line 4: the organisation&#x27;s name is missing." in page
    assert "Line 5: good@EXAMPLE.org is already invited." in page
    assert "No comma here\nBad Address, not-an-email" in page
    parse_strict(response.content)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_organisation_already_invited_is_refused(advisory_round, publisher, signed_in):
    Invitation.objects.create(
        consultation=advisory_round,
        organisation_name="Org",
        email="org@example.org",
        invited_by=publisher,
    )
    response = invite_on_the_page(
        signed_in(publisher), advisory_round, "Org again, org@example.org"
    )

    assert response.status_code == 400
    assert "Line 1: org@example.org is already invited." in response.content.decode()
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("<b>Org</b>, org@example.org", "HTML tags and scripts are not allowed."),
        ("Org\u202e, org@example.org", "invisible control characters"),
        ("Org, org@example.org\n" * 201, "Invite at most 200 organisations at once."),
        ("O" * 201 + ", org@example.org", "longer than 200 characters"),
        ("Org\x00, org@example.org", "Null characters are not allowed."),
    ],
)
def test_hostile_or_oversized_input_is_refused_with_a_message(
    advisory_round, publisher, signed_in, typed, message
):
    response = invite_on_the_page(signed_in(publisher), advisory_round, typed)

    assert response.status_code == 400
    assert message in response.content.decode()
    parse_strict(response.content)
    assert not Invitation.objects.exists()


def test_an_invitation_is_sent_again_on_request(
    advisory_round, publisher, signed_in, django_capture_on_commit_callbacks
):
    invitation = Invitation.objects.create(
        consultation=advisory_round,
        organisation_name="Org",
        email="org@example.org",
        language="es",
        invited_by=publisher,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            signed_in(publisher),
            reverse("consultation:resend-invitation", args=[advisory_round.slug, invitation.pk]),
            page=reverse("consultation:manage", args=[advisory_round.slug]),
            follow=True,
        )

    assert "The invitation is sent again to org@example.org." in response.text
    [email] = mail.outbox
    assert "/es/consultation/advisory-round/invited/" in email.body
    entry = AuditEntry.objects.get(action="consultation.invite")
    assert entry.detail == "sent again to Org <org@example.org>"


def test_the_manage_page_lists_the_invitations(advisory_round, publisher, signed_in):
    Invitation.objects.create(
        consultation=advisory_round,
        organisation_name="Schools Online Network",
        email="amina@schools-online.example",
        listed=True,
        invited_by=publisher,
    )
    response = signed_in(publisher).get(reverse("consultation:manage", args=[advisory_round.slug]))

    page = response.content.decode()
    assert "Schools Online Network" in page
    assert "may be named publicly" in page
    assert reverse("consultation:invite", args=[advisory_round.slug]) in page
    parse_strict(response.content)


def test_people_who_may_not_open_consultations_cannot_invite(
    advisory_round, editor, moderator, signed_in, client
):
    for person in [editor, moderator]:
        client.logout()
        response = signed_in(person).get(reverse("consultation:invite", args=[advisory_round.slug]))
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_two_publishers_inviting_the_same_address_invite_it_once(
    advisory_round, publisher, make_user, django_capture_on_commit_callbacks
):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(publisher)
    second.force_login(make_user("paula", "Publisher"))
    url = reverse("consultation:invite", args=[advisory_round.slug])
    pages = [first.get(url), second.get(url)]

    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(
                url,
                {
                    "invitees": "Org, org@example.org",
                    "language": "en",
                    "csrfmiddlewaretoken": csrf_token(page),
                },
            )
            for client, page in zip([first, second], pages, strict=True)
        ]

    assert [response.status_code for response in responses] == [302, 400]
    assert "org@example.org is already invited." in responses[1].content.decode()
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1
