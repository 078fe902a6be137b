"""Each approved endorser gets a signed one-page certificate, linked from the approval email."""

import re

from django.core import mail

from endorsements.services import moderate_endorsements, withdraw_endorsement
from principles.signing import verify_pdf
from tests.principles.pdf_reading import text_lines


def approve(endorsement, moderator, capture):
    with capture(execute=True):
        moderate_endorsements(
            endorsements=type(endorsement).objects.filter(pk=endorsement.pk),
            decision="approve",
            moderator=moderator,
        )


def certificate_link(email) -> str:
    return re.search(r"https?://[^/\s]+(/endorsers/certificate/\S+\.pdf)", email.body)[1]


def test_the_approval_email_links_to_a_signed_certificate_of_the_endorsement(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)

    response = client.get(certificate_link(mail.outbox[-1]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(text_lines(response.content))
    assert "Red de Escuelas Rurales" in text
    assert "Peru" in text
    assert "version 1" in text.lower()
    assert verify_pdf(response.content).is_genuine


def test_a_withdrawn_endorsement_has_no_certificate(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Gone Org", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)
    link = certificate_link(mail.outbox[-1])
    withdraw_endorsement(endorsement=endorsement)

    response = client.get(link)

    assert response.status_code == 410
    assert b"is not on the public list of endorsers" in response.content


def test_a_forged_certificate_link_is_refused(make_endorsement, client):
    endorsement = make_endorsement("Real Org")
    forged = endorsement.link_token("withdraw")

    response = client.get(f"/endorsers/certificate/{forged}.pdf")

    assert response.status_code == 400
    assert b"This link is not valid" in response.content
