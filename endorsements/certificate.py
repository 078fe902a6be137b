"""The endorsement certificate: a signed one-page PDF that one approved endorsement can download."""

import hashlib
import json
from dataclasses import astuple, dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info

from declaration_site.countries import EndorsementCountries
from declaration_site.public_cache import cached_value
from endorsements.models import Endorsement
from principles.models import SOURCE_LANGUAGE, Version, VersionText
from principles.pdf.render import date_formats, qr_code_data_uri, render_pdf
from principles.pdf.signing import sign_pdf, site_signer


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


# How long a rendered certificate is kept: long enough that an endorser opening, saving and
# printing it costs one render, short enough that a new layout reaches everyone within a day.
CERTIFICATE_CACHE_SECONDS = 24 * 60 * 60


def cached_certificate(*, certificate: EndorsementCertificate) -> bytes:
    """`render_certificate`, kept in the cache under what the certificate states (its language
    included), the site's address and the signing certificate: a reconfirmation (a newer
    version) or a new signing key renders a fresh one, and repeated downloads render nothing
    (a render takes ~1 s)."""
    stated = json.dumps(
        [*astuple(certificate), settings.SITE_URL, site_signer().signing_cert.sha256.hex()],
        default=str,
    )
    return cached_value(
        "certificate:" + hashlib.sha256(stated.encode()).hexdigest(),
        lambda: render_certificate(certificate=certificate),
        fixed_for=CERTIFICATE_CACHE_SECONDS,
    )
