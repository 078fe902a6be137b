"""Each approved endorser gets a signed one-page certificate, linked from the approval email."""

import datetime
import re

import pytest
from django.core import mail

from endorsements.certificate import EndorsementCertificate, render_certificate, stated_hash
from endorsements.services import (
    moderate_endorsements,
    reconfirm_endorsement,
    withdraw_endorsement,
)
from principles.models import VersionText
from principles.pdf.signing import verify_pdf
from tests.principles.pdf.pdf_reading import (
    alternative_texts,
    embedded_fonts,
    reader,
    shows,
    text_lines,
)


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
    pdf = response.getvalue()
    text = "\n".join(text_lines(pdf))
    assert "Red de Escuelas Rurales" in text
    assert "Peru" in text
    assert "version 1" in text.lower()
    assert verify_pdf(pdf).is_genuine


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
    pdf = first.getvalue()
    assert pdf == second.getvalue()
    assert first["ETag"] == second["ETag"]
    assert client.get(link, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert verify_pdf(pdf).is_genuine


def test_a_reconfirmation_gets_a_fresh_certificate_naming_the_newer_version(
    make_endorsement, moderator, pdf_settings, client, publish, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", status="confirmed")
    approve(endorsement, moderator, django_capture_on_commit_callbacks)
    link = certificate_link(mail.outbox[-1])
    client.get(link)

    newer = publish(principles=3, action_lines=2)

    # The worker renders it once the reconfirmation commits.
    with django_capture_on_commit_callbacks(execute=True):
        reconfirm_endorsement(endorsement=endorsement, version=newer)

    assert "version 2" in "\n".join(text_lines(client.get(link).getvalue())).lower()


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


def certificate_of(client, endorsement, prefix="") -> bytes:
    token = endorsement.link_token("certificate")
    response = client.get(f"{prefix}/endorsers/certificate/{token}.pdf")
    assert response.status_code == 200
    return response.getvalue()


def translate_title(version, language: str, title: str) -> None:
    """The version's title in `language`, as a published translation writes it."""
    VersionText.objects.bulk_create([VersionText(version=version, language=language, title=title)])


def test_an_arabic_endorsers_certificate_is_in_arabic_with_the_arabic_title(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("Open Schools Kenya", country="JO", language="ar")
    translate_title(endorsement.version, "ar", "إعلان تجريبي")

    pdf = certificate_of(client, endorsement)

    lines = text_lines(pdf)
    assert shows("شهادة تأييد", lines)
    assert shows("إعلان تجريبي", lines)
    assert shows("الأردن", lines)
    assert shows("Open Schools Kenya", lines)
    assert "https://declaration.example.org/ar/verify/" in "".join(lines)
    assert "Certificate of endorsement" not in "\n".join(lines)
    assert reader(pdf).trailer["/Root"]["/Lang"] == "ar"
    assert verify_pdf(pdf).is_genuine


def test_a_chinese_endorsers_certificate_is_in_chinese_with_the_cjk_font(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("北京教育基金会", country="CN", language="zh-hans")
    translate_title(endorsement.version, "zh-hans", "测试宣言")

    pdf = certificate_of(client, endorsement)

    text = "".join("".join(text_lines(pdf)).split())
    assert "认可证书" in text
    assert "测试宣言" in text
    assert "北京教育基金会" in text
    assert "中国" in text
    assert "https://declaration.example.org/zh-hans/verify/" in text
    assert any(font.startswith("Noto-Sans-CJK-SC") for font in embedded_fonts(pdf))


def test_a_french_endorser_without_a_french_title_gets_a_french_certificate_of_the_english_text(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", language="fr")

    text = "\n".join(text_lines(certificate_of(client, endorsement)))

    assert "Certificat de soutien" in text
    assert "Pérou" in text
    assert "Test Declaration" in text


def test_the_certificate_is_in_the_endorsers_language_whatever_the_address_prefix(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", language="en")
    translate_title(endorsement.version, "fr", "Déclaration d'essai")

    text = "\n".join(text_lines(certificate_of(client, endorsement, prefix="/fr")))

    assert "Certificate of endorsement" in text
    assert "Peru" in text
    assert "endorses the Test Declaration, version 1." in text
    assert "Déclaration d'essai" not in text


def test_an_endorsement_with_no_language_kept_gets_an_english_certificate(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("Old Org", country="PE", language="")

    assert "Certificate of endorsement" in "\n".join(
        text_lines(certificate_of(client, endorsement))
    )


def test_the_certificate_carries_a_qr_code_to_the_check_page_with_its_address_beside_it(
    make_endorsement, pdf_settings, client
):
    endorsement = make_endorsement("Red de Escuelas Rurales", country="PE", language="es")

    pdf = certificate_of(client, endorsement)

    text = "".join("".join(text_lines(pdf)).split())
    assert "https://declaration.example.org/es/verify/" in text
    # Drawn as vector graphics by segno, tagged as a figure with a text alternative.
    assert "Código QR de la página que comprueba este certificado" in alternative_texts(pdf)


def test_what_a_certificate_states_in_another_language_has_another_hash(pdf_settings, db):
    stated = {
        "organisation": "Red de Escuelas Rurales",
        "country_code": "PE",
        "declaration_title": "Test Declaration",
        "version_number": 1,
        "endorsed_on": datetime.date(2026, 11, 2),
    }
    english = EndorsementCertificate(**stated, language="en")
    spanish = EndorsementCertificate(**stated, language="es")

    here = stated_hash(english)
    assert here == stated_hash(EndorsementCertificate(**stated, language="en"))
    assert stated_hash(spanish) != here
    pdf_settings.SITE_URL = "https://elsewhere.example.org"
    assert stated_hash(english) != here


@pytest.mark.parametrize("language", ["en", "ar", "zh-hans", "fr", "ru", "es"])
def test_a_certificate_with_a_long_name_fits_one_page_in_every_language(pdf_settings, language):
    certificate = EndorsementCertificate(
        organisation="International Federation of Rural Community Schools and Learning Centres",
        country_code="CD",
        declaration_title="Global Declaration on Connectivity for Education",
        version_number=12,
        endorsed_on=datetime.date(2026, 11, 2),
        trust_level="verified",
        language=language,
    )

    pdf = render_certificate(certificate=certificate)

    assert len(reader(pdf).pages) == 1
    assert verify_pdf(pdf).is_genuine
