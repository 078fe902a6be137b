"""Each approved endorser gets a signed one-page certificate, linked from the approval email."""

import re

from django.core import mail

from endorsements.services import (
    moderate_endorsements,
    reconfirm_endorsement,
    withdraw_endorsement,
)
from principles.pdf.signing import verify_pdf
from tests.principles.pdf.pdf_reading import text_lines


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


def test_repeated_downloads_serve_the_certificate_rendered_the_first_time(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)
    link = certificate_link(mail.outbox[-1])

    first, second = client.get(link), client.get(link)

    # Two renders never give the same bytes (each signature has its own time and identifier).
    assert first.content == second.content
    assert verify_pdf(second.content).is_genuine


def test_a_reconfirmation_gets_a_fresh_certificate_naming_the_newer_version(
    make_endorsement, moderator, pdf_settings, client, publish, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)
    link = certificate_link(mail.outbox[-1])
    client.get(link)

    reconfirm_endorsement(endorsement=endorsement, version=publish(principles=3, action_lines=2))

    assert "version 2" in "\n".join(text_lines(client.get(link).content)).lower()


def test_certificate_downloads_are_limited_per_address(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    pdf_settings.CERTIFICATE_RATE_LIMIT = "2/h"
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)
    link = certificate_link(mail.outbox[-1])

    answers = [client.get(link) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1]["Content-Type"].startswith("text/html")
    assert b"Please wait a while, then try again" in answers[-1].content


def test_a_certificate_downloaded_in_french_is_in_english_country_and_title_included(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    from principles.models import VersionText

    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    # The version's title in French, as a published translation writes it.
    VersionText.objects.bulk_create(
        [VersionText(version=endorsement.version, language="fr", title="Déclaration d'essai")]
    )
    approve(endorsement, moderator, django_capture_on_commit_callbacks)

    response = client.get("/fr" + certificate_link(mail.outbox[-1]))

    assert response.status_code == 200
    text = "\n".join(text_lines(response.content))
    assert "Certificate of endorsement" in text
    assert "Peru" in text
    assert "Pérou" not in text
    assert "endorses the Test Declaration, version 1." in text
    assert "Déclaration d'essai" not in text
