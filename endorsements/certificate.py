"""The endorsement certificate: a signed one-page PDF that one approved endorsement can download."""

import hashlib
import json
from dataclasses import astuple, dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from declaration_site.countries import EndorsementCountries
from declaration_site.public_cache import cached_value
from endorsements.models import Endorsement
from principles.models import SOURCE_LANGUAGE
from principles.pdf.render import render_pdf
from principles.pdf.signing import sign_pdf, site_signer


@dataclass(frozen=True)
class EndorsementCertificate:
    """What an endorsement certificate states. The certificate is in English whatever the
    language of the page it is downloaded from: the title is the source text's, and the
    country a code that the certificate names in English."""

    organisation: str
    country_code: str
    declaration_title: str
    version_number: int
    endorsed_on: date
    # An Endorsement.TrustLevel value: a verification renders a new certificate.
    trust_level: str = "self-declared"


def render_certificate(*, certificate: EndorsementCertificate) -> bytes:
    """The signed one-page certificate of one approved endorsement, in English."""
    with translation.override(SOURCE_LANGUAGE):
        url = f"{settings.SITE_URL}{reverse('principles:verify')}"
        context = {
            "certificate": certificate,
            "country": str(EndorsementCountries().name(certificate.country_code)),
            "trust_level": str(Endorsement.TrustLevel(certificate.trust_level).label),
            "verification_url": url,
        }
        html = render_to_string("endorsements/certificate.html", context)
    reason = (
        f"Endorsement certificate: {certificate.organisation}, "
        f"version {certificate.version_number}, {certificate.endorsed_on.isoformat()}"
    )
    return sign_pdf(render_pdf(html), reason=reason)


# How long a rendered certificate is kept: long enough that an endorser opening, saving and
# printing it costs one render, short enough that a new layout reaches everyone within a day.
CERTIFICATE_CACHE_SECONDS = 24 * 60 * 60


def cached_certificate(*, certificate: EndorsementCertificate) -> bytes:
    """`render_certificate`, kept in the cache under what the certificate states, the site's
    address and the signing certificate: a reconfirmation (a newer version) or a new signing
    key renders a fresh one, and repeated downloads render nothing (a render takes ~1 s)."""
    stated = json.dumps(
        [*astuple(certificate), settings.SITE_URL, site_signer().signing_cert.sha256.hex()],
        default=str,
    )
    return cached_value(
        "certificate:" + hashlib.sha256(stated.encode()).hexdigest(),
        lambda: render_certificate(certificate=certificate),
        fixed_for=CERTIFICATE_CACHE_SECONDS,
    )
