"""The declaration as a signed PDF, with the organisations that endorse it.

A PDF is rendered once for each (version, snapshot of its signatories) by WeasyPrint, signed
(see signing.py) and kept in Django's default storage as a `DeclarationPdf`. Downloads are served
from storage. When the signatories change, the newest PDF of the version keeps being served until
`render_declaration_pdf(version_id=…)` (run in the background, or by `manage.py render_pdfs`) has
stored the fresh one.

Rendering runs in a forked child process under a memory limit (RLIMIT_AS) and a wall-clock
limit: WeasyPrint's layout cost grows with the number of signatories, and a runaway render must
cost one child process, not the web worker that asked for it.
"""

import hashlib
import json
import logging
import mimetypes
import multiprocessing
import resource
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import url2pathname

import segno
import weasyprint
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint.urls import URLFetcher, URLFetcherResponse

from declaration_site.public_cache import public_content_changed
from endorsements.models import Endorsement

from .models import SOURCE_LANGUAGE, DeclarationPdf, Version
from .signing import sign_pdf

logger = logging.getLogger(__name__)

# PDF/UA-1: a tagged PDF with a structure tree, a document language and a displayed title, so
# that screen readers read the declaration and its signatories in order. See the README.
PDF_VARIANT = "pdf/ua-1"
DATA_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}


@dataclass(frozen=True)
class Signatory:
    name: str
    country_code: str
    country_name: str
    organisation_type: str


@dataclass(frozen=True)
class SignatorySnapshot:
    """The approved endorsers of a version at one moment: what one PDF carries."""

    signatories: tuple[Signatory, ...]
    taken_at: datetime

    @property
    def digest(self) -> str:
        """SHA-256 of the signatories (not of the moment): equal lists give the same PDF key."""
        rows = sorted(
            [s.name, s.country_code, s.country_name, s.organisation_type] for s in self.signatories
        )
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()

    def by_country(self) -> list[tuple[str, list[Signatory]]]:
        """Signatories grouped by country, countries and names in alphabetical order."""
        groups: dict[str, list[Signatory]] = {}
        for signatory in self.signatories:
            groups.setdefault(signatory.country_name, []).append(signatory)
        return [
            (country, sorted(members, key=lambda s: s.name.casefold()))
            for country, members in sorted(groups.items(), key=lambda item: item[0].casefold())
        ]


def signatories_of(version: Version) -> SignatorySnapshot:
    """The approved endorsers of `version` (who endorsed it or reconfirmed for it), as the PDF
    shows them. This is the one function that reads endorsements."""
    endorsers = (
        Endorsement.objects.public()
        .signing(version)
        .only("organisation_name", "country", "organisation_type")
    )
    return SignatorySnapshot(
        signatories=tuple(
            Signatory(
                name=endorser.organisation_name,
                country_code=endorser.country.code,
                country_name=str(endorser.country.name),
                organisation_type=str(endorser.get_organisation_type_display()),
            )
            for endorser in endorsers
        ),
        taken_at=timezone.now(),
    )


class PdfRenderError(Exception):
    """Raised when WeasyPrint fails, runs out of memory or takes longer than allowed."""


class StaticOnlyURLFetcher(URLFetcher):
    """Fetch nothing but small `data:` images and regular files inside the static folders.

    WeasyPrint's default fetcher follows any URL: it embedded /etc/passwd through
    `<a rel="attachment">` and read /dev/urandom without end. Refused URLs raise, WeasyPrint
    logs a warning and renders on without the resource.
    """

    def __init__(self, *, allowed_dirs: list[Path], max_bytes: int = 256 * 1024):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
        self.allowed_dirs = [Path(folder).resolve() for folder in allowed_dirs]
        self.max_bytes = max_bytes

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data" and self._is_small_data_image(url):
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if self._is_small_static_file(path):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"The PDF may only use small images and the site's static files: {url}")

    def _is_small_data_image(self, url: str) -> bool:
        media_type = url[len("data:") :].split(",", 1)[0].split(";", 1)[0].lower()
        return media_type in DATA_IMAGE_TYPES and len(url) <= self.max_bytes

    def _is_small_static_file(self, path: Path) -> bool:
        inside = any(path.is_relative_to(folder) for folder in self.allowed_dirs)
        return inside and path.is_file() and path.stat().st_size <= self.max_bytes


def static_dirs() -> list[Path]:
    return [Path(settings.STATIC_ROOT), *(Path(folder) for folder in settings.STATICFILES_DIRS)]


def render_pdf(html: str) -> bytes:
    """Lay `html` out as a PDF in a child process, within the configured time and memory."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_render_in_child, args=(html, sender), daemon=True)
    child.start()
    sender.close()
    timeout = settings.PDF_RENDER_TIMEOUT_SECONDS
    try:
        if not receiver.poll(timeout):
            raise PdfRenderError(f"Rendering took longer than {timeout} s and was stopped.")
        outcome, payload = receiver.recv()
    except EOFError:
        raise PdfRenderError(
            "The rendering process stopped without a PDF; it may have needed more than "
            f"{settings.PDF_RENDER_MEMORY_MB} MB."
        ) from None
    finally:
        receiver.close()
        child.kill()
        child.join()
    if outcome == "error":
        raise PdfRenderError(payload)
    return payload


def _render_in_child(html: str, sender) -> None:
    limit = settings.PDF_RENDER_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        document = weasyprint.HTML(
            string=html,
            base_url=static_dirs()[-1].as_uri() + "/",
            url_fetcher=StaticOnlyURLFetcher(allowed_dirs=static_dirs()),
        )
        sender.send(("pdf", document.write_pdf(pdf_variant=PDF_VARIANT, custom_metadata=True)))
    except MemoryError:
        sender.send(("error", f"Rendering needed more than {settings.PDF_RENDER_MEMORY_MB} MB."))
    except Exception as error:
        sender.send(("error", f"WeasyPrint failed: {type(error).__name__}: {error}"))
    finally:
        sender.close()


def verification_url(*, version: Version, snapshot: SignatorySnapshot) -> str:
    """The page that describes exactly this PDF (its QR code leads there)."""
    query = urlencode({"version": version.number, "snapshot": snapshot.digest})
    return f"{settings.SITE_URL}{reverse('principles:verify')}?{query}"


def qr_code_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def declaration_html(*, version: Version, snapshot: SignatorySnapshot) -> str:
    with translation.override(SOURCE_LANGUAGE):
        version = Version.objects.with_text(SOURCE_LANGUAGE).get(pk=version.pk)
        url = verification_url(version=version, snapshot=snapshot)
        return render_to_string(
            "principles/pdf/declaration.html",
            {
                "version": version,
                "snapshot": snapshot,
                "countries": snapshot.by_country(),
                "verification_url": url,
                "verify_page": f"{settings.SITE_URL}{reverse('principles:verify')}",
                "qr_code": qr_code_data_uri(url),
            },
        )


def render_declaration(*, version: Version, snapshot: SignatorySnapshot) -> bytes:
    """The signed PDF of `version` with the signatories of `snapshot`."""
    pdf = render_pdf(declaration_html(version=version, snapshot=snapshot))
    reason = (
        f"Declaration {version.declaration.slug} version {version.number}, "
        f"{len(snapshot.signatories)} signatories, snapshot {snapshot.digest}"
    )
    return sign_pdf(pdf, reason=reason)


def store_declaration_pdf(*, version: Version, snapshot: SignatorySnapshot) -> DeclarationPdf:
    """Render, sign and store the PDF of (version, snapshot) unless it is stored already, and
    make it the PDF that downloads get, unless a later snapshot has already found others.

    Two workers may render the same snapshot at once; the unique constraint keeps one row and
    the loser removes its file.
    """
    existing = DeclarationPdf.objects.filter(version=version, snapshot_hash=snapshot.digest)
    if found := existing.first():
        matched_again(found, snapshot=snapshot)
        return found
    content = render_declaration(version=version, snapshot=snapshot)
    pdf = DeclarationPdf(
        version=version,
        snapshot_hash=snapshot.digest,
        signatory_count=len(snapshot.signatories),
        snapshot_taken_at=snapshot.taken_at,
        last_matched_at=snapshot.taken_at,
        size=len(content),
    )
    pdf.file.save("declaration.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            pdf.save()
            # The declaration's page shows the size of the PDF that downloads get.
            public_content_changed()
    except IntegrityError:
        pdf.file.delete(save=False)
        found = existing.get()
        matched_again(found, snapshot=snapshot)
        return found
    logger.info("Stored %s (%s bytes) at %s", pdf, pdf.size, pdf.file.name)
    return pdf


def matched_again(pdf: DeclarationPdf, *, snapshot: SignatorySnapshot) -> None:
    """A later snapshot found the signatories of a stored PDF again (an endorser was approved,
    then withdrew): downloads get that PDF again. Only ever moved forward, so that of two
    renders finishing out of order, the later snapshot wins."""
    with transaction.atomic():
        moved = DeclarationPdf.objects.filter(
            pk=pdf.pk, last_matched_at__lt=snapshot.taken_at
        ).update(last_matched_at=snapshot.taken_at)
        if moved:
            public_content_changed()


def render_declaration_pdf(*, version_id: int) -> DeclarationPdf:
    """Make sure the PDF of this version with its current signatories is stored.

    Plain arguments so that a background task can call it when the approved endorsers change.
    """
    version = Version.objects.published().select_related("declaration").get(pk=version_id)
    return store_declaration_pdf(version=version, snapshot=signatories_of(version))


def pdf_to_serve(*, version: Version) -> DeclarationPdf:
    """The PDF to send for `version` now, without reading its signatories or waiting for a
    render: the PDF of the latest snapshot taken, which approving, reconfirming or withdrawing
    an endorsement renders in the background (tasks.refresh_declaration_pdf, and `manage.py
    render_pdfs` catches up too); until it is stored, the previous one, genuine and signed. A
    version that has never been rendered is rendered now, once."""
    stored = DeclarationPdf.objects.filter(version=version).select_related("version__declaration")
    if newest := stored.order_by("-last_matched_at").first():
        return newest
    return store_declaration_pdf(version=version, snapshot=signatories_of(version))


@dataclass(frozen=True)
class EndorsementCertificate:
    """What an endorsement certificate states."""

    organisation: str
    country_name: str
    declaration_title: str
    version_number: int
    endorsed_on: date


def render_certificate(*, certificate: EndorsementCertificate) -> bytes:
    """The signed one-page certificate of one approved endorsement."""
    with translation.override(SOURCE_LANGUAGE):
        url = f"{settings.SITE_URL}{reverse('principles:verify')}"
        context = {"certificate": certificate, "verification_url": url}
        html = render_to_string("principles/pdf/certificate.html", context)
    reason = (
        f"Endorsement certificate: {certificate.organisation}, "
        f"version {certificate.version_number}, {certificate.endorsed_on.isoformat()}"
    )
    return sign_pdf(render_pdf(html), reason=reason)
