"""The declaration as a signed PDF, with the organisations that endorse it.

A PDF is rendered once for each (version, language, snapshot of its signatories) by WeasyPrint,
signed (see signing.py) and kept in Django's default storage as a `DeclarationPdf`. It exists in
the source language and in each language the version has a translation in, all with the same
snapshot once the renders of a change have run. Downloads are served from storage. When the
signatories change, the newest PDF of the version in each language keeps being served until
the fresh one is stored (by `tasks.refresh_declaration_pdf`, one task per language, or by
`manage.py render_pdfs`).

Rendering runs in a forked child process under a memory limit (RLIMIT_AS) and a wall-clock
limit: WeasyPrint's layout cost grows with the number of signatories, and a runaway render must
cost one child process, not the web worker that asked for it.
"""

import logging
import mimetypes
import re
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import url2pathname

import segno
import weasyprint
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from weasyprint.urls import URLFetcher, URLFetcherResponse

from declaration_site.public_cache import cache_answers, public_content_changed

from ..models import SOURCE_LANGUAGE, DeclarationPdf, PdfRender, Version
from . import tagging
from .annex import DEFAULT_LAYOUT, annex_countries
from .child_process import ChildProcessFailed, run_in_child
from .signatories import SignatorySnapshot, signatories_of
from .signing import TimestampUnavailable, sign_pdf

logger = logging.getLogger(__name__)

# PDF/UA-1: a tagged PDF with a structure tree, a document language and a displayed title, so
# that screen readers read the declaration and its signatories in order. See the README.
PDF_VARIANT = "pdf/ua-1"
DATA_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}
# Before any render forks: element languages in the structure tree, and faster tagging.
tagging.install()


class PdfRenderError(Exception):
    """Raised when WeasyPrint fails, runs out of memory or takes longer than allowed."""

    # When a reader who asked for the PDF is told to come back, in seconds.
    retry_after = 120


class PdfBeingRendered(PdfRenderError):
    """Raised when another request is rendering the PDF asked for (see `first_render`)."""

    retry_after = 10


# After a first render failed, how long readers are told to come back rather than start the
# same render again: meanwhile the task worker retries it (tasks.retry_failed_render).
FAILED_RENDER_PAUSE_SECONDS = 10 * 60


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
    timeout = settings.PDF_RENDER_TIMEOUT_SECONDS
    try:
        return run_in_child(_render, html, memory_mb=settings.PDF_RENDER_MEMORY_MB, timeout=timeout)
    except ChildProcessFailed as failure:
        if failure.reason == "timeout":
            message = f"Rendering took longer than {timeout} s and was stopped."
            raise PdfRenderError(message) from None
        if failure.reason == "died":
            raise PdfRenderError(
                "The rendering process stopped without a PDF; it may have needed more than "
                f"{settings.PDF_RENDER_MEMORY_MB} MB."
            ) from None
        raise PdfRenderError(f"WeasyPrint failed: {failure}") from None


def _render(html: str) -> bytes:
    document = weasyprint.HTML(
        string=html,
        base_url=static_dirs()[-1].as_uri() + "/",
        url_fetcher=StaticOnlyURLFetcher(allowed_dirs=static_dirs()),
    )
    return document.write_pdf(pdf_variant=PDF_VARIANT, custom_metadata=True)


def verification_url(*, version: Version, snapshot: SignatorySnapshot, language: str) -> str:
    """The page that describes exactly this PDF (its QR code leads there), in its language."""
    query = {"version": version.number, "snapshot": snapshot.digest}
    if language != SOURCE_LANGUAGE:
        query["language"] = language
    with translation.override(language):
        return f"{settings.SITE_URL}{reverse('principles:verify')}?{urlencode(query)}"


def qr_code_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that is safe inside an HTML <style> element."""
    escaped = "".join(f"\\{ord(char):x} " if char in '\\"<>&\n' else char for char in text)
    return f'"{escaped}"'


def page_counter_css() -> str:
    """The CSS `content` of "Page X of Y" in the active language (the translation decides the
    order of the words and numbers)."""
    counters = {"number": "counter(page)", "total": "counter(pages)"}
    parts = re.split(r"%\((number|total)\)s", _("Page %(number)s of %(total)s"))
    # Odd parts are the placeholders, even parts the words around them.
    return " ".join(
        counters[part] if index % 2 else css_string(part)
        for index, part in enumerate(parts)
        if part or index % 2
    )


def date_formats(language: str) -> dict[str, str]:
    """The PDF's formats of dates, and of times of day, in `language`. English keeps "j F Y" as
    on the site; other languages write dates in their own order ("2026年11月23日")."""
    if language == SOURCE_LANGUAGE:
        date, separator = "j F Y", ", "
    else:
        date, separator = formats.get_format("DATE_FORMAT", language), " "
    return {
        "date_format": date,
        "datetime_format": f"{date}{separator}H:i e",
        "datetime_seconds_format": f"{date}{separator}H:i:s e",
    }


def declaration_html(
    *, version: Version, snapshot: SignatorySnapshot, language: str, layout: str = DEFAULT_LAYOUT
) -> str:
    """The HTML of the PDF; `layout` is that of the signatories (see annex.py)."""
    with translation.override(language):
        version = Version.objects.with_text(language).get(pk=version.pk)
        url = verification_url(version=version, snapshot=snapshot, language=language)
        return render_to_string(
            "principles/pdf/declaration.html",
            {
                "version": version,
                "language": language,
                "is_rtl": get_language_info(language)["bidi"],
                "is_translation": language != SOURCE_LANGUAGE,
                "snapshot": snapshot,
                "annex_layout": layout,
                "countries": annex_countries(snapshot, layout=layout, document_language=language),
                "verification_url": url,
                # Kept left to right inside a right-to-left sentence.
                "verify_page": format_html(
                    '<span dir="ltr">{}{}</span>', settings.SITE_URL, reverse("principles:verify")
                ),
                "qr_code": qr_code_data_uri(url),
                "page_counter": page_counter_css(),
                **date_formats(language),
            },
        )


def render_declaration(
    *,
    version: Version,
    snapshot: SignatorySnapshot,
    language: str = SOURCE_LANGUAGE,
    layout: str = DEFAULT_LAYOUT,
) -> bytes:
    """The signed PDF of `version` in `language` with the signatories of `snapshot`, listed in
    `layout` (annex.py; the default, except to compare). How long WeasyPrint took, and whether
    it produced a PDF, is recorded (`PdfRender`, for /metrics)."""
    html = declaration_html(version=version, snapshot=snapshot, language=language, layout=layout)
    started = time.monotonic()
    try:
        pdf = render_pdf(html)
    except PdfRenderError:
        _record_render(language=language, started=started, succeeded=False)
        raise
    _record_render(language=language, started=started, succeeded=True)
    reason = (
        f"Declaration {version.declaration.slug} version {version.number} ({language}), "
        f"{len(snapshot.signatories)} signatories, snapshot {snapshot.digest}"
    )
    try:
        return sign_pdf(pdf, reason=reason)
    except TimestampUnavailable as error:
        # Retried as a failed render is (tasks.retry_failed_render), not signed without it.
        raise PdfRenderError(str(error)) from None


def _record_render(*, language: str, started: float, succeeded: bool) -> None:
    seconds = time.monotonic() - started
    PdfRender.objects.create(language=language, seconds=seconds, succeeded=succeeded)


def rendered_pdf(*, version: Version, snapshot: SignatorySnapshot, language: str) -> DeclarationPdf:
    """The PDF of (version, language, snapshot), rendered, signed and its file stored; the row
    is not saved yet."""
    content = render_declaration(version=version, snapshot=snapshot, language=language)
    pdf = DeclarationPdf(
        version=version,
        language=language,
        snapshot_hash=snapshot.digest,
        signatory_count=len(snapshot.signatories),
        snapshot_taken_at=snapshot.taken_at,
        last_matched_at=snapshot.taken_at,
        size=len(content),
    )
    pdf.file.save("declaration.pdf", ContentFile(content), save=False)
    return pdf


def store_declaration_pdf(
    *, version: Version, snapshot: SignatorySnapshot, language: str = SOURCE_LANGUAGE
) -> DeclarationPdf:
    """The PDF of (version, language, snapshot): the stored one (`stored_pdf_of`), or one
    rendered and stored now (`save_rendered_pdf`)."""
    return stored_pdf_of(
        version=version, snapshot=snapshot, language=language
    ) or save_rendered_pdf(version=version, snapshot=snapshot, language=language)


def save_rendered_pdf(
    *, version: Version, snapshot: SignatorySnapshot, language: str
) -> DeclarationPdf:
    """Render, sign and store the PDF of (version, language, snapshot), which is not stored
    yet, and make it the PDF that downloads get, unless a later snapshot has already found
    others.

    Two workers may render the same PDF at once; the unique constraint keeps one row and the
    loser removes its file.
    """
    pdf = rendered_pdf(version=version, snapshot=snapshot, language=language)
    try:
        with transaction.atomic():
            pdf.save()
            # The declaration's page shows the size of the PDF that downloads get.
            public_content_changed()
    except IntegrityError:
        pdf.file.delete(save=False)
        return stored_pdf_of(version=version, snapshot=snapshot, language=language)
    logger.info("Stored %s (%s bytes) at %s", pdf, pdf.size, pdf.file.name)
    return pdf


def stored_pdf_of(
    *, version: Version, snapshot: SignatorySnapshot, language: str
) -> DeclarationPdf | None:
    """The stored PDF of `version` in `language` with exactly the signatories of `snapshot`,
    if there is one; downloads then get it again (see `matched_again`)."""
    found = DeclarationPdf.objects.filter(
        version=version, language=language, snapshot_hash=snapshot.digest
    ).first()
    if found:
        matched_again(found, snapshot=snapshot)
    return found


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


def render_declaration_pdf(*, version_id: int, language: str = SOURCE_LANGUAGE) -> DeclarationPdf:
    """Make sure the PDF of this version in `language` with its current signatories is stored."""
    version = Version.objects.published().select_related("declaration").get(pk=version_id)
    return store_declaration_pdf(
        version=version, snapshot=signatories_of(version), language=language
    )


def replace_declaration_pdf(*, version_id: int, language: str) -> DeclarationPdf:
    """Render the PDF of this version in `language` anew and put it in place of the stored ones
    of that language, for when the text in that language changed (a translation was published
    or revised) while the signatories did not. Readers get the previous PDF until the new one
    is stored; the previous files are deleted once it is."""
    version = Version.objects.published().select_related("declaration").get(pk=version_id)
    snapshot = signatories_of(version)
    pdf = rendered_pdf(version=version, snapshot=snapshot, language=language)
    with transaction.atomic():
        previous = DeclarationPdf.objects.filter(version=version, language=language)
        files = [old.file for old in previous]
        previous.delete()
        pdf.save()
        public_content_changed()
        transaction.on_commit(lambda: [file.delete(save=False) for file in files])
    logger.info("Replaced the %s PDFs of %s with %s", language, version, pdf.file.name)
    return pdf


def pdf_to_serve(*, version: Version, language: str = SOURCE_LANGUAGE) -> DeclarationPdf:
    """The PDF of `version` in `language` to send now, without reading its signatories or
    waiting for a render: the PDF of the latest snapshot taken, which approving, reconfirming
    or withdrawing an endorsement renders in the background (tasks.refresh_declaration_pdf, and
    `manage.py render_pdfs` catches up too); until it is stored, the previous one, genuine and
    signed. `language` is one the PDF exists in (see `VersionQuerySet.with_pdf_language`). A
    version (or a translation) that has never been rendered is rendered now, once."""
    stored = DeclarationPdf.objects.filter(version=version, language=language).select_related(
        "version__declaration"
    )
    if newest := stored.newest_first().first():
        return newest
    return first_render(version=version, language=language)


def first_render(*, version: Version, language: str) -> DeclarationPdf:
    """Render and store the PDF of a version in a language it was never rendered in, once:
    the request that takes the lock (in the shared cache) renders it, and the others asking
    meanwhile are told to come back in a few seconds (PdfBeingRendered), so that a rush on a
    new version's PDF costs one render, not one per reader.

    A render that fails (it took too long, or needed too much memory) is logged and handed to
    the task worker, which retries it; for FAILED_RENDER_PAUSE_SECONDS readers are told to come
    back instead of each trying it again. When the cache does not answer, no lock can be
    taken, and each request renders as before."""
    from .tasks import retry_failed_render  # tasks.py imports this module

    return render_once(
        f"pdf-first-render:{version.pk}:{language}",
        lambda: store_declaration_pdf(
            version=version, snapshot=signatories_of(version), language=language
        ),
        what=f"the {language} PDF of {version}",
        hand_over=lambda: retry_failed_render(version=version, language=language),
    )


def render_once(name: str, render, *, what: str, hand_over):
    """`render()`, by one request at a time (the single flight of `first_render`): under the
    lock `name` in the shared cache; a request that finds it taken raises PdfBeingRendered. A
    render that fails is logged and `hand_over()` gives it to the task worker; for
    FAILED_RENDER_PAUSE_SECONDS the requests for it raise PdfRenderError without trying. When
    the cache does not answer, no lock can be taken, and each request renders."""
    if cache.get(f"{name}:failed"):
        raise PdfRenderError(f"The render of {what} failed; a task retries it.")
    lock_seconds = settings.PDF_RENDER_TIMEOUT_SECONDS + 60
    locked = cache.add(f"{name}:lock", True, lock_seconds)
    if not locked and cache_answers():
        raise PdfBeingRendered(f"Another request is rendering {what}.")
    try:
        return render()
    except PdfRenderError:
        logger.exception("The first render of %s failed", what)
        cache.set(f"{name}:failed", True, FAILED_RENDER_PAUSE_SECONDS)
        hand_over()
        raise
    finally:
        if locked:
            cache.delete(f"{name}:lock")
