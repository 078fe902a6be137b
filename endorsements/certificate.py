"""The endorsement certificate: a signed one-page PDF that one approved endorsement can download.

It is rendered by the task worker when the endorsement is approved and whenever what it states
changes (`tasks.refresh_certificate`), and kept in the default storage as a `CertificatePdf`:
downloads read the stored file. Leaving the public list deletes it."""

import hashlib
import json
import logging
from dataclasses import astuple, dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info

from declaration_site.countries import EndorsementCountries
from endorsements.models import CertificatePdf, Endorsement
from principles.models import SOURCE_LANGUAGE, Version, VersionText
from principles.pdf.render import (
    PdfBeingRendered,
    date_formats,
    qr_code_data_uri,
    render_once,
    render_pdf,
)
from principles.pdf.signing import sign_pdf, site_signer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndorsementCertificate:
    """What an endorsement certificate states, in `language`: the endorser's, one of the
    site's languages. The title is the version's in that language when it has a translation
    in it (else the source text's), and the country a code that the certificate names in that
    language."""

    organisation: str
    country_code: str
    declaration_title: str
    version_number: int
    endorsed_on: date
    # An Endorsement.TrustLevel value: a verification renders a new certificate.
    trust_level: str = "self-declared"
    language: str = SOURCE_LANGUAGE


def certificate_language(endorsement: Endorsement) -> str:
    """The language the endorser read the form in, whatever page the certificate is asked
    from: the certificate is theirs, and its link is in emails sent in that language. English
    for endorsements from before the site kept the language."""
    return (
        endorsement.language
        if endorsement.language in dict(settings.LANGUAGES)
        else SOURCE_LANGUAGE
    )


def title_in(version: Version, language: str) -> str:
    """The title of `version` in `language` when it has an up-to-date translation in it, else
    in the source language (as `Version.text` picks it)."""
    rows = VersionText.objects.filter(language__in={language, SOURCE_LANGUAGE})
    version = Version.objects.prefetch_related(Prefetch("texts", queryset=rows)).get(pk=version.pk)
    with translation.override(language):
        return version.text.title


def certificate_of(endorsement: Endorsement) -> EndorsementCertificate:
    """What the certificate of an approved endorsement states, in the endorser's language."""
    language = certificate_language(endorsement)
    return EndorsementCertificate(
        organisation=endorsement.organisation_name,
        country_code=endorsement.country.code,
        declaration_title=title_in(endorsement.latest_version, language),
        version_number=endorsement.latest_version.number,
        endorsed_on=timezone.localdate(endorsement.approved_at),
        trust_level=endorsement.trust_level,
        language=language,
    )


def render_certificate(*, certificate: EndorsementCertificate) -> bytes:
    """The signed one-page certificate of one approved endorsement, in its language, with a QR
    code to the page that checks it."""
    language = certificate.language
    with translation.override(language):
        url = f"{settings.SITE_URL}{reverse('principles:verify')}"
        context = {
            "certificate": certificate,
            "language": language,
            "is_rtl": get_language_info(language)["bidi"],
            "country": str(EndorsementCountries().name(certificate.country_code)),
            "trust_level": str(Endorsement.TrustLevel(certificate.trust_level).label),
            "verification_url": url,
            "qr_code": qr_code_data_uri(url),
            "date_format": date_formats(language)["date_format"],
        }
        html = render_to_string("endorsements/certificate.html", context)
    reason = (
        f"Endorsement certificate: {certificate.organisation}, "
        f"version {certificate.version_number}, {certificate.endorsed_on.isoformat()} ({language})"
    )
    return sign_pdf(render_pdf(html), reason=reason)


def stated_hash(certificate: EndorsementCertificate) -> str:
    """What a certificate states (its language included), the site's address and the
    signing certificate, hashed: a stored certificate with another hash must be rendered
    anew."""
    stated = json.dumps(
        [*astuple(certificate), settings.SITE_URL, site_signer().signing_cert.sha256.hex()],
        default=str,
    )
    return hashlib.sha256(stated.encode()).hexdigest()


def store_certificate(*, endorsement_id: int) -> CertificatePdf | None:
    """Make sure the stored certificate of this endorsement states what is true now: render,
    sign and store it when it is missing or states something else (the previous file is
    deleted once the new one is in place), delete it when the endorsement is no longer
    public. Returns the stored certificate, if any.

    Two renders of the same endorsement may run at once (the worker and a first download);
    the endorsement's row lock orders their writes, and a render that no longer states what
    is true once the lock is held is thrown away: a later refresh was queued with the change."""
    endorsement = Endorsement.objects.select_related("version", "reconfirmed_version").get(
        pk=endorsement_id
    )
    if endorsement.status != Endorsement.Status.APPROVED:
        discard_certificates(endorsement_ids=[endorsement_id])
        return None
    certificate = certificate_of(endorsement)
    digest = stated_hash(certificate)
    stored = CertificatePdf.objects.filter(endorsement=endorsement).first()
    if stored is not None and stored.stated_hash == digest:
        return stored
    content = ContentFile(render_certificate(certificate=certificate))
    pdf = CertificatePdf(
        endorsement=endorsement,
        version=endorsement.latest_version,
        language=certificate.language,
        organisation_name=certificate.organisation,
        stated_hash=digest,
        size=content.size,
    )
    pdf.file.save("certificate.pdf", content, save=False)
    try:
        with transaction.atomic():
            locked = Endorsement.objects.select_for_update().get(pk=endorsement_id)
            # Locked too: a timestamp renewal (principles/pdf/renewal.py) may be replacing it.
            stored = CertificatePdf.objects.select_for_update().filter(endorsement=locked).first()
            still_true = locked.status == Endorsement.Status.APPROVED and digest == stated_hash(
                certificate_of(locked)
            )
            if not still_true or (stored is not None and stored.stated_hash == digest):
                pdf.file.delete(save=False)
                return stored
            if stored is not None:
                pdf.pk = stored.pk
                previous = stored.file.name
                transaction.on_commit(lambda: pdf.file.storage.delete(previous))
            pdf.save(force_update=stored is not None)
    except BaseException:
        # The file is outside the transaction: it goes with it.
        pdf.file.delete(save=False)
        raise
    logger.info("Stored the certificate of %s (%s bytes) at %s", locked, pdf.size, pdf.file.name)
    return pdf


def discard_certificates(*, endorsement_ids) -> None:
    """Delete the stored certificates of these endorsements, which left the public list: the
    rows now, the files once the transaction commits (they name the organisation)."""
    if not endorsement_ids:
        return
    with transaction.atomic():
        # Locked, so that the files are those of the rows deleted, not of rows a timestamp
        # renewal (principles/pdf/renewal.py) was replacing meanwhile.
        rows = CertificatePdf.objects.select_for_update().filter(endorsement__in=endorsement_ids)
        gone = list(rows)
        if gone:
            CertificatePdf.objects.filter(pk__in=[pdf.pk for pdf in gone]).delete()
            transaction.on_commit(lambda: [pdf.file.delete(save=False) for pdf in gone])


def certificate_to_serve(endorsement: Endorsement) -> CertificatePdf:
    """The stored certificate of an approved endorsement, without rendering anything; the
    task worker renders it on approval and on each change of what it states
    (tasks.refresh_certificate). One not stored yet (the worker is behind) is rendered now,
    by one request at a time (`render_once`): the others are told to come back in seconds,
    as is a request whose render was thrown away because the endorsement changed meanwhile."""
    stored = CertificatePdf.objects.filter(endorsement=endorsement).first()
    if stored is not None:
        return stored
    from .tasks import refresh_certificate  # tasks.py imports this module

    stored = render_once(
        f"certificate-first-render:{endorsement.pk}",
        lambda: store_certificate(endorsement_id=endorsement.pk),
        what=f"the certificate of {endorsement}",
        hand_over=lambda: refresh_certificate.enqueue(endorsement_id=endorsement.pk),
    )
    if stored is None:
        # It changed while it was rendered (withdrawn, renamed): the next download tells.
        raise PdfBeingRendered(f"The certificate of {endorsement} changed while it was rendered.")
    return stored
